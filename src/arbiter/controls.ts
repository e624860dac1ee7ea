// What operators and reporters change on an arbiter between beats: turning it on or off and
// retuning it, the anomalies reported for the next beat, the seed's inject_data into the genome,
// the subscribers of its broadcasts, and its status. Reading an arbiter that never ran writes
// nothing (issue 12); the calls that write create it, genesis entry first.
import { injectData } from "../core/arbiter/genome.js";
import { arbiterView, UNSTARTED_JOURNAL, type ArbiterView } from "../core/arbiter/record.js";
import { retune, type ArbiterTunables } from "../core/arbiter/state.js";
import type { ArbiterStore } from "../stores/arbiter-store.js";
import { scheduleNext } from "./beats.js";

export interface ConfigureInput {
  enabled: boolean;
  intervalMs?: number;
  k?: number;
  p?: number;
  tThreshold?: number;
}

/** PUT /worldlines/:id/arbiter: turn on, off or retune. Creates the arbiter (and its journal genesis) on first use. */
export async function configure(store: ArbiterStore, worldline: string, input: ConfigureInput): Promise<ArbiterView> {
  const tunables = Object.fromEntries(
    Object.entries({ k: input.k, p: input.p, tThreshold: input.tThreshold }).filter(([, v]) => v !== undefined),
  ) as Partial<ArbiterTunables>;
  const created = store.record ? null : store.fresh(worldline, tunables); // both validate the tunables before anything is written
  const record = store.record ?? created!.record;
  store.write(
    {
      ...record,
      config: { ...record.config, enabled: input.enabled, intervalMs: input.intervalMs ?? record.config.intervalMs },
      state: created ? record.state : retune(record.state, tunables),
    },
    created?.entries,
  );
  await scheduleNext(store);
  return arbiterView(store.record!);
}

/** GET: the arbiter, or (never run) what it would start as, without writing anything. */
export function status(store: ArbiterStore, worldline: string): ArbiterView {
  return store.record
    ? arbiterView(store.record)
    : { ...arbiterView(store.fresh(worldline, {}).record), journal: { ...UNSTARTED_JOURNAL } };
}

/** POST /worldlines/:id/telemetry: anomalies accumulate until the next beat consumes them. */
export function telemetry(store: ArbiterStore, worldline: string, anoms: number): { pendingAnoms: number } {
  const record = store.current(worldline);
  store.write({ ...record, pendingAnoms: record.pendingAnoms + anoms });
  return { pendingAnoms: store.record!.pendingAnoms };
}

/** The seed's inject_data into the genome (risk anomalies and ml_weight). */
export function inject(
  store: ArbiterStore,
  worldline: string,
  injection: { anoms?: number; ml_weight?: number },
): ArbiterView {
  const record = store.current(worldline);
  store.write({ ...record, state: { ...record.state, genome: injectData(record.state.genome, injection) } });
  return arbiterView(store.record!);
}

export function setSubscribers(store: ArbiterStore, worldline: string, agents: string[]): { subscribers: string[] } {
  const record = store.current(worldline);
  store.write({ ...record, config: { ...record.config, subscribers: [...new Set(agents)] } });
  return { subscribers: store.record!.config.subscribers };
}

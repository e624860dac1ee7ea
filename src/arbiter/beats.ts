// The arbiter's beat loop on its Durable Object alarm (seed 001 "Execution Flow"): each beat is
// core/arbiter/record.ts beatRecord over the anomalies reported since the last one and the latest
// entropy model; the new record, the beat's journal entries and its effects are written in one
// transaction (arbiter-store.ts), then the effects are applied from that outbox (effect-outbox.ts).
// When to beat next is core/arbiter/schedule.ts.
import type { Action } from "../core/arbiter/decision.js";
import type { BeatResult } from "../core/arbiter/beat.js";
import type { EntropyModel } from "../core/arbiter/entropy-model.js";
import type { JournalEntry } from "../core/arbiter/journal.js";
import {
  coalesceBurst,
  effectsOfBeat,
  hasEffects,
  OUTBOX_RETRY_MS,
  type ArbiterEffect,
} from "../core/arbiter/outbox.js";
import { arbiterView, beatRecord, journalRoot, type ArbiterRecord, type ArbiterView } from "../core/arbiter/record.js";
import { alarmBeatAt, beatDelayMs, burstBeatAt, nextArbiterAlarm } from "../core/arbiter/schedule.js";
import type { ArbiterStore } from "../stores/arbiter-store.js";
import type { EffectOutbox } from "./effect-outbox.js";

/** What an arbiter runs on: its storage, its effects outbox, and the latest entropy model (model-store.ts). */
export interface ArbiterParts {
  store: ArbiterStore;
  outbox: EffectOutbox;
  model(): Promise<EntropyModel>;
}

export interface BurstDecision {
  beat: number;
  action: Action;
  threat: number;
}

/** The effects of the beat just run; `record` is the record right after it. */
function effectsOf(store: ArbiterStore, record: ArbiterRecord, result: BeatResult): ArbiterEffect[] {
  const beat = { beat: result.state.beat, action: result.action, anchorEvery: store.settings.anchorEvery };
  if (!hasEffects(beat)) return []; // most beats: no journal root to compute (O(log n) hashes)
  return effectsOfBeat({
    ...beat,
    worldline: record.config.worldline,
    threat: result.cores.E.threat_score,
    at: record.lastBeatAt,
    journal: { root: journalRoot(record), size: record.frontier.size },
    subscribers: record.config.subscribers,
  });
}

/** Like the seed's `--beats N`: beats run now, back to back in virtual time (each T_Λ after the last). Effects are coalesced. */
export async function burst(
  arbiter: ArbiterParts,
  worldline: string,
  count: number,
): Promise<{ decisions: BurstDecision[]; view: ArbiterView }> {
  const { store } = arbiter;
  const model = await arbiter.model();
  // From here to the write nothing is awaited, so no other call interleaves with these beats.
  let record = store.current(worldline);
  const decisions: BurstDecision[] = [];
  const effects: ArbiterEffect[] = [];
  const entries: JournalEntry[] = [];
  for (let i = 0; i < count; i++) {
    const beaten = beatRecord(record, model, burstBeatAt(record, Date.now()), store.settings.minIntervalMs);
    record = beaten.record;
    entries.push(...beaten.result.entries);
    const { result } = beaten;
    decisions.push({ beat: result.state.beat, action: result.action, threat: result.cores.E.threat_score });
    effects.push(...effectsOf(store, record, result));
  }
  store.write(
    record,
    entries,
    coalesceBurst(effects, { beat: record.state.beat, root: journalRoot(record), size: record.frontier.size }),
  );
  await arbiter.outbox.flush();
  await ensureRetryAlarm(store);
  return { decisions, view: arbiterView(store.record!) };
}

/** The alarm: one beat when enabled, the pending effects (this beat's and any an earlier failure left), the next alarm. */
export async function alarmBeat(arbiter: ArbiterParts): Promise<void> {
  const { store } = arbiter;
  if (!store.record) return;
  if (store.record.config.enabled) {
    const model = await arbiter.model();
    const record = store.record;
    if (record.config.enabled) {
      // still on after the await (a configure call may have turned it off meanwhile)
      const { record: next, result } = beatRecord(
        record,
        model,
        alarmBeatAt(record.lastBeatAt, Date.now()),
        store.settings.minIntervalMs,
      );
      store.write(next, result.entries, effectsOf(store, next, result));
    }
  }
  await arbiter.outbox.flush();
  await scheduleNext(store);
}

/** The next beat when enabled; otherwise a retry while effects are pending (a disabled arbiter still finishes what it decided). */
export async function scheduleNext(store: ArbiterStore): Promise<void> {
  const record = store.record;
  const at = nextArbiterAlarm({
    now: Date.now(),
    enabled: record?.config.enabled ?? false,
    delayMs: record ? beatDelayMs(record.state, store.settings.minIntervalMs, record.config.intervalMs) : 0,
    hasPendingEffects: () => store.hasPendingEffects(),
  });
  if (at === null) await store.alarm.deleteAlarm();
  else await store.alarm.setAlarm(at);
}

/** After a flush outside the alarm: effects left pending get an alarm to retry them, unless one is set already (the next beat's). */
async function ensureRetryAlarm(store: ArbiterStore): Promise<void> {
  if (store.hasPendingEffects() && (await store.alarm.getAlarm()) === null)
    await store.alarm.setAlarm(Date.now() + OUTBOX_RETRY_MS);
}

// What an arbiter keeps about itself between beats (the Arbiter Durable Object stores it as one
// record beside its journal and effects tables, src/stores/arbiter-store.ts): its configuration,
// its state (state.ts), the journal's Merkle frontier, the anomalies reported since the last beat,
// and what the last beat decided. Plain JSON data; each function here returns the next record and
// stores nothing.
import type { z } from "zod";
import type { ArbiterStatus, Decision as DecisionSchema } from "../../schemas/arbiter.js";
import { bytesToHex } from "../hash.js";
import { emptyRoot } from "../merkle.js";
import { beat, type BeatResult } from "./beat.js";
import type { EntropyModel } from "./entropy-model.js";
import {
  extendFrontier,
  hexFrontierRoot,
  type HexFrontier,
  type JournalEntry,
  type VerificationRecord,
} from "./journal.js";
import { createArbiterState, type ArbiterState, type ArbiterTunables } from "./state.js";
import { tLambda } from "./t-lambda.js";

export interface ArbiterConfig {
  worldline: string;
  enabled: boolean;
  intervalMs: number;
  subscribers: string[];
}

export type Decision = z.infer<typeof DecisionSchema>;
export type ArbiterView = z.infer<typeof ArbiterStatus>;

export interface ArbiterRecord {
  config: ArbiterConfig;
  state: ArbiterState;
  /** The journal's Merkle frontier (RFC 9162 shape over entry hashes, equal to the seed's root). */
  frontier: HexFrontier;
  pendingAnoms: number;
  lastBeatAt: number;
  lastDecision: Decision | null;
  pid: ArbiterView["pid"];
  /** The last operator verification of the journal, with where it stopped. */
  verification?: VerificationRecord;
}

/** A new arbiter, off, and its genesis entry (validating `tunables` first: state.ts createArbiterState). */
export function newArbiterRecord(input: {
  worldline: string;
  tunables: Partial<ArbiterTunables>;
  nowMs: number;
  intervalMs: number;
}): { record: ArbiterRecord; entries: JournalEntry[] } {
  const { worldline, nowMs } = input;
  const { state, entries } = createArbiterState({ nowMs, tunables: input.tunables, genesis: { worldLine: worldline } });
  return {
    record: {
      config: { worldline, enabled: false, intervalMs: input.intervalMs, subscribers: [] },
      state,
      frontier: extendFrontier({ size: 0, hashes: [] }, entries),
      pendingAnoms: 0,
      lastBeatAt: nowMs,
      lastDecision: null,
      pid: { error: 0, integral: 0, output: 0, deltaV: 0, stable: false },
    },
    entries,
  };
}

/**
 * One beat at `nowMs` over the anomalies reported since the last (beat.ts), with the latest
 * entropy model (version 0, the seed's default, is the genome's own). The record after it has the
 * beat's journal entries in its frontier; the caller appends `result.entries` to the journal.
 */
export function beatRecord(
  record: ArbiterRecord,
  model: EntropyModel,
  nowMs: number,
  minIntervalMs: number,
): { record: ArbiterRecord; result: BeatResult } {
  const result = beat(
    record.state,
    { anoms: record.pendingAnoms },
    { nowMs, model: model.version > 0 ? model : undefined, minIntervalSeconds: minIntervalMs / 1000 },
  );
  const { recalibration: r } = result;
  return {
    record: {
      ...record,
      state: result.state,
      frontier: extendFrontier(record.frontier, result.entries),
      pendingAnoms: 0,
      lastBeatAt: nowMs,
      lastDecision: {
        beat: result.state.beat,
        at: nowMs,
        action: result.action,
        threat: result.cores.E.threat_score,
        tLambda: result.pulse.tLambda,
        weights: result.state.genome.weights,
      },
      pid: {
        error: r.deltaT,
        integral: result.state.pid.integral,
        output: r.output,
        deltaV: r.deltaV,
        stable: r.isStable,
      },
    },
    result,
  };
}

/** The journal's Merkle root, from the frontier: O(log n), nothing rehashed. */
export function journalRoot(record: ArbiterRecord): string {
  return hexFrontierRoot(record.frontier);
}

/** The journal of an arbiter that never ran: nothing in it yet (its genesis is written with its first write). */
export const UNSTARTED_JOURNAL: Readonly<ArbiterView["journal"]> = Object.freeze({
  size: 0,
  root: bytesToHex(emptyRoot()),
});

/** GET /worldlines/:id/arbiter. */
export function arbiterView(record: ArbiterRecord): ArbiterView {
  return {
    worldline: record.config.worldline,
    enabled: record.config.enabled,
    intervalMs: record.config.intervalMs,
    beats: record.state.beat,
    tLambda: tLambda(record.state.tunables),
    tunables: record.state.tunables,
    genome: record.state.genome,
    pid: record.pid,
    lastDecision: record.lastDecision,
    journal: { size: record.frontier.size, root: journalRoot(record) },
    subscribers: record.config.subscribers,
  };
}

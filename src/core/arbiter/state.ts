// The arbiter's persisted state for one world line: plain JSON data (numbers, strings, null, nested
// objects), so a Durable Object can store it as one row in SQLite and `beat` can be replayed from it.
// The journal itself is not in here, only its head; entries are appended by the caller (journal.ts).
import type { JsonObject } from "../canonical-json.js";
import { DomainError } from "../problem.js";
import { createGenome, type Genome } from "./genome.js";
import { genesisEntry, headOf, type JournalEntry, type JournalHead } from "./journal.js";
import { createPidState, DEFAULT_T_THRESHOLD, type PidState } from "./pid.js";
import { DEFAULT_K, DEFAULT_P, isStablePulse } from "./t-lambda.js";

/** Per-world-line tunables: the seed's T_Λ parameters k and P (§3) and the PID's T_threshold (§4). */
export interface ArbiterTunables {
  k: number;
  p: number;
  tThreshold: number;
}

export const DEFAULT_TUNABLES: Readonly<ArbiterTunables> = Object.freeze({
  k: DEFAULT_K,
  p: DEFAULT_P,
  tThreshold: DEFAULT_T_THRESHOLD,
});

export interface ArbiterState {
  /** Beats executed so far (the seed's `beat_count`); the next beat is `beat + 1`. */
  beat: number;
  tunables: ArbiterTunables;
  genome: Genome;
  pid: PidState;
  journal: JournalHead;
}

/** Checks tunables in full before anything uses them (DESIGN "Errors": bad input never half-applies). */
export function validateTunables(tunables: ArbiterTunables): ArbiterTunables {
  const errors: { path: string; message: string }[] = [];
  for (const key of ["k", "p", "tThreshold"] as const) {
    const value = tunables[key];
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0)
      errors.push({ path: `/${key}`, message: `${key} must be a finite number > 0` });
  }
  if (!errors.length && !isStablePulse(tunables.k, tunables.p)) {
    errors.push({ path: "/k", message: "k·p must be greater than 1 (seed 001 §3 stability condition)" });
  }
  if (errors.length)
    throw new DomainError("invalid-tunables", { detail: "the arbiter tunables are not usable", errors });
  return { k: tunables.k, p: tunables.p, tThreshold: tunables.tThreshold };
}

export interface ArbiterGenesis {
  /** Milliseconds since the Unix epoch; the genesis entry records it in seconds. */
  nowMs: number;
  tunables?: Partial<ArbiterTunables>;
  /** Extra fields for the genesis entry's data, e.g. `{ worldLine: "wl_…" }`. */
  genesis?: JsonObject;
}

/** A fresh arbiter: seed genome, idle PID, and a journal holding only its genesis entry (to be persisted). */
export function createArbiterState({ nowMs, tunables = {}, genesis = {} }: ArbiterGenesis): {
  state: ArbiterState;
  entries: JournalEntry[];
} {
  const checked = validateTunables({ ...DEFAULT_TUNABLES, ...tunables });
  const entry = genesisEntry(nowMs / 1000, { ...genesis, tunables: { ...checked } });
  return {
    state: { beat: 0, tunables: checked, genome: createGenome(), pid: createPidState(), journal: headOf([entry]) },
    entries: [entry],
  };
}

/** New tunables for the next beats; the genome, PID memory and journal carry on. */
export function retune(state: ArbiterState, tunables: Partial<ArbiterTunables>): ArbiterState {
  return { ...state, tunables: validateTunables({ ...state.tunables, ...tunables }) };
}

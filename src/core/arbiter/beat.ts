// One arbiter beat for one world line (seed 001 §"Execution Flow — Single Beat Cycle"), as a pure
// function: state + features + the caller's clock (+ model) → new state, pulse, core results, decision,
// the journal entries to append and when to beat next. No clock, randomness or I/O inside, so a beat
// can be replayed and tested exactly; the Arbiter Durable Object persists the result (src/arbiter/beats.ts).
//
//   1. T_Λ pulse                        → journal `pulse`
//   2. R, B, E, O cores                  → journal `flow_result` ×4 (seed order R, B, E, O)
//   3. decision vector (weighted by the genome)
//   4–5. decide                          → journal `action` (details: the decision vector)
//   6. PID recalibrates O, then E hybrid feedback
//   7. normalise weights
//   8. "Sleep for T_Λ duration"          → next alarm after max(T_Λ, min interval)
import { DomainError } from "../problem.js";
import { timeWrap, type CoreResults, type WorldLineFeatures } from "./cores.js";
import { aggregateRecommendations, decide, type Action, type DecisionVector } from "./decision.js";
import { modelFromGenome, type EntropyModel } from "./entropy-model.js";
import { applyDeltaO, CORE_NAMES, hybridEWeight, normaliseWeights, type GenomeWeights } from "./genome.js";
import { actionRecord, appendEntries, flowResultRecord, pulseRecord, type JournalEntry } from "./journal.js";
import { genomicPid, type PidStep } from "./pid.js";
import type { ArbiterState } from "./state.js";
import { generatePulse, type Pulse } from "./t-lambda.js";

/**
 * Not from the seed: its loop sleeps T_Λ (≈ 4 ms), far below what is sensible for a Durable Object
 * alarm. The caller may choose another floor; the next alarm is max(T_Λ, minIntervalSeconds).
 */
export const DEFAULT_MIN_INTERVAL_SECONDS = 1;

export interface BeatOptions {
  /** The caller's clock, milliseconds since the Unix epoch (e.g. the alarm's scheduled time). */
  nowMs: number;
  /** A trained entropy model; without one, the genome's `ml.ml_weight` with b = 0 (seed §5 defaults). */
  model?: EntropyModel;
  minIntervalSeconds?: number;
}

/** What the PID step did to the weights, for the caller's metrics and the dashboard. */
export interface Recalibration extends Omit<PidStep, "state"> {
  weightsBefore: GenomeWeights;
  weightsAfter: GenomeWeights;
}

export interface BeatResult {
  state: ArbiterState;
  pulse: Pulse;
  cores: CoreResults;
  decvec: DecisionVector;
  action: Action;
  recalibration: Recalibration;
  /** Six entries continuing `state.journal` of the input: pulse, R, B, E, O, action. Persist them with the new state. */
  entries: JournalEntry[];
  /** max(T_Λ, minIntervalSeconds). */
  delaySeconds: number;
  nextAlarmAtMs: number;
}

export function beat(state: ArbiterState, features: WorldLineFeatures, options: BeatOptions): BeatResult {
  const { nowMs, minIntervalSeconds = DEFAULT_MIN_INTERVAL_SECONDS } = options;
  validateBeat(features, nowMs, minIntervalSeconds);
  const model = options.model ?? modelFromGenome(state.genome);
  const { k, p, tThreshold } = state.tunables;
  const sequence = state.beat + 1;
  const now = nowMs / 1000; // the seed's journal and PID work in seconds

  // 1. Pulse.
  const pulse = generatePulse({ k, p }, sequence, now);

  // 2–4. Cores on the genome as it stood at the start of the beat, then the decision.
  const cores = timeWrap(state.genome, { anoms: features.anoms }, { tLambda: pulse.tLambda, tThreshold, model });
  const decvec = aggregateRecommendations(cores, state.genome.weights);
  const action = decide(decvec);

  const journal = appendEntries(
    state.journal,
    [
      pulseRecord(pulse),
      ...CORE_NAMES.map((name) => flowResultRecord(name, cores[name])),
      actionRecord(action, decvec),
    ],
    now,
  );

  // 6. Recalibrate O with the genomic PID, gains from the Balance core (seed §4 "Parameters (from BalanceCore)").
  const { state: pid, ...step } = genomicPid(state.pid, pulse.tLambda, now, cores.B, tThreshold);
  const weightsBefore = state.genome.weights;
  const o = applyDeltaO(weightsBefore.O, step.deltaO);
  // The seed's hybrid feedback uses an unnamed time t in exp(−t/50); we take the beat number, so the
  // decay is per beat and independent of how often the alarm fires. Threat is the raw Entropy score.
  const e = hybridEWeight({ threat: cores.E.threat_score, t: sequence, o });

  // 7. Normalise.
  const weightsAfter = normaliseWeights({ ...weightsBefore, O: o, E: e });

  // 8. Next beat.
  const delaySeconds = Math.max(pulse.tLambda, minIntervalSeconds);

  return {
    state: {
      beat: sequence,
      tunables: { ...state.tunables },
      genome: { weights: weightsAfter, risk: { ...state.genome.risk }, ml: { ...state.genome.ml } },
      pid,
      journal: journal.head,
    },
    pulse,
    cores,
    decvec,
    action,
    recalibration: { ...step, weightsBefore: { ...weightsBefore }, weightsAfter: { ...weightsAfter } },
    entries: journal.entries,
    delaySeconds,
    nextAlarmAtMs: nowMs + delaySeconds * 1000,
  };
}

function validateBeat(features: WorldLineFeatures, nowMs: number, minIntervalSeconds: number): void {
  const errors: { path: string; message: string }[] = [];
  if (!(typeof features?.anoms === "number" && Number.isFinite(features.anoms) && features.anoms >= 0)) {
    errors.push({ path: "/anoms", message: "anoms must be a finite number ≥ 0" });
  }
  if (!Number.isFinite(nowMs))
    errors.push({ path: "/nowMs", message: "nowMs must be a finite number of milliseconds" });
  if (!(Number.isFinite(minIntervalSeconds) && minIntervalSeconds >= 0)) {
    errors.push({ path: "/minIntervalSeconds", message: "minIntervalSeconds must be a finite number ≥ 0" });
  }
  if (errors.length) throw new DomainError("invalid-features", { detail: "the beat's input is not usable", errors });
}

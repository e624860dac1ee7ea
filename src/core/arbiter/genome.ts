// The arbiter's genome: core weights, injected risk and the ML weight (seed 001 §8 "Genome
// Evolution" and §7 "Injection"). Field names are the seed's (`weights.R/B/E/O`, `risk.anoms`,
// `ml.ml_weight`) because the genome is recorded in the journal and read by people who know the seed.
// Every function returns a new genome; nothing is mutated, so a persisted state is never half-updated.
import { DomainError } from "../problem.js";

export type CoreName = "R" | "B" | "E" | "O";
/** Seed order of the cores: Regen, Balance, Entropy, Optimize. */
export const CORE_NAMES: readonly CoreName[] = ["R", "B", "E", "O"];

export type GenomeWeights = Record<CoreName, number>;

export interface Genome {
  weights: GenomeWeights;
  risk: { anoms: number };
  ml: { ml_weight: number };
}

/** Seed §8 "Initial Weights". They already sum to 1. */
export const INITIAL_WEIGHTS: Readonly<GenomeWeights> = Object.freeze({ R: 0.25, B: 0.25, E: 0.15, O: 0.35 });
/** Seed §5 "ML Weight: 0.12 (default, updatable)". */
export const DEFAULT_ML_WEIGHT = 0.12;

/** Seed §8 "O ∈ [0.1, 0.9]". */
export const O_WEIGHT_MIN = 0.1;
export const O_WEIGHT_MAX = 0.9;
/** Seed §8 E hybrid feedback: bounds, gain, time constant, O reference and the low-threat default. */
export const E_WEIGHT_MIN = 0.05;
export const E_WEIGHT_MAX = 0.3;
export const E_FEEDBACK_GAIN = 0.15;
export const E_FEEDBACK_TAU = 50;
export const E_FEEDBACK_O_REF = 0.3;
export const E_FEEDBACK_THREAT = 0.5;
export const E_WEIGHT_CALM = 0.1;

export function createGenome(): Genome {
  return { weights: { ...INITIAL_WEIGHTS }, risk: { anoms: 0 }, ml: { ml_weight: DEFAULT_ML_WEIGHT } };
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/**
 * Seed §8 "Normalization": divide every weight by their total so they sum to 1.
 * The seed guards against a zero total by leaving the weights alone; we do the same, since the
 * O and E clamps keep the total ≥ 0.15 whenever the weights came from this module.
 */
export function normaliseWeights(weights: GenomeWeights): GenomeWeights {
  const total = weights.R + weights.B + weights.E + weights.O;
  if (!(total > 0) || !Number.isFinite(total)) return { ...weights };
  return { R: weights.R / total, B: weights.B / total, E: weights.E / total, O: weights.O / total };
}

/** Seed §8 "O = O + ΔO (from PID), O ∈ [0.1, 0.9]". ΔO is already limited to ±0.05 by the PID (§4). */
export function applyDeltaO(o: number, deltaO: number): number {
  return clamp(o + deltaO, O_WEIGHT_MIN, O_WEIGHT_MAX);
}

export interface EFeedbackInput {
  /** The Entropy core's threat score, unweighted. */
  threat: number;
  /** Time in the decay exp(−t/50); the arbiter passes the beat number (see beat.ts). */
  t: number;
  /** The O weight after this beat's PID adjustment, before normalisation (seed §"Single Beat Cycle" 6 → 7). */
  o: number;
}

/**
 * Seed §8 "E Weight Hybrid Feedback":
 *   threat > 0.5 → E = 0.15 · threat · exp(−t/50) · (1 − O/0.3), else E = 0.10; then E ∈ [0.05, 0.30].
 * When O > 0.3 the factor (1 − O/0.3) is negative, so E lands on its 0.05 floor: a genome that leans on
 * optimisation gives up entropy weight. The clamp, not a special case, produces that.
 */
export function hybridEWeight({ threat, t, o }: EFeedbackInput): number {
  const e =
    threat > E_FEEDBACK_THREAT
      ? E_FEEDBACK_GAIN * threat * Math.exp(-t / E_FEEDBACK_TAU) * (1 - o / E_FEEDBACK_O_REF)
      : E_WEIGHT_CALM;
  return clamp(e, E_WEIGHT_MIN, E_WEIGHT_MAX);
}

export interface Injection {
  anoms?: number;
  ml_weight?: number;
}

/**
 * Seed §7 `inject_data(genome, anoms=N, ml_weight=W)`: "directly updates genome["risk"]["anoms"]
 * and genome["ml"]["ml_weight"]". Omitted fields keep their value.
 */
export function injectData(genome: Genome, injection: Injection): Genome {
  const errors: { path: string; message: string }[] = [];
  if (injection.anoms !== undefined && !(Number.isFinite(injection.anoms) && injection.anoms >= 0)) {
    errors.push({ path: "/anoms", message: "anoms must be a finite number ≥ 0" });
  }
  if (injection.ml_weight !== undefined && !Number.isFinite(injection.ml_weight)) {
    errors.push({ path: "/ml_weight", message: "ml_weight must be a finite number" });
  }
  if (errors.length) throw new DomainError("invalid-injection", { detail: "inject_data rejected its input", errors });
  return {
    weights: { ...genome.weights },
    risk: { anoms: injection.anoms ?? genome.risk.anoms },
    ml: { ml_weight: injection.ml_weight ?? genome.ml.ml_weight },
  };
}

// The four cores R, B, E, O (seed 001 §2 "Four Parallel Cores"). Each is a pure function of the genome,
// the world line's features and the beat's context. The seed runs them on a 4-worker thread pool
// (`time_wrap`); here they share no state, so running them one after another gives the same results and
// keeps the beat deterministic.
//
// Output field names are the seed's (`urgency`, `cost`, `conserve`, `threat_score`, `explanation`,
// `version`, `expected_gain`) because they are written to the journal as the cores' results.
import type { Genome } from "./genome.js";
import { inferThreat, type EntropyModel } from "./entropy-model.js";
import { DEFAULT_KD, DEFAULT_KI, DEFAULT_KP } from "./pid.js";

/** What a world line reports to its arbiter each beat. */
export interface WorldLineFeatures {
  /** Anomalies observed since the previous beat (telemetry). A finite number ≥ 0. */
  anoms: number;
}

export interface CoreContext {
  tLambda: number;
  tThreshold: number;
  model: EntropyModel;
}

export interface RegenResult {
  urgency: number;
  cost: number;
}

export interface BalanceResult {
  conserve: number;
  kp: number;
  ki: number;
  kd: number;
}

export interface EntropyResult {
  threat_score: number;
  explanation: string;
  version: number;
}

export interface OptimizeResult {
  expected_gain: number;
}

export interface CoreResults {
  R: RegenResult;
  B: BalanceResult;
  E: EntropyResult;
  O: OptimizeResult;
}

/** Seed §2 RegenCore "urgency = min(0.9, anoms / 100.0)". */
export const REGEN_URGENCY_CAP = 0.9;
export const REGEN_ANOMS_SCALE = 100;
/** Not in the seed (it names `cost` without a formula): half the urgency, as the seed's reference Python does. */
export const REGEN_COST_PER_URGENCY = 0.5;
/** Seed §2 OptimizeCore "expected_gain = min(0.5, o_weight * 0.12)". */
export const OPTIMIZE_GAIN_CAP = 0.5;
export const OPTIMIZE_GAIN_PER_O = 0.12;

/**
 * Seed §5 "Input: total_anoms — anomalies from features + genome["risk"]["anoms"]". The seed states this
 * for the Entropy core; Regen's "anoms" is read the same way, so injected risk raises repair urgency too.
 */
export function totalAnoms(genome: Genome, features: WorldLineFeatures): number {
  return features.anoms + genome.risk.anoms;
}

/** R — Regeneration: repair urgency grows with anomalies, capped at 0.9 (seed §2). */
export function regenCore(genome: Genome, features: WorldLineFeatures): RegenResult {
  const urgency = Math.min(REGEN_URGENCY_CAP, totalAnoms(genome, features) / REGEN_ANOMS_SCALE);
  return { urgency, cost: urgency * REGEN_COST_PER_URGENCY };
}

/**
 * B — Balance: a conservation score and the PID gains (seed §2: Kp=0.6, Ki=0.1, Kd=0.05).
 * The seed leaves `conserve` without a formula. We use 0.3 + 0.2·(1 − |T_Λ − T_threshold|), clamped to
 * [0, 1] — the reference implementation's score: highest when the pulse sits on its threshold. With
 * defaults it is ≈ 0.4968.
 */
export function balanceCore(_genome: Genome, _features: WorldLineFeatures, context: CoreContext): BalanceResult {
  const distance = Math.abs(context.tLambda - context.tThreshold);
  const conserve = Math.min(1, Math.max(0, 0.3 + (1 - distance) * 0.2));
  return { conserve, kp: DEFAULT_KP, ki: DEFAULT_KI, kd: DEFAULT_KD };
}

/** E — Entropy: threat from the entropy model over the total anomalies (seed §2, §5). */
export function entropyCore(genome: Genome, features: WorldLineFeatures, context: CoreContext): EntropyResult {
  const anoms = totalAnoms(genome, features);
  return {
    threat_score: inferThreat(context.model, anoms),
    explanation: `threat inferred from ${anoms} anomalies`,
    version: context.model.version,
  };
}

/** O — Optimize: expected gain from the current O weight (seed §2). */
export function optimizeCore(genome: Genome): OptimizeResult {
  return { expected_gain: Math.min(OPTIMIZE_GAIN_CAP, genome.weights.O * OPTIMIZE_GAIN_PER_O) };
}

/** Seed §1 `time_wrap(features)`: run R, B, E, O on the same genome and features. */
export function timeWrap(genome: Genome, features: WorldLineFeatures, context: CoreContext): CoreResults {
  return {
    R: regenCore(genome, features),
    B: balanceCore(genome, features, context),
    E: entropyCore(genome, features, context),
    O: optimizeCore(genome),
  };
}

// Aggregation and decision (seed 001 §1 "aggregate_recommendations", "decide", "Decision Thresholds").
//
//   QUARANTINE:     threat >= 0.85
//   ALERT:          threat >= 0.60
//   APPLY_BALANCE:  stability > 0.25 AND repair_score < 0.1
//   APPLY_OPTIMIZE: opt_gain > 0.1
//   NOOP:           default
//
// Checked in that order; the first match wins.
import type { CoreResults } from "./cores.js";
import type { GenomeWeights } from "./genome.js";

export const ACTIONS = ["QUARANTINE", "ALERT", "APPLY_BALANCE", "APPLY_OPTIMIZE", "NOOP"] as const;
export type Action = (typeof ACTIONS)[number];

export const THREAT_QUARANTINE = 0.85;
export const THREAT_ALERT = 0.6;
export const STABILITY_THRESHOLD = 0.25;
export const REPAIR_THRESHOLD = 0.1;
export const OPT_GAIN_THRESHOLD = 0.1;

/** The seed's `decvec`. Field names are the seed's threshold names. */
export interface DecisionVector {
  /** The Entropy core's threat_score, unweighted (see `aggregateRecommendations`). */
  threat: number;
  /** Balance `conserve` × weight B. */
  stability: number;
  /** Regen `urgency` × weight R. */
  repair_score: number;
  /** Optimize `expected_gain` × weight O. */
  opt_gain: number;
}

/**
 * Seed §"Single Beat Cycle" 3: "Weight results by genome weights — create decision vector".
 *
 * Threat is the exception: it is taken unweighted. Weighted by E (0.05–0.30) it could never reach the
 * 0.60 / 0.85 thresholds, and the seed's own figure "5 anoms → 0.6457 threat" is an ALERT only if the raw
 * score is compared. The other three are weighted, as the seed says. Seed arithmetic worth knowing:
 *  - APPLY_BALANCE cannot happen inside a beat: it needs conserve·B > 0.25 with conserve ≤ 0.5, i.e.
 *    B > 0.5, but R and B start equal and only ever scale together, so after normalisation
 *    B = B/(2B + E + O) < 1/2.
 *  - APPLY_OPTIMIZE needs 0.12·O² > 0.1, i.e. normalised O > 0.913. O is capped at 0.9 before
 *    normalisation, so this only happens once a long calm stretch has starved R and B towards 0 and a
 *    mild threat (0.5 < threat < 0.6) then drops E to its 0.05 floor: O becomes 0.9/0.95 ≈ 0.947.
 * `decide` implements every threshold regardless, for any decision vector.
 */
export function aggregateRecommendations(cores: CoreResults, weights: GenomeWeights): DecisionVector {
  return {
    threat: cores.E.threat_score,
    stability: cores.B.conserve * weights.B,
    repair_score: cores.R.urgency * weights.R,
    opt_gain: cores.O.expected_gain * weights.O,
  };
}

/** Seed §1 `decide(decvec)`. */
export function decide(decvec: DecisionVector): Action {
  if (decvec.threat >= THREAT_QUARANTINE) return "QUARANTINE";
  if (decvec.threat >= THREAT_ALERT) return "ALERT";
  if (decvec.stability > STABILITY_THRESHOLD && decvec.repair_score < REPAIR_THRESHOLD) return "APPLY_BALANCE";
  if (decvec.opt_gain > OPT_GAIN_THRESHOLD) return "APPLY_OPTIMIZE";
  return "NOOP";
}

export function isAlarming(action: Action): boolean {
  return action === "QUARANTINE" || action === "ALERT";
}

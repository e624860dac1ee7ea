// The T_Λ pulse: the arbiter's heartbeat period (seed 001 §3 "T_Λ Pulse - Time Compression").
//
//   T_Λ(k, P, U) = (T1 · ln U) / (1 − 1/(kP))   for kP > 1,   floored at 1e-6 s
//
// With the seed's defaults (k = 4, P = 5, T1 = 0.001 s, U = e⁴) this is 0.004 / 0.95 ≈ 0.004211 s.
import { DomainError } from "../problem.js";

/** Seed §3 parameters. `k` = parallel flows, `p` = nodes (the seed's P), `t1` = base time in seconds, `u` = U. */
export const T1 = 0.001;
export const U = Math.exp(4); // seed §3: "U = exp(4) ≈ 54.6, ln(U) ≈ 4"; Math.log(Math.exp(4)) is exactly 4 in IEEE doubles
export const DEFAULT_K = 4;
export const DEFAULT_P = 5;
/** Seed §3 "Minimum Bound: max(T_Λ, 1e-6) for numerical stability". */
export const T_LAMBDA_FLOOR = 1e-6;

export interface TLambdaParams {
  k: number;
  p: number;
  t1?: number;
  u?: number;
}

/** One generated pulse, as recorded in the journal (seed §6 `record_pulse(pulse_data)`; §Testing "Sequence tracking"). */
export interface Pulse {
  /** 1-based beat number of the world line's arbiter. */
  sequence: number;
  /** Seconds since the Unix epoch, the seed's float timestamps (§6 `timestamp: float`). */
  timestamp: number;
  /** T_Λ in seconds. */
  tLambda: number;
  k: number;
  p: number;
  kp: number;
}

/** Seed §3 "Stability Condition: kP > 1 (ensures denominator > 0)". */
export function isStablePulse(k: number, p: number): boolean {
  return Number.isFinite(k) && Number.isFinite(p) && k > 0 && p > 0 && k * p > 1;
}

/** T_Λ in seconds. Throws `unstable-pulse` when kP ≤ 1, where the formula's denominator is ≤ 0. */
export function tLambda({ k, p, t1 = T1, u = U }: TLambdaParams): number {
  if (!isStablePulse(k, p)) {
    throw new DomainError("unstable-pulse", {
      detail: `T_Λ needs k > 0, p > 0 and k·p > 1 (seed 001 §3); got k=${k}, p=${p}`,
      errors: [{ path: "/k", message: "k·p must be greater than 1" }],
    });
  }
  if (!(t1 > 0) || !(u > 1) || !Number.isFinite(t1) || !Number.isFinite(u)) {
    throw new DomainError("unstable-pulse", {
      detail: `T_Λ needs T1 > 0 and U > 1 so that T1·ln U is a positive period; got T1=${t1}, U=${u}`,
    });
  }
  const value = (t1 * Math.log(u)) / (1 - 1 / (k * p));
  return Math.max(value, T_LAMBDA_FLOOR);
}

/** The pulse of beat `sequence` at `timestamp` (seconds). Pure: the caller supplies the clock. */
export function generatePulse(params: TLambdaParams, sequence: number, timestamp: number): Pulse {
  return { sequence, timestamp, tLambda: tLambda(params), k: params.k, p: params.p, kp: params.k * params.p };
}

// The genomic PID controller (seed 001 §4): keeps the organism Lyapunov-stable (ΔV < 0) by steering
// the O weight against the T_Λ error.
//
//   ΔT     = T_Λ − T_threshold                       (T_threshold = 0.02)
//   output = Kp·ΔT + Ki·∫ΔT dt + Kd·dΔT/dt           (Kp, Ki, Kd from BalanceCore: 0.6, 0.1, 0.05)
//   ∫      ∈ [−1, 1]                                  (anti-windup)
//   |ΔT| < 1e-4 → ∫ = 0                               (ε-reset)
//   ΔO     = −output, ΔO ∈ [−0.05, 0.05]              (negative feedback, limited per beat)
//
// The controller's memory is plain data (`PidState`) so a Durable Object can persist it between
// alarms; time is the caller's (seconds), never read from a clock here.

/** Seed §4 "T_threshold = 0.02". */
export const DEFAULT_T_THRESHOLD = 0.02;
/** Seed §2 BalanceCore / §4 "Parameters (from BalanceCore)". */
export const DEFAULT_KP = 0.6;
export const DEFAULT_KI = 0.1;
export const DEFAULT_KD = 0.05;
/** Seed §4 "Anti-Windup: integral ∈ [-1.0, 1.0]". */
export const INTEGRAL_LIMIT = 1;
/** Seed §4 "ε-Reset: if |ΔT| < 1e-4: integral = 0". */
export const EPSILON_RESET = 1e-4;
/** Seed §4 "ΔO ∈ [-0.05, 0.05] # Limited per beat". */
export const MAX_DELTA_O = 0.05;

export interface PidGains {
  kp: number;
  ki: number;
  kd: number;
}

export interface PidState {
  /** ∫ΔT dt, kept within ±INTEGRAL_LIMIT. */
  integral: number;
  /** ΔT of the previous step; 0 before the first step. */
  previousError: number;
  /** Seconds timestamp of the previous step; null before the first step. */
  previousTime: number | null;
}

export interface PidStep {
  state: PidState;
  /** ΔT = T_Λ − T_threshold. */
  deltaT: number;
  /** ΔV = ΔT − previous ΔT (see `genomicPid` for why). */
  deltaV: number;
  /** ΔV < 0, the seed's stability criterion. */
  isStable: boolean;
  pTerm: number;
  iTerm: number;
  dTerm: number;
  output: number;
  /** −output clamped to ±MAX_DELTA_O: the adjustment to add to the O weight. */
  deltaO: number;
}

export function createPidState(): PidState {
  return { integral: 0, previousError: 0, previousTime: null };
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/**
 * One controller step at `timestamp` (seconds) for the current T_Λ.
 *
 * dt is the time since the previous step. On the first step (or if the clock did not advance) there is
 * no interval to integrate or differentiate over, so the I and D terms use the stored integral and a zero
 * derivative; the step is still recorded so the next one has a reference.
 *
 * ΔV: the seed reports "ΔT=-0.015789, ΔV=-0.015789 (ΔV < 0 ✓)" for the first beat with defaults but gives
 * no formula. ΔV = ΔT − ΔT_previous with ΔT_previous = 0 before the first step is the reading that yields
 * that figure and means "the error moved down". With a constant T_Λ it is 0 from the second step on
 * (the error neither grows nor shrinks), which `isStable` reports as false, faithfully to "ΔV < 0".
 *
 * Order: accumulate with anti-windup, then apply the ε-reset, so a step whose error is inside ε always
 * leaves the integral at exactly 0 (seed §4: "PID convergence: guaranteed by ε-reset").
 */
export function genomicPid(
  state: PidState,
  tLambdaSeconds: number,
  timestamp: number,
  gains: PidGains = { kp: DEFAULT_KP, ki: DEFAULT_KI, kd: DEFAULT_KD },
  tThreshold: number = DEFAULT_T_THRESHOLD,
): PidStep {
  const deltaT = tLambdaSeconds - tThreshold;
  const dt = state.previousTime === null ? 0 : timestamp - state.previousTime;
  const hasInterval = dt > 0 && Number.isFinite(dt);

  let integral = state.integral;
  if (hasInterval) integral = clamp(integral + deltaT * dt, -INTEGRAL_LIMIT, INTEGRAL_LIMIT);
  if (Math.abs(deltaT) < EPSILON_RESET) integral = 0;

  const derivative = hasInterval ? (deltaT - state.previousError) / dt : 0;
  const pTerm = gains.kp * deltaT;
  const iTerm = gains.ki * integral;
  const dTerm = gains.kd * derivative;
  const output = pTerm + iTerm + dTerm;
  // `0 - output` rather than `-output`: never −0, which JSON would silently turn into 0 on persistence.
  const deltaO = clamp(0 - output, -MAX_DELTA_O, MAX_DELTA_O);
  const deltaV = deltaT - state.previousError;

  return {
    state: { integral, previousError: deltaT, previousTime: timestamp },
    deltaT,
    deltaV,
    isStable: deltaV < 0,
    pTerm,
    iTerm,
    dTerm,
    output,
    deltaO,
  };
}

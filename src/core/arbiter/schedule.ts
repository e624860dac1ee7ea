// When an arbiter beats (seed 001 "Sleep for T_Λ duration", on one Durable Object alarm). The seed
// sleeps T_Λ (≈ 4 ms) between beats; an alarm waits at least the deployment's floor
// (DM_ARBITER_MIN_INTERVAL_MS) and the world line's own interval. A burst (`--beats N`) runs in
// virtual time instead: each beat T_Λ after the last, never before now.
import { OUTBOX_RETRY_MS } from "./outbox.js";
import type { ArbiterState } from "./state.js";
import { tLambda } from "./t-lambda.js";

/** The wait between two alarm beats: max(T_Λ, the deployment's floor, the world line's interval), in ms. */
export function beatDelayMs(state: Pick<ArbiterState, "tunables">, minIntervalMs: number, intervalMs: number): number {
  return Math.max(tLambda(state.tunables) * 1000, minIntervalMs, intervalMs);
}

/**
 * When the alarm should ring next (null: not at all). An enabled arbiter beats again after its
 * delay; a disabled one still finishes what it decided, retrying its pending effects every
 * OUTBOX_RETRY_MS; `hasPendingEffects` is asked only then.
 */
export function nextArbiterAlarm(input: {
  now: number;
  enabled: boolean;
  delayMs: number;
  hasPendingEffects: () => boolean;
}): number | null {
  if (input.enabled) return input.now + input.delayMs;
  return input.hasPendingEffects() ? input.now + OUTBOX_RETRY_MS : null;
}

/** An alarm beat's time: now, and always after the last beat, so the PID's dt (pid.ts) is never zero or negative. */
export function alarmBeatAt(lastBeatAt: number, now: number): number {
  return Math.max(now, lastBeatAt + 1);
}

/** A burst beat's time, in virtual time: T_Λ after the last beat (right away before the first), never before now. */
export function burstBeatAt(
  record: { lastBeatAt: number; state: Pick<ArbiterState, "beat" | "tunables"> },
  now: number,
): number {
  return Math.max(now, record.lastBeatAt + Math.ceil(record.state.beat ? tLambda(record.state.tunables) * 1000 : 0));
}

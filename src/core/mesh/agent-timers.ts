// The timers of a hosted agent (mesh spec §16 "Background timers", §14.1 health loop). The
// reference runs interval loops; a Durable Object sleeps until its one alarm, so the agent
// computes the earliest moment one of its timers has work: the oldest inbox message turning one
// hour old, the auto-reactivation, the first pending request expiring, and — while it has
// connections — the next health check.
import { HEALTH_CHECK_INTERVAL_SECONDS, STALE_CONNECTION_AGE_SECONDS } from "./limits.js";

/** An alarm is never armed closer than this: a wake-up due now runs on the next second. */
export const MIN_ALARM_DELAY_MS = 1000;

export interface AgentTimers {
  now: number;
  /** When the oldest inbox message expires (src/core/mesh/inbox.ts nextInboxExpiry). */
  inboxExpiry: number | undefined;
  /** §16 auto-reactivation time, null while active. */
  inactiveUntil: number | null;
  /** Expiry of each pending connection request (PENDING_REQUEST_TTL_SECONDS after it came). */
  pendingExpiries: readonly number[];
  /** §14.1: the health loop runs only for an agent that has connections. */
  hasConnections: boolean;
}

/** When the agent's alarm should fire next, or undefined when no timer has work. */
export function nextAgentWake(timers: AgentTimers): number | undefined {
  const nextPendingExpiry = Math.min(...timers.pendingExpiries);
  const wakes = [
    timers.inboxExpiry,
    timers.inactiveUntil ?? undefined,
    Number.isFinite(nextPendingExpiry) ? nextPendingExpiry : undefined,
    timers.hasConnections ? timers.now + HEALTH_CHECK_INTERVAL_SECONDS * 1000 : undefined,
  ].filter((t): t is number => t !== undefined);
  if (wakes.length === 0) return undefined;
  return Math.max(timers.now + MIN_ALARM_DELAY_MS, Math.min(...wakes));
}

/** §14.1: a connection gets a status ping when it has no activity yet or none for 300 s. */
export function isIdleConnection(connection: { last_activity: number | null }, now: number): boolean {
  return connection.last_activity === null || now - connection.last_activity > STALE_CONNECTION_AGE_SECONDS * 1000;
}

/**
 * §14.1: a connection's health counters after a status ping. HTTP 200 resets the failure
 * counter, anything else adds one; connections are never removed. The reference only resets
 * the counter on success; recording the activity too keeps a healthy idle peer from being
 * pinged on every alarm.
 */
export function healthAfterPing(
  connection: { health_failures: number; last_activity: number | null },
  isHealthy: boolean,
  now: number,
): { health_failures: number; last_activity: number | null } {
  return isHealthy
    ? { health_failures: 0, last_activity: now }
    : { health_failures: connection.health_failures + 1, last_activity: connection.last_activity };
}

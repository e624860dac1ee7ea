// Resonance (seed 003, "HALO Loop → Memory DNA → Resonance Engine"), kept practical: how each
// agent's attempts at each kind of task ended, and the member choice dispatch makes from it.
import type { ResonanceEntry } from "../schemas/halo.js";

/** What dispatch ranks by: the counts of a `ResonanceEntry`. */
export type ResonanceRecord = Pick<ResonanceEntry, "agent" | "kind" | "successes" | "failures">;

/**
 * Laplace-smoothed success rate (s + 1) / (s + f + 2): an untried agent starts at ½, so one lucky
 * success does not beat a long good record, and a newcomer is tried before a member that keeps failing.
 */
export function successRate(record: Pick<ResonanceRecord, "successes" | "failures"> | undefined): number {
  const successes = record?.successes ?? 0;
  const failures = record?.failures ?? 0;
  return (successes + 1) / (successes + failures + 2);
}

export interface MemberChoice {
  /** Agents that already failed this task: chosen only when nobody else is left. */
  avoid?: ReadonlySet<string>;
  /** Attempts each agent has running now: the less busy wins a tie. */
  load?: ReadonlyMap<string, number>;
}

/**
 * The member to send a task to: the best success rate for the task's kind, then the least busy,
 * then the least tried (so ties explore), then the squad's own order. Null when there is nobody.
 */
export function chooseMember(
  candidates: readonly string[],
  records: ReadonlyMap<string, ResonanceRecord>,
  choice: MemberChoice = {},
): string | null {
  const unique = [...new Set(candidates)];
  const fresh = unique.filter((agent) => !choice.avoid?.has(agent));
  const pool = fresh.length ? fresh : unique;
  if (pool.length === 0) return null;
  const tried = (agent: string) => (records.get(agent)?.successes ?? 0) + (records.get(agent)?.failures ?? 0);
  const ranked = pool
    .map((agent, order) => ({
      agent,
      order,
      rate: successRate(records.get(agent)),
      load: choice.load?.get(agent) ?? 0,
      tried: tried(agent),
    }))
    .sort((a, b) => b.rate - a.rate || a.load - b.load || a.tried - b.tried || a.order - b.order);
  return ranked[0]!.agent;
}

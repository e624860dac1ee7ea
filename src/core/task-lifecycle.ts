// A squad task's lifecycle (seed 003, Squad Builder): the allowed transitions as one table, and
// the retry rule for failed attempts. Pure: the task store applies a transition as a
// compare-and-set on the status it read, so a transition this table allows can still lose a race.
import { DomainError } from "./problem.js";

export const TASK_STATUSES = [
  "pending-approval",
  "approved",
  "dispatched",
  "completed",
  "failed",
  "rejected",
  "cancelled",
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/**
 * Who may move a task where. `dispatched → approved` is the dispatcher putting a failed attempt
 * back in line for its retry (the approval stands); `approved → failed` is a retry that found no
 * member to send to with no attempts left; `approved → completed` is a member answering an
 * earlier attempt after it timed out, while the retry waits (the work is done: it counts).
 * Everything else needs the operator or a member's answer.
 */
export const TASK_TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  "pending-approval": ["approved", "rejected", "cancelled"],
  approved: ["dispatched", "completed", "failed", "cancelled"],
  dispatched: ["completed", "failed", "approved", "cancelled"],
  completed: [],
  failed: [],
  rejected: [],
  cancelled: [],
};

/** A task in one of these still has work ahead; HALO opens no second task for its fingerprint. */
export const OPEN_TASK_STATUSES: readonly TaskStatus[] = ["pending-approval", "approved", "dispatched"];

export const isOpenTask = (status: TaskStatus) => OPEN_TASK_STATUSES.includes(status);
export const canTransition = (from: TaskStatus, to: TaskStatus) => TASK_TRANSITIONS[from].includes(to);

/** Statuses a task may be in for `to` to be reached from it. */
export const sourcesOf = (to: TaskStatus): TaskStatus[] => TASK_STATUSES.filter((from) => canTransition(from, to));

/** The 409 for a transition the table does not allow (or one lost to a concurrent change). */
export function illegalTransition(taskId: string, from: TaskStatus, to: TaskStatus): DomainError {
  const allowed = sourcesOf(to);
  return new DomainError("illegal-transition", {
    detail: `task ${taskId} is ${from}; it can become ${to} only from ${allowed.map((s) => `"${s}"`).join(" or ") || "nowhere"}`,
    status_now: from,
    wanted: to,
  });
}

export function checkTransition(taskId: string, from: TaskStatus, to: TaskStatus): void {
  if (!canTransition(from, to)) throw illegalTransition(taskId, from, to);
}

export const DEFAULT_TASK_TIMEOUT_SECONDS = 300;
export const DEFAULT_TASK_MAX_ATTEMPTS = 3;
export const DEFAULT_TASK_RETRY_BASE_SECONDS = 30;
export const MAX_TASK_RETRY_DELAY_MS = 60 * 60_000;

/** Backoff before retrying after failed attempt `attempt` (1-based): base · 2^(attempt−1), capped at an hour. */
export function taskRetryDelayMs(attempt: number, baseMs: number): number {
  const exponent = Math.max(0, Math.min(attempt, 30) - 1);
  return Math.min(MAX_TASK_RETRY_DELAY_MS, Math.round(baseMs * 2 ** exponent));
}

export type AfterFailure = { kind: "retry"; at: number } | { kind: "fail" };

/** What follows failed attempt number `attempts`: a retry after the backoff, or the end. */
export function afterFailedAttempt(
  task: { attempts: number; maxAttempts: number },
  now: number,
  baseMs: number,
): AfterFailure {
  return task.attempts < task.maxAttempts
    ? { kind: "retry", at: now + taskRetryDelayMs(task.attempts, baseMs) }
    : { kind: "fail" };
}

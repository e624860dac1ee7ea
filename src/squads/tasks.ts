// The operator's side of a task: create one, approve or reject it, cancel it. Each is one
// compare-and-set transition (src/core/task-lifecycle.ts says which are allowed).
import { newId } from "../core/ids.js";
import { atBody } from "../core/field-error.js";
import { DomainError } from "../core/problem.js";
import {
  DEFAULT_TASK_MAX_ATTEMPTS,
  DEFAULT_TASK_TIMEOUT_SECONDS,
  illegalTransition,
  OPEN_TASK_STATUSES,
  type TaskStatus,
} from "../core/task-lifecycle.js";
import { TaskStore, type TaskChanges } from "../stores/task-store.js";
import { SquadStore } from "../stores/squad-store.js";
import type { ApproveTask, CreateTask, SquadTask, SquadTaskDetail } from "../schemas/squads.js";
import { taskNotFound } from "./dispatch.js";

const unknownSquad = (id: string) =>
  new DomainError("unknown-squad", {
    detail: `squad ${id.slice(0, 64)} does not exist`,
    errors: [atBody("/squadId", "no such squad")],
  });

async function checkSquad(env: Env, squadId: string | undefined): Promise<void> {
  if (squadId !== undefined && !(await new SquadStore(env.DB).get(squadId))) throw unknownSquad(squadId);
}

export async function createTask(env: Env, input: CreateTask): Promise<SquadTask> {
  await checkSquad(env, input.squadId);
  const now = Date.now();
  const task = await new TaskStore(env.DB).insert({
    id: newId("task", now),
    kind: input.kind,
    title: input.title,
    description: input.description,
    action: input.action,
    subject: input.subject ?? null,
    fingerprint: null,
    severity: input.severity,
    origin: "operator",
    cycleId: null,
    weakPointId: null,
    evidence: [],
    squadId: input.squadId ?? null,
    maxAttempts: input.maxAttempts ?? DEFAULT_TASK_MAX_ATTEMPTS,
    timeoutMs: (input.timeoutSeconds ?? DEFAULT_TASK_TIMEOUT_SECONDS) * 1000,
    createdAt: now,
  });
  return task!; // an operator's task has no fingerprint, so nothing can refuse it
}

export async function taskDetail(env: Env, id: string): Promise<SquadTaskDetail> {
  const tasks = new TaskStore(env.DB);
  const task = await tasks.get(id);
  if (!task) throw taskNotFound(id);
  return { ...task, dispatches: await tasks.attemptsOf(id) };
}

/** Moves a task for the operator: 404 unknown, 409 when the table does not allow it from where the task is. */
async function decide(
  env: Env,
  id: string,
  to: TaskStatus,
  from: readonly TaskStatus[],
  reason: string | undefined,
  changes: TaskChanges = {},
): Promise<SquadTask> {
  const tasks = new TaskStore(env.DB);
  const task = await tasks.get(id);
  if (!task) throw taskNotFound(id);
  if (!from.includes(task.status)) throw illegalTransition(id, task.status, to);
  const now = Date.now();
  const moved = await tasks.transition(
    id,
    from,
    to,
    { at: now, by: "operator", ...(reason && { detail: reason }) },
    changes,
  );
  if (!moved) throw illegalTransition(id, (await tasks.get(id))?.status ?? task.status, to);
  return moved;
}

export async function approveTask(env: Env, id: string, input: ApproveTask): Promise<SquadTask> {
  await checkSquad(env, input.squadId);
  return decide(env, id, "approved", ["pending-approval"], input.reason, {
    ...(input.squadId !== undefined && { squadId: input.squadId }),
    ...(input.timeoutSeconds !== undefined && { timeoutMs: input.timeoutSeconds * 1000 }),
    ...(input.maxAttempts !== undefined && { maxAttempts: input.maxAttempts }),
  });
}

export const rejectTask = (env: Env, id: string, reason?: string) =>
  decide(env, id, "rejected", ["pending-approval"], reason, { closedAt: Date.now() });

/** Cancels an open task; a running attempt is abandoned (a late answer changes nothing). */
export async function cancelTask(env: Env, id: string, reason?: string): Promise<SquadTask> {
  const cancelled = await decide(env, id, "cancelled", OPEN_TASK_STATUSES, reason, {
    closedAt: Date.now(),
    nextAttemptAt: null,
  });
  await new TaskStore(env.DB).endRunningAttempts(id, "cancelled", cancelled.updatedAt);
  return cancelled;
}

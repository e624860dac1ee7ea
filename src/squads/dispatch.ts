// Dispatch (seed 003: Squad Builder → agents): the hub agent sends an approved task as a signed
// mesh message to the best member of a squad that takes its kind, with the hub's webhook; the
// member's answer through that webhook completes it (src/squads/task-response.ts). A delivery
// failure, or no answer before the task's timeout, fails the attempt; failed attempts are retried
// with exponential backoff until maxAttempts, then the task fails. The timers live in the
// Dispatcher Durable Object; every state change here is a compare-and-set in D1.
import { chooseMember } from "../core/resonance.js";
import { DELIVERY_FAILED } from "../core/halo.js";
import { atBody } from "../core/field-error.js";
import { DomainError, notFound } from "../core/problem.js";
import { afterFailedAttempt, DEFAULT_TASK_RETRY_BASE_SECONDS, illegalTransition } from "../core/task-lifecycle.js";
import { TaskStore } from "../stores/task-store.js";
import { SquadStore, takesKind } from "../stores/squad-store.js";
import { emitEvent } from "../events/producer.js";
import type { AttemptOutcome, Squad, SquadTask } from "../schemas/squads.js";
import { HUB_AGENT } from "../core/object-names.js";
import { hostedAgent } from "../mesh/hub.js";
import { hubView } from "./members.js";

/** One pending timer per task: the running attempt's deadline, or the retry's due time. */
export interface TaskTimer {
  taskId: string;
  attempt: number;
  kind: "timeout" | "retry";
  due: number;
}

export interface TaskTimers {
  schedule(timer: TaskTimer): Promise<void>;
}

export const taskNotFound = (id: string) => notFound(`task ${id.slice(0, 64)}`);

export function retryBaseMs(env: Pick<Env, "DM_TASK_RETRY_BASE_SECONDS">): number {
  const seconds = Number(env.DM_TASK_RETRY_BASE_SECONDS);
  return (
    (env.DM_TASK_RETRY_BASE_SECONDS !== undefined && Number.isFinite(seconds) && seconds >= 0
      ? seconds
      : DEFAULT_TASK_RETRY_BASE_SECONDS) * 1000
  );
}

/** The message a member receives: JSON, so an agent can act on it; answer through the webhook. */
export function taskMessage(task: SquadTask, attempt: number): string {
  return JSON.stringify({
    darkmatter: "task",
    task: {
      id: task.id,
      kind: task.kind,
      title: task.title,
      description: task.description,
      action: task.action,
      subject: task.subject,
      severity: task.severity,
      evidence: task.evidence.events.slice(0, 20),
      attempt,
      timeoutSeconds: task.timeoutSeconds,
    },
    respond: "answer this message through its webhook (darkmatter_respond_message); your answer is the task's result",
  });
}

type Choice = { agent: string; squadId: string } | { none: string };

/** The member for this attempt: resonance first, members that failed this task last. */
async function chooseFor(env: Env, tasks: TaskStore, task: SquadTask, pinned?: string): Promise<Choice> {
  const squads = new SquadStore(env.DB);
  const assigned = task.squadId ? await squads.get(task.squadId) : null; // a deleted squad: any squad taking the kind
  const eligible: Squad[] = assigned ? [assigned] : (await squads.all()).filter((squad) => takesKind(squad, task.kind));
  if (eligible.length === 0)
    return {
      none: `no squad takes tasks of kind "${task.kind}": create one with that capability (or "*"), or approve the task with a squadId`,
    };
  const squadOf = new Map<string, string>();
  for (const squad of eligible)
    for (const member of squad.members) if (!squadOf.has(member)) squadOf.set(member, squad.id);
  if (pinned !== undefined && !squadOf.has(pinned))
    throw new DomainError("not-a-member", {
      detail: `agent ${pinned.slice(0, 16)}… is not a member of a squad that takes this task`,
      errors: [atBody("/agent", "not a member")],
    });
  const { connected } = await hubView(env);
  const reachable = [...squadOf.keys()].filter(
    (agent) => connected.has(agent) && (pinned === undefined || agent === pinned),
  );
  if (reachable.length === 0)
    return {
      none: pinned
        ? `agent ${pinned.slice(0, 16)}… is not connected to the hub`
        : "no member of the squads taking this task is connected to the hub",
    };
  const attempts = await tasks.attemptsOf(task.id);
  const avoid = new Set(attempts.filter((a) => a.outcome !== "completed" && a.agent).map((a) => a.agent!));
  const [records, load] = await Promise.all([tasks.resonanceFor(reachable, task.kind), tasks.load(reachable)]);
  const agent = chooseMember(reachable, records, { avoid, load })!;
  return { agent, squadId: squadOf.get(agent)! };
}

/**
 * Sends an approved task to a member (409 for any other status). `by: "dispatcher"` is a retry
 * from the timer: finding nobody to send to then costs an attempt instead of answering 409.
 */
export async function dispatchTask(
  env: Env,
  timers: TaskTimers,
  taskId: string,
  options: { agent?: string; by: "operator" | "dispatcher" },
): Promise<SquadTask> {
  const tasks = new TaskStore(env.DB);
  const task = await tasks.get(taskId);
  if (!task) throw taskNotFound(taskId);
  if (task.status !== "approved") throw illegalTransition(taskId, task.status, "dispatched");
  const choice = await chooseFor(env, tasks, task, options.agent);
  const now = Date.now();
  const attempt = task.attempts + 1;
  if ("none" in choice) {
    if (options.by === "operator") throw new DomainError("no-member", choice.none);
    return failUndispatched(env, timers, task, attempt, choice.none);
  }
  const deadline = now + task.timeoutSeconds * 1000;
  // The deadline is armed before the task moves: if anything below dies, the timeout still fails the attempt.
  await timers.schedule({ taskId, attempt, kind: "timeout", due: deadline });
  const moved = await tasks.transition(
    taskId,
    ["approved"],
    "dispatched",
    { at: now, by: options.by, agent: choice.agent, attempt },
    { attempts: attempt, agent: choice.agent, squadId: choice.squadId, nextAttemptAt: null },
    task.attempts,
  );
  if (!moved) {
    const current = await tasks.get(taskId);
    throw illegalTransition(taskId, current?.status ?? task.status, "dispatched");
  }
  await tasks.startAttempt({ taskId, attempt, agent: choice.agent, squadId: choice.squadId, startedAt: now, deadline });
  const hub = await hostedAgent(env, HUB_AGENT);
  const sent = await hub.send({
    content: taskMessage(moved, attempt),
    target_agent_id: choice.agent,
    metadata: { taskId, attempt },
    hops_remaining: 1,
    force: false,
  });
  if (sent.ok) await tasks.setAttemptMessage(taskId, attempt, sent.value.message_id);
  if (sent.ok && sent.value.success) return (await tasks.get(taskId))!;
  const why = sent.ok
    ? JSON.stringify(("failed" in sent.value && sent.value.failed?.[0]) || "not delivered")
    : sent.problem.detail;
  return (
    (await attemptFailed(
      env,
      timers,
      taskId,
      attempt,
      "delivery-failed",
      `${DELIVERY_FAILED}: ${why}`.slice(0, 2000),
    )) ?? (await tasks.get(taskId))!
  );
}

/**
 * Attempt `attempt` of a dispatched task failed (no answer in time, or not delivered): back to
 * `approved` with a retry timer, or `failed` when it was the last. A no-op if the task moved on.
 */
export async function attemptFailed(
  env: Env,
  timers: TaskTimers,
  taskId: string,
  attempt: number,
  outcome: AttemptOutcome,
  error: string,
): Promise<SquadTask | null> {
  const tasks = new TaskStore(env.DB);
  const task = await tasks.get(taskId);
  if (!task || task.status !== "dispatched" || task.attempts !== attempt) return task;
  const now = Date.now();
  const next = afterFailedAttempt(task, now, retryBaseMs(env));
  if (next.kind === "retry") await timers.schedule({ taskId, attempt, kind: "retry", due: next.at });
  const entry = {
    at: now,
    by: "dispatcher" as const,
    agent: task.agent ?? undefined,
    attempt,
    detail: `attempt ${attempt} ${outcome}: ${error}${next.kind === "retry" ? `; retry at ${new Date(next.at).toISOString()}` : "; no attempts left"}`,
  };
  const moved =
    next.kind === "retry"
      ? await tasks.transition(taskId, ["dispatched"], "approved", entry, { nextAttemptAt: next.at, error }, attempt)
      : await tasks.transition(
          taskId,
          ["dispatched"],
          "failed",
          entry,
          { nextAttemptAt: null, error, closedAt: now },
          attempt,
        );
  if (!moved) return tasks.get(taskId); // answered (or cancelled) in the meantime
  await tasks.endAttempt(taskId, attempt, outcome, now, error);
  if (task.agent) await tasks.recordOutcome(task.agent, task.kind, { success: false, ms: 0, at: now });
  await emitEvent(env, {
    type: "squad.task.failed",
    ...(task.agent && { agent: task.agent }),
    data: {
      taskId,
      ...(task.squadId && { squadId: task.squadId }),
      error: error.slice(0, 4096),
      retryable: next.kind === "retry",
    },
  });
  return moved;
}

/** A retry found nobody to send to: the attempt is spent all the same, so the task cannot wait forever. */
async function failUndispatched(
  env: Env,
  timers: TaskTimers,
  task: SquadTask,
  attempt: number,
  reason: string,
): Promise<SquadTask> {
  const tasks = new TaskStore(env.DB);
  const now = Date.now();
  const next = afterFailedAttempt({ attempts: attempt, maxAttempts: task.maxAttempts }, now, retryBaseMs(env));
  const error = `no-member: ${reason}`;
  let updated: SquadTask | null;
  if (next.kind === "retry") {
    await timers.schedule({ taskId: task.id, attempt, kind: "retry", due: next.at });
    updated = await tasks.update(
      task.id,
      "approved",
      { attempts: attempt, nextAttemptAt: next.at, error },
      now,
      task.attempts,
    );
  } else {
    updated = await tasks.transition(
      task.id,
      ["approved"],
      "failed",
      { at: now, by: "dispatcher", attempt, detail: `attempt ${attempt}: ${error}; no attempts left` },
      { attempts: attempt, nextAttemptAt: null, error, closedAt: now },
      task.attempts,
    );
  }
  if (!updated) return (await tasks.get(task.id)) ?? task;
  await tasks.startAttempt({
    taskId: task.id,
    attempt,
    agent: null,
    squadId: task.squadId,
    startedAt: now,
    deadline: now,
    outcome: "no-member",
    error,
  });
  await emitEvent(env, {
    type: "squad.task.failed",
    data: { taskId: task.id, ...(task.squadId && { squadId: task.squadId }), error, retryable: next.kind === "retry" },
  });
  return updated;
}

/** A timer fired (Dispatcher alarm). Stale timers — the task moved on — do nothing. */
export async function onTimer(env: Env, timers: TaskTimers, timer: TaskTimer): Promise<void> {
  if (timer.kind === "timeout") {
    const task = await new TaskStore(env.DB).get(timer.taskId);
    if (task?.status === "dispatched" && task.attempts === timer.attempt)
      await attemptFailed(
        env,
        timers,
        timer.taskId,
        timer.attempt,
        "timed-out",
        `no answer within ${task.timeoutSeconds} s`,
      );
    return;
  }
  const task = await new TaskStore(env.DB).get(timer.taskId);
  if (task?.status !== "approved" || task.attempts !== timer.attempt || task.nextAttemptAt === null) return;
  await dispatchTask(env, timers, timer.taskId, { by: "dispatcher" });
}

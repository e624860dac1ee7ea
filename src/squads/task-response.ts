// A member's answer to a task completes it. The hub agent's webhook records every `response`
// update on its sent message (mesh spec §8.6) and hands the raw update here. The protocol
// leaves webhooks unauthenticated (§8.6 QUIRK: anyone who knows the URL can post), so a task
// completes only on a response signed by the member the attempt went to (§6.1 signature over the
// response text, checked with verifyResponseUpdate): a forged or foreign answer is recorded on
// the sent message as the protocol says, and changes nothing here.
import { verifyResponseUpdate } from "../core/mesh/message-signing.js";
import { describeError } from "../core/events.js";
import { TaskStore } from "../stores/task-store.js";
import { emitEvent } from "../events/producer.js";
import { ResponseUpdateBody } from "../schemas/mesh.js";
import type { SquadTask, TaskAttempt } from "../schemas/squads.js";

/** The largest result an event carries; the full answer stays on the task. */
const EVENT_RESULT_CHARS = 8 * 1024;

/** Called (in the background) by the hub after its webhook recorded a `response`. Never throws. */
export async function taskResponseReceived(env: Env, messageId: string, body: string): Promise<SquadTask | null> {
  try {
    return await completeFromResponse(env, messageId, body);
  } catch (error) {
    // The answer stays on the hub's sent record; the attempt's timeout retries the task if this was lost.
    console.error(`squads: could not complete the task answered by ${messageId}`, describeError(error));
    return null;
  }
}

async function completeFromResponse(env: Env, messageId: string, body: string): Promise<SquadTask | null> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null; // the webhook answered 400 already
  }
  const update = ResponseUpdateBody.safeParse(parsed);
  if (!update.success) return null; // not a signed response update (e.g. a reference node's unsigned one)
  const tasks = new TaskStore(env.DB);
  const attempt = await attemptFor(tasks, messageId, update.data.metadata);
  if (!attempt) return null; // an ordinary message of the hub, not a task
  if (attempt.agent !== update.data.agent_id || !(await verifyResponseUpdate(messageId, update.data))) {
    console.error(
      `squads: ignoring a response to task ${attempt.taskId} attempt ${attempt.attempt}: not signed by its member ${attempt.agent}`,
    );
    return null;
  }
  const now = Date.now();
  const result = {
    response: update.data.response,
    agent: update.data.agent_id,
    attempt: attempt.attempt,
    respondedAt: now,
  };
  const completed = await tasks.transition(
    attempt.taskId,
    ["dispatched", "approved"],
    "completed",
    { at: now, by: "member", agent: update.data.agent_id, attempt: attempt.attempt },
    { result: JSON.stringify(result), error: null, nextAttemptAt: null, closedAt: now },
  );
  if (!completed) return null; // closed already (answered, failed, cancelled)
  await tasks.markAnswered(attempt.taskId, attempt.attempt, now);
  await tasks.endRunningAttempts(attempt.taskId, "superseded", now);
  await tasks.recordOutcome(update.data.agent_id, completed.kind, {
    success: true,
    ms: now - attempt.startedAt,
    at: now,
  });
  await emitEvent(env, {
    type: "squad.task.completed",
    agent: update.data.agent_id,
    data: {
      taskId: completed.id,
      ...(completed.squadId && { squadId: completed.squadId }),
      result: { response: result.response.slice(0, EVENT_RESULT_CHARS), attempt: result.attempt },
    },
  });
  return completed;
}

/** The attempt a webhook message id belongs to; the echoed metadata covers an answer faster than our own bookkeeping. */
async function attemptFor(
  tasks: TaskStore,
  messageId: string,
  metadata: unknown,
): Promise<(TaskAttempt & { taskId: string }) | null> {
  const byMessage = await tasks.attemptByMessage(messageId);
  if (byMessage) return byMessage;
  const meta = metadata as { taskId?: unknown; attempt?: unknown } | null;
  if (typeof meta?.taskId !== "string" || typeof meta.attempt !== "number") return null;
  const attempt = await tasks.attempt(meta.taskId, meta.attempt);
  return attempt && attempt.messageId === null ? { ...attempt, taskId: meta.taskId } : null;
}

// Dispatch, timeouts and retries with the real Dispatcher alarm, the hub's mesh sends and D1
// (DM_TASK_RETRY_BASE_SECONDS is 1 in tests: retries come 1 s, 2 s, … after a failed attempt).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api } from "../api.js";
import { allEvents, eventually } from "../events/helpers.js";
import { TaskStore } from "../../src/stores/task-store.js";
import { DISPATCHER_NAME } from "../../src/core/object-names.js";
import { approvedTask, squadOf, tag, task, taskFor, waitForStatus } from "../halo/helpers.js";

const dispatch = (id: string, body?: Record<string, unknown>) =>
  api("POST", `/api/v1/tasks/${id}/dispatch`, body ? { body } : {});
const timers = async () =>
  (
    env.DISPATCHER.get(env.DISPATCHER.idFromName(DISPATCHER_NAME)) as unknown as {
      timers(): Promise<Array<{ taskId: string }>>;
    }
  ).timers();
const failedEvents = async (taskId: string) =>
  (await allEvents({ type: "squad.task.failed" }))
    .filter((e) => e.data.taskId === taskId)
    .sort((a, b) => a.time - b.time);

describe("dispatching squad tasks", { timeout: 60_000 }, () => {
  it("retries a task whose agent never answers, then fails it with every attempt on record", async () => {
    const t = tag();
    const kind = `probe-${t}`;
    const { squad, agents } = await squadOf([`silent-${t}`], [kind]);
    const silent = agents[0]!;
    const created = await approvedTask({ kind, squadId: squad.id, timeoutSeconds: 1, maxAttempts: 2 });
    expect((await dispatch(created.id)).body).toMatchObject({
      status: "dispatched",
      attempts: 1,
      agent: silent.agent_id,
      squadId: squad.id,
    });

    const failed = await waitForStatus(created.id, "failed");
    expect(failed).toMatchObject({
      attempts: 2,
      nextAttemptAt: null,
      error: "no answer within 1 s",
      closedAt: expect.any(Number),
    });
    expect(failed.history.map((h: { status: string; by: string }) => `${h.status} by ${h.by}`)).toEqual([
      "pending-approval by operator",
      "approved by operator",
      "dispatched by operator",
      "approved by dispatcher",
      "dispatched by dispatcher",
      "failed by dispatcher",
    ]);
    expect(failed.dispatches.map((d: { outcome: string }) => d.outcome)).toEqual(["timed-out", "timed-out"]);
    const [first, second] = failed.dispatches;
    expect(second.startedAt - first.startedAt).toBeGreaterThanOrEqual(2000); // 1 s timeout + 1 s backoff
    // both attempts reached the member as mesh messages; nothing is left scheduled
    const inbox = (await api("GET", `/api/v1/agents/${silent.name}/inbox`)).body.items.filter(
      (m: { metadata: { taskId?: string } }) => m.metadata.taskId === created.id,
    );
    expect(inbox.map((m: { metadata: { attempt: number } }) => m.metadata.attempt).sort()).toEqual([1, 2]);
    expect((await timers()).filter((timer) => timer.taskId === created.id)).toEqual([]);
    const events = await eventually(async () => {
      const found = await failedEvents(created.id);
      return found.length === 2 && found;
    }, "two squad.task.failed events");
    expect(events.map((e) => [e.agent, e.data.retryable])).toEqual([
      [silent.agent_id, true],
      [silent.agent_id, false],
    ]);
    expect((await api("GET", `/api/v1/halo/resonance?agent=${silent.agent_id}&kind=${kind}`)).body.items).toEqual([
      expect.objectContaining({ successes: 0, failures: 2, successRate: 0.25 }),
    ]);
  });

  it("fails an attempt at once when the message cannot be delivered, and HALO then proposes a task about the agent", async () => {
    const t = tag();
    const kind = `relay-${t}`;
    const { squad, agents } = await squadOf([`asleep-${t}`], [kind]);
    const asleep = agents[0]!;
    await api("PUT", `/api/v1/agents/${asleep.name}/status`, { body: { active: false, duration_minutes: 60 } });
    const created = await approvedTask({ kind, squadId: squad.id, maxAttempts: 2 });
    const first = await dispatch(created.id);
    expect(first.body).toMatchObject({ status: "approved", attempts: 1, nextAttemptAt: expect.any(Number) });
    expect(first.body.error).toMatch(/^delivery failed: .*503/);
    const failed = await waitForStatus(created.id, "failed");
    expect(failed.dispatches.map((d: { outcome: string }) => d.outcome)).toEqual([
      "delivery-failed",
      "delivery-failed",
    ]);
    // the failed deliveries are error events: HALO sees the unreachable agent and the failed task
    const about = await taskFor(`agent-unreachable:agent:${asleep.agent_id}`);
    expect(about).toMatchObject({ status: "pending-approval", kind: "agent-unreachable", severity: "error" });
    expect(about.evidence.events).toHaveLength(2);
    expect(await taskFor(`task-failing:task:${created.id}`)).toMatchObject({
      kind: "task-failing",
      status: "pending-approval",
    });
  });

  it("sends to the member with the best record for the task's kind, and to the member named if the operator says", async () => {
    const t = tag();
    const kind = `triage-${t}`;
    const { squad, agents } = await squadOf([`steady-${t}`, `flaky-${t}`], [kind]);
    const [steady, flaky] = agents as [(typeof agents)[0], (typeof agents)[0]];
    const store = new TaskStore(env.DB);
    for (let i = 0; i < 3; i++)
      await store.recordOutcome(flaky.agent_id, kind, { success: false, ms: 0, at: Date.now() });
    await store.recordOutcome(steady.agent_id, kind, { success: true, ms: 1200, at: Date.now() });
    const chosen = await dispatch((await approvedTask({ kind, squadId: squad.id })).id);
    expect(chosen.body.agent).toBe(steady.agent_id);
    const pinned = await dispatch((await approvedTask({ kind, squadId: squad.id })).id, { agent: flaky.agent_id });
    expect(pinned.body.agent).toBe(flaky.agent_id);
    const outsider = await dispatch((await approvedTask({ kind, squadId: squad.id })).id, { agent: "f".repeat(64) });
    expect([outsider.status, outsider.body.code, outsider.body.errors]).toEqual([
      422,
      "not-a-member",
      [{ in: "body", path: "/agent", message: "not a member" }],
    ]);
  });

  it("finds the squad by capability, refuses with 409 when none takes the kind, and keeps the task approved", async () => {
    const t = tag();
    const nobody = await approvedTask({ kind: `orphan-${t}` });
    const refused = await dispatch(nobody.id);
    expect([refused.status, refused.body.code]).toEqual([409, "no-member"]);
    expect(refused.body.detail).toContain(`orphan-${t}`);
    expect((await task(nobody.id)).status).toBe("approved");
    const { agents } = await squadOf([`anyone-${t}`], ["*"]);
    expect((await dispatch(nobody.id)).body).toMatchObject({ status: "dispatched", agent: agents[0]!.agent_id });
  });

  it("lets the operator cancel a dispatched task: its member's late answer changes nothing", async () => {
    const t = tag();
    const kind = `late-${t}`;
    const { squad, agents } = await squadOf([`slow-${t}`], [kind]);
    const created = await approvedTask({ kind, squadId: squad.id });
    await dispatch(created.id);
    const cancelled = await api("POST", `/api/v1/tasks/${created.id}/cancel`, {
      body: { reason: "not needed any more" },
    });
    expect(cancelled.body).toMatchObject({ status: "cancelled", closedAt: expect.any(Number) });
    expect(cancelled.body.history.at(-1)).toMatchObject({
      status: "cancelled",
      from: "dispatched",
      by: "operator",
      detail: "not needed any more",
    });
    const held = (await api("GET", `/api/v1/agents/${agents[0]!.name}/inbox`)).body.items.find(
      (m: { metadata: { taskId?: string } }) => m.metadata.taskId === created.id,
    );
    expect(
      (
        await api("POST", `/api/v1/agents/${agents[0]!.name}/messages/${held.message_id}/respond`, {
          body: { response: "done anyway" },
        })
      ).body.success,
    ).toBe(true);
    const sent = await eventually(
      async () => (await api("GET", `/api/v1/agents/hub/sent/${held.message_id}`)).body.response,
      "the hub to record the answer",
    );
    expect(sent.response).toBe("done anyway");
    expect(await task(created.id)).toMatchObject({
      status: "cancelled",
      result: null,
      dispatches: [expect.objectContaining({ outcome: "cancelled" })],
    });
  });

  it("completes a task whose member answers after its attempt timed out, while the retry waits", async () => {
    const t = tag();
    const kind = `tardy-${t}`;
    const { squad, agents } = await squadOf([`tardy-${t}`], [kind]);
    const created = await approvedTask({ kind, squadId: squad.id, timeoutSeconds: 1, maxAttempts: 3 });
    await dispatch(created.id);
    const waiting = await waitForStatus(created.id, "approved");
    expect(waiting.nextAttemptAt).toEqual(expect.any(Number));
    const held = (await api("GET", `/api/v1/agents/${agents[0]!.name}/inbox`)).body.items.find(
      (m: { metadata: { taskId?: string } }) => m.metadata.taskId === created.id,
    );
    await api("POST", `/api/v1/agents/${agents[0]!.name}/messages/${held.message_id}/respond`, {
      body: { response: "sorry, slow" },
    });
    const completed = await waitForStatus(created.id, "completed");
    expect(completed).toMatchObject({
      result: { response: "sorry, slow", attempt: 1 },
      nextAttemptAt: null,
      error: null,
    });
    expect(completed.history.map((h: { status: string }) => h.status)).toEqual([
      "pending-approval",
      "approved",
      "dispatched",
      "approved",
      "completed",
    ]);
    expect(completed.dispatches[0]).toMatchObject({ attempt: 1, outcome: "completed" });
  });
});

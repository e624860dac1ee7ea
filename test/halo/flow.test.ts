// The whole loop in workerd with the real queue consumer: an error event → a HALO cycle → one
// pending-approval task → approval → dispatch over the mesh to an agent hosted here → its signed
// answer through the hub's webhook → completed; the events of the flow in D1, in order.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api } from "../api.js";
import { mesh } from "../mesh/mesh-helpers.js";
import { allEvents, eventually, storedEvent } from "../events/helpers.js";
import { squadOf, tag, task, taskFor, tasksFor, waitForStatus } from "./helpers.js";

describe("an error event through HALO to a completed squad task", { timeout: 60_000 }, () => {
  it("turns one error event into one pending-approval task that an approved dispatch gets answered", async () => {
    const t = tag();
    const { agents } = await squadOf([`fixer-${t}`], ["error-events"]);
    const fixer = agents[0]!;
    const type = `sim.${t}.crashed`;
    const fingerprint = `error-events:event:${type}`;

    // 1. the error event goes through the queue; its routing runs a cycle that proposes a task
    const posted = await api("POST", "/api/v1/events", {
      body: { type, source: "simulator", severity: "error", data: { episode: 7 } },
    });
    expect(posted.status).toBe(202);
    const error = await storedEvent(posted.body.id);
    const proposed = await taskFor(fingerprint);
    expect(proposed).toMatchObject({
      status: "pending-approval",
      origin: "halo",
      kind: "error-events",
      severity: "error",
      subject: `event:${type}`,
      evidence: { events: [error.id] },
    });
    expect(proposed.action).toContain(type);

    // 2. the same event delivered again, and another of the same kind: still one task
    const { persistedAt: _p, routedAt: _r, ...envelope } = error;
    await env.EVENTS.send(envelope, { contentType: "json" });
    const again = await api("POST", "/api/v1/events", {
      body: { type, source: "simulator", severity: "error", data: { episode: 8 } },
    });
    const cycle = await eventually(async () => {
      const cycles = (await api("GET", "/api/v1/halo/cycles?trigger=event&limit=100")).body.items as Array<{
        id: string;
        triggerEvents: string[];
      }>;
      return cycles.find((c) => c.triggerEvents.includes(again.body.id));
    }, "the cycle of the second event");
    const found = (await api("GET", `/api/v1/halo/cycles/${cycle.id}`)).body.found.find(
      (w: { fingerprint: string }) => w.fingerprint === fingerprint,
    );
    expect(found).toMatchObject({ taskId: proposed.id, isNew: false, evidenceCount: 2 });
    expect(await tasksFor(fingerprint)).toHaveLength(1);

    // 3. dispatch is refused until the operator approves
    const early = await api("POST", `/api/v1/tasks/${proposed.id}/dispatch`);
    expect([early.status, early.contentType, early.body.code]).toEqual([
      409,
      "application/problem+json",
      "illegal-transition",
    ]);
    expect((await task(proposed.id)).status).toBe("pending-approval");
    const approved = await api("POST", `/api/v1/tasks/${proposed.id}/approve`, { body: { reason: "looks real" } });
    expect(approved.body).toMatchObject({ status: "approved" });

    // 4. the hub sends it to the squad's member as a signed mesh message with its webhook
    const dispatched = await api("POST", `/api/v1/tasks/${proposed.id}/dispatch`);
    expect(dispatched.body).toMatchObject({ status: "dispatched", agent: fixer.agent_id, attempts: 1 });
    const inbox = (await api("GET", `/api/v1/agents/${fixer.name}/inbox`)).body.items;
    const held = inbox.find((m: { metadata: { taskId?: string } }) => m.metadata.taskId === proposed.id);
    expect(held).toMatchObject({
      metadata: { taskId: proposed.id, attempt: 1 },
      verified: true,
      webhook: expect.stringMatching(/\/agents\/hub\/__darkmatter__\/webhook\/msg-/),
    });
    expect(JSON.parse(held.content)).toMatchObject({
      darkmatter: "task",
      task: { id: proposed.id, kind: "error-events", attempt: 1 },
    });

    // an unsigned answer posted to the webhook by anyone is recorded by the hub, and completes nothing
    const forged = await mesh("POST", `/agents/hub/__darkmatter__/webhook/${held.message_id}`, {
      type: "response",
      agent_id: fixer.agent_id,
      response: "trust me",
      metadata: held.metadata,
    });
    expect(forged.body).toEqual({ success: true, recorded: "response" });
    expect((await task(proposed.id)).status).toBe("dispatched");

    // 5. the member answers through the webhook: the task completes with its answer
    const answered = await api("POST", `/api/v1/agents/${fixer.name}/messages/${held.message_id}/respond`, {
      body: { response: "restarted the simulator" },
    });
    expect(answered.body).toMatchObject({ success: true });
    const completed = await waitForStatus(proposed.id, "completed");
    expect(completed.result).toMatchObject({ response: "restarted the simulator", agent: fixer.agent_id, attempt: 1 });
    expect(completed.history.map((h: { status: string }) => h.status)).toEqual([
      "pending-approval",
      "approved",
      "dispatched",
      "completed",
    ]);
    expect(completed.dispatches).toEqual([
      expect.objectContaining({ attempt: 1, agent: fixer.agent_id, messageId: held.message_id, outcome: "completed" }),
    ]);
    const resonance = (await api("GET", `/api/v1/halo/resonance?agent=${fixer.agent_id}`)).body.items;
    expect(resonance).toEqual([expect.objectContaining({ kind: "error-events", successes: 1, failures: 0 })]);

    // 6. the flow's events are in D1, in order
    const cycleEvent = await eventually(
      async () =>
        (await allEvents({ type: "halo.cycle.completed" })).find((e) => e.data.cycleId === proposed.evidence.cycleId),
      "halo.cycle.completed",
    );
    const completedEvent = await eventually(
      async () => (await allEvents({ type: "squad.task.completed" })).find((e) => e.data.taskId === proposed.id),
      "squad.task.completed",
    );
    expect(cycleEvent.data).toMatchObject({ tasksCreated: expect.any(Number), weakPoints: expect.any(Number) });
    expect(completedEvent).toMatchObject({
      agent: fixer.agent_id,
      data: { result: { response: "restarted the simulator", attempt: 1 } },
    });
    const flow = [error, cycleEvent, completedEvent];
    expect(flow.map((e) => e.time)).toEqual([...flow.map((e) => e.time)].sort((a, b) => a - b));
    expect(flow.map((e) => e.id)).toEqual([...flow.map((e) => e.id)].sort());
  });
});

// HALO, squads and grafts over HTTP against a real `wrangler dev` (local queues, D1, Durable
// Objects and alarms): an error event becomes a task that an agent hosted there completes.
import { describe, expect, it } from "vitest";
import { http } from "./http.js";

async function poll<T>(read: () => Promise<T | null | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== null && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`no ${what} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const tag = `e${Date.now().toString(36)}`;

describe("HALO and squads against wrangler dev", () => {
  it("an error event becomes a pending-approval task; approved and dispatched, a hosted agent's answer completes it", async () => {
    const agent = (await http("POST", "/api/v1/agents", { body: { name: `medic-${tag}` } })).body;
    const squad = await http("POST", "/api/v1/squads", {
      body: { name: `medics-${tag}`, members: [agent.agent_id], capabilities: ["error-events"] },
    });
    expect(squad.status).toBe(201);

    const type = `sim.${tag}.crashed`;
    const posted = await http("POST", "/api/v1/events", {
      body: { type, source: "e2e", severity: "error", data: { episode: 1 } },
    });
    expect(posted.status).toBe(202);
    const fingerprint = encodeURIComponent(`error-events:event:${type}`);
    const task = await poll(
      async () => (await http("GET", `/api/v1/tasks?fingerprint=${fingerprint}`)).body.items[0],
      "task",
    );
    expect(task).toMatchObject({ status: "pending-approval", origin: "halo", evidence: { events: [posted.body.id] } });

    expect((await http("POST", `/api/v1/tasks/${task.id}/dispatch`)).status).toBe(409);
    expect((await http("POST", `/api/v1/tasks/${task.id}/approve`, { body: {} })).body.status).toBe("approved");
    const dispatched = await http("POST", `/api/v1/tasks/${task.id}/dispatch`);
    expect(dispatched.body.status).toBe("dispatched");
    // Other e2e files run squads for the same task kind against this server, so the member chosen
    // may be theirs: follow whichever hosted agent the task went to.
    const hosted = (await http("GET", "/api/v1/agents")).body.items as Array<{ name: string; agent_id: string }>;
    const member = hosted.find((a) => a.agent_id === dispatched.body.agent)!;
    expect(member).toBeDefined();
    const held = (await http("GET", `/api/v1/agents/${member.name}/inbox`)).body.items.find(
      (m: { metadata: { taskId?: string } }) => m.metadata.taskId === task.id,
    );
    expect(held.webhook).toMatch(/\/agents\/hub\/__darkmatter__\/webhook\//);
    expect(
      (
        await http("POST", `/api/v1/agents/${member.name}/messages/${held.message_id}/respond`, {
          body: { response: "patched" },
        })
      ).body.success,
    ).toBe(true);
    const completed = await poll(async () => {
      const current = (await http("GET", `/api/v1/tasks/${task.id}`)).body;
      return current.status === "completed" ? current : null;
    }, "completed task");
    expect(completed.result).toMatchObject({ response: "patched", agent: member.agent_id });
    const events = await poll(async () => {
      const items = (await http("GET", "/api/v1/events?type=squad.task.completed&limit=100")).body.items;
      return items.find((e: { data: { taskId: string } }) => e.data.taskId === task.id);
    }, "squad.task.completed");
    expect(events.agent).toBe(member.agent_id);
    expect(
      (await http("GET", `/api/v1/halo/cycles/${task.evidence.cycleId}`)).body.found.map(
        (w: { taskId: string }) => w.taskId,
      ),
    ).toContain(task.id);
  });

  it("a spore deployed, installed and uninstalled leaves the world line as it was", async () => {
    const wl = (
      await http("POST", "/api/v1/worldlines", { body: { name: `graft-${tag}`, entities: { base: { ok: true } } } })
    ).body;
    const before = (await http("GET", `/api/v1/worldlines/${wl.id}/state`)).body;
    const spore = (
      await http("POST", "/api/v1/spores", {
        body: { name: `kit-${tag}`, entities: { base: { extra: 1 }, tool: "wrench" } },
      })
    ).body;
    await http("POST", `/api/v1/spores/${spore.id}/publish`);
    const graft = (await http("POST", `/api/v1/spores/${spore.id}/deploy`, { body: { worldline: wl.id } })).body;
    expect((await http("POST", `/api/v1/grafts/${graft.id}/install`)).body.status).toBe("installed");
    expect((await http("GET", `/api/v1/worldlines/${wl.id}/state`)).body.entities).toEqual({
      base: { ok: true, extra: 1 },
      tool: "wrench",
    });
    expect((await http("POST", `/api/v1/grafts/${graft.id}/uninstall`)).body.status).toBe("uninstalled");
    const after = (await http("GET", `/api/v1/worldlines/${wl.id}/state`)).body;
    expect([after.root, after.entities]).toEqual([before.root, before.entities]);
  });

  it("runs a cycle on demand, and keeps HALO private", async () => {
    const cycle = await http("POST", "/api/v1/halo/cycles");
    expect(cycle.status).toBe(201);
    expect(cycle.body).toMatchObject({ trigger: "manual", found: expect.any(Array) });
    expect((await http("GET", "/api/v1/halo/cycles", { token: null })).status).toBe(401);
    expect((await http("GET", "/api/v1/tasks", { token: null })).status).toBe(401);
  });
});

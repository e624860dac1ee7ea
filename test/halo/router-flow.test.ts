// Issue 15's whole loop with no person answering: an error event → a HALO cycle → a
// pending-approval task → the operator approves → dispatch to a hosted member whose router hands
// the task message to its handler (the real scripts/router-handler.ts on loopback) → the handler
// answers → the member responds through the hub's webhook, signed → the task is completed.
import { describe, expect, inject, it } from "vitest";
import { api } from "../api.js";
import { eventually } from "../events/helpers.js";
import { squadOf, tag, taskFor, waitForStatus } from "./helpers.js";

const handlerOrigin = inject("handlerOrigin");

describe("an approved squad task executed by its member's handler", { timeout: 60_000 }, () => {
  it("completes from an error event to the handler's answer with no manual response", async () => {
    const t = tag();
    const { agents } = await squadOf([`auto-${t}`], ["error-events"]);
    const member = agents[0]!;
    const answer = { response: "restarted the simulator (by the handler)" };
    const router = await api("PUT", `/api/v1/agents/${member.name}/router`, {
      body: {
        mode: "rules_first",
        rules: [{ match: { keywords: ['"darkmatter":"task"'] }, action: "HANDLE", note: "squad tasks" }],
        handler: { url: `${handlerOrigin}/task-${t}?reply=${encodeURIComponent(JSON.stringify(answer))}` },
      },
    });
    expect(router.status).toBe(200);

    const type = `sim.${t}.crashed`;
    const posted = await api("POST", "/api/v1/events", {
      body: { type, source: "simulator", severity: "error", data: { episode: 1 } },
    });
    expect(posted.status).toBe(202);
    const proposed = await taskFor(`error-events:event:${type}`);
    expect(proposed.status).toBe("pending-approval");
    expect((await api("POST", `/api/v1/tasks/${proposed.id}/approve`, { body: { reason: "go" } })).status).toBe(200);
    const dispatched = await api("POST", `/api/v1/tasks/${proposed.id}/dispatch`);
    expect(dispatched.body).toMatchObject({ status: "dispatched", agent: member.agent_id });

    const completed = await waitForStatus(proposed.id, "completed");
    expect(completed.result).toMatchObject({ response: answer.response, agent: member.agent_id, attempt: 1 });
    expect(completed.history.map((h: { status: string; by: string }) => `${h.status} by ${h.by}`)).toEqual([
      "pending-approval by halo",
      "approved by operator",
      "dispatched by operator",
      "completed by member",
    ]);
    // the handler saw the task message, signed; the member's inbox is empty and its log says why
    const requests = (await (await fetch(`${handlerOrigin}/requests/task-${t}`)).json()) as Array<{
      body: string;
      verified: boolean;
    }>;
    expect(requests).toHaveLength(1);
    expect(requests[0]!.verified).toBe(true);
    expect(JSON.parse(JSON.parse(requests[0]!.body).message.content)).toMatchObject({
      darkmatter: "task",
      task: { id: proposed.id },
    });
    expect((await api("GET", `/api/v1/agents/${member.name}/inbox`)).body.items).toEqual([]);
    const decision = await eventually(
      async () => (await api("GET", `/api/v1/agents/${member.name}/router/decisions`)).body.items[0],
      "the member's decision",
    );
    expect(decision).toMatchObject({ rule: 0, action: "handle", handler: "response", outcome: "done" });
  });
});

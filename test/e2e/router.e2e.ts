// Issue 15 over HTTP against wrangler dev: hosted agents whose routers answer by themselves — a
// RESPOND rule, and a real handler process this test starts on loopback
// (scripts/router-handler.ts), which verifies the agent's signature and answers.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startHandlerServer, type HandlerServer } from "../../scripts/router-handler.js";
import { http } from "./http.js";

const suffix = Math.random().toString(16).slice(2, 8);
const name = (n: string) => `rt-${n}-${suffix}`;
const url = (n: string) => `${inject("baseUrl")}/agents/${name(n)}`;

let handler: HandlerServer;
beforeAll(async () => {
  handler = await startHandlerServer();
});
afterAll(() => handler.close());

async function agent(n: string) {
  const created = await http("POST", "/api/v1/agents", { body: { name: name(n), bio: n } });
  expect(created.status).toBe(201);
  return created.body as { agent_id: string; public_key_hex: string };
}

async function connect(a: string, b: string) {
  const requested = await http("POST", `/api/v1/agents/${name(a)}/connections`, {
    body: { action: "request", target_url: url(b) },
  });
  const accepted = await http("POST", `/api/v1/agents/${name(b)}/connections`, {
    body: { action: "accept", request_id: requested.body.request_id },
  });
  expect(accepted.body.accepted).toBe(true);
}

async function responseTo(n: string, messageId: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const sent = (await http("GET", `/api/v1/agents/${name(n)}/sent/${messageId}`)).body;
    if (sent.response) return sent.response;
    if (Date.now() > deadline) throw new Error(`no response to ${messageId}: ${JSON.stringify(sent)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("routers against wrangler dev", { timeout: 60_000 }, () => {
  it("answers by a RESPOND rule and by a loopback handler, each signed, with no one typing", async () => {
    const a = await agent("a");
    const b = await agent("b");
    await connect("a", "b");

    const rules = await http("PUT", `/api/v1/agents/${name("b")}/router`, {
      body: {
        mode: "rules_first",
        rules: [{ match: { keywords: ["status?"] }, action: "RESPOND", response: "all good, {{from_agent_id}}" }],
        handler: { url: `${handler.origin}/e2e-${suffix}?echo=1` },
      },
      headers: { "if-match": '"0"' },
    });
    expect([rules.status, rules.body.version, rules.headers.get("etag")]).toEqual([200, 1, '"1"']);

    const asked = await http("POST", `/api/v1/agents/${name("a")}/messages`, {
      body: { content: "status?", target_agent_id: b.agent_id },
    });
    expect(await responseTo("a", asked.body.message_id)).toMatchObject({
      agent_id: b.agent_id,
      response: `all good, ${a.agent_id}`,
    });

    const task = await http("POST", `/api/v1/agents/${name("a")}/messages`, {
      body: { content: "summarise the run", target_agent_id: b.agent_id, metadata: { run: 4 } },
    });
    expect(await responseTo("a", task.body.message_id)).toMatchObject({ response: "handled: summarise the run" });
    const seen = (await (await fetch(`${handler.origin}/requests/e2e-${suffix}`)).json()) as Array<{
      headers: Record<string, string>;
      body: string;
      verified: boolean;
    }>;
    expect(seen).toHaveLength(1);
    expect(seen[0]!.verified).toBe(true);
    expect(JSON.parse(seen[0]!.body)).toMatchObject({
      agent: { agent_id: b.agent_id, public_key_hex: b.public_key_hex },
      message: { message_id: task.body.message_id, metadata: { run: 4 }, from_agent_id: a.agent_id },
    });

    const decisions = (await http("GET", `/api/v1/agents/${name("b")}/router/decisions`)).body.items;
    expect(decisions.map((d: { action: string; outcome: string }) => `${d.action} ${d.outcome}`)).toEqual([
      "handle done",
      "respond done",
    ]);
    expect((await http("GET", `/api/v1/agents/${name("b")}/inbox`)).body.items).toEqual([]);
  });

  it("keeps a message whose handler fails, and refuses a handler URL the Worker may not call", async () => {
    await agent("c");
    const b = await agent("d");
    await connect("c", "d");
    const refused = await http("PUT", `/api/v1/agents/${name("d")}/router`, {
      body: { mode: "spawn", handler: { url: "http://example.com/handler" } },
    });
    expect([refused.status, refused.body.code, refused.body.errors[0].path]).toEqual([
      422,
      "invalid-router",
      "/handler/url",
    ]);
    await http("PUT", `/api/v1/agents/${name("d")}/router`, {
      body: { mode: "spawn", handler: { url: `${handler.origin}/e2e-fail-${suffix}?status=503` } },
    });
    const sent = await http("POST", `/api/v1/agents/${name("c")}/messages`, {
      body: { content: "try me", target_agent_id: b.agent_id },
    });
    expect(sent.body.routed_to).toEqual([b.agent_id]);
    const deadline = Date.now() + 15_000;
    let held: { routing?: { outcome: string; reason: string } } | undefined;
    while (Date.now() < deadline) {
      held = (await http("GET", `/api/v1/agents/${name("d")}/inbox/${sent.body.message_id}`)).body;
      if (held?.routing?.outcome === "failed") break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(held).toMatchObject({
      content: "try me",
      routing: { outcome: "failed", reason: "the handler answered HTTP 503" },
    });
    expect((await http("GET", `/api/v1/agents/${name("c")}/sent/${sent.body.message_id}`)).body.response).toBeNull();
  });
});

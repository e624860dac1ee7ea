// Agent tokens (issue 14): POST /api/v1/agents answers an agent's own token once, the Agent object
// keeps only its SHA-256, rotation replaces it, and the token opens that agent's operator API and
// MCP server and nothing else. The hub's token is the DM_HUB_TOKEN secret.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { agentTokenHash } from "../../src/core/agent-token.js";
import { api, OPERATOR_TOKEN } from "../api.js";
import { createAgent } from "../mesh/mesh-helpers.js";
import { agentClient, callTool, HUB_TOKEN, rawMcp } from "./mcp-client.js";

const unique = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
const agentObject = (name: string) => env.AGENT.get(env.AGENT.idFromName(name)) as unknown as DurableObjectStub;

/** Everything the Agent object stores, as text: its storage values and every SQLite row. */
const storedText = (name: string) =>
  runInDurableObject(agentObject(name), async (_instance: unknown, state: DurableObjectState) => {
    const rows = state.storage.sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'",
      )
      .toArray()
      .flatMap((table) => state.storage.sql.exec(`SELECT * FROM "${table.name}"`).toArray());
    return JSON.stringify({ kv: Object.fromEntries(await state.storage.list()), rows });
  });

describe("agent tokens", () => {
  it("POST /api/v1/agents answers the token once; the Agent object stores only its SHA-256", async () => {
    const agent = await createAgent(unique("tok"));
    expect(agent.token).toMatch(/^dmagent_[0-9a-f]{64}$/);
    const again = await api("GET", `/api/v1/agents/${agent.name}`);
    expect(again.status).toBe(200);
    expect(JSON.stringify(again.body)).not.toContain(agent.token);
    const stored = await storedText(agent.name);
    expect(stored).not.toContain(agent.token);
    expect(stored).not.toContain(agent.token.slice("dmagent_".length));
    expect(stored).toContain(agentTokenHash(agent.token));
    const other = await createAgent(unique("tok"));
    expect(other.token).not.toBe(agent.token);
  });

  it("opens the agent's own operator API and MCP server, and nothing else", async () => {
    const a = await createAgent(unique("own"));
    const b = await createAgent(unique("other"));
    const as = (method: string, path: string, body?: unknown) =>
      api(method, path, { token: a.token, ...(body !== undefined && { body }) });
    // its own API, reads and writes
    expect((await as("GET", `/api/v1/agents/${a.name}`)).status).toBe(200);
    expect((await as("GET", `/api/v1/agents/${a.name}/inbox`)).status).toBe(200);
    expect((await as("PUT", `/api/v1/agents/${a.name}/bio`, { bio: "set with my own token" })).body).toEqual({
      success: true,
      bio: "set with my own token",
    });
    // another agent, the agent list, creation and every other surface: a wrong token (403), as before
    for (const [method, path, body] of [
      ["GET", `/api/v1/agents/${b.name}`],
      ["PUT", `/api/v1/agents/${b.name}/bio`, { bio: "not yours" }],
      ["POST", `/api/v1/agents/${b.name}/token`],
      ["GET", "/api/v1/agents"],
      ["POST", "/api/v1/agents", { name: unique("made") }],
      ["POST", "/api/v1/worldlines", { name: "by an agent" }],
      ["GET", "/api/v1/events"],
      ["POST", "/api/v1/halo/cycles"],
    ] as const) {
      const reply = await as(method, path, body);
      expect([`${method} ${path}`, reply.status, reply.body.code]).toEqual([`${method} ${path}`, 403, "forbidden"]);
    }
    expect((await api("GET", `/api/v1/agents/${b.name}`)).body.bio).toBe(`agent ${b.name}`);
    // its own MCP server, not another agent's
    const own = await agentClient(a.name, a.token);
    expect((await callTool(own, "darkmatter_get_identity")).json.agent_id).toBe(a.agent_id);
    const refused = await rawMcp(b.name, { token: a.token, body: { jsonrpc: "2.0", id: 1, method: "tools/list" } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toMatch(/^Bearer /);
    await expect(agentClient(b.name, a.token)).rejects.toThrow();
  });

  it("rotation answers a new token once and refuses the old one from then on", async () => {
    const a = await createAgent(unique("rot"));
    const rotated = await api("POST", `/api/v1/agents/${a.name}/token`, { token: a.token });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({ name: a.name, agent_id: a.agent_id, token: expect.stringMatching(/^dmagent_/) });
    const fresh = rotated.body.token as string;
    expect(fresh).not.toBe(a.token);
    expect((await api("GET", `/api/v1/agents/${a.name}`, { token: a.token })).status).toBe(403);
    expect(
      (await rawMcp(a.name, { token: a.token, body: { jsonrpc: "2.0", id: 1, method: "tools/list" } })).status,
    ).toBe(401);
    expect((await api("GET", `/api/v1/agents/${a.name}`, { token: fresh })).status).toBe(200);
    expect((await callTool(await agentClient(a.name, fresh), "darkmatter_get_identity")).json.name).toBe(a.name);
    expect(await storedText(a.name)).not.toContain(fresh);
    // the operator may rotate it too, and then the agent's token is the operator's new one
    const byOperator = await api("POST", `/api/v1/agents/${a.name}/token`);
    expect(byOperator.status).toBe(200);
    expect((await api("GET", `/api/v1/agents/${a.name}`, { token: fresh })).status).toBe(403);
    expect((await api("GET", `/api/v1/agents/${a.name}`, { token: byOperator.body.token })).status).toBe(200);
    // nobody else may
    expect((await api("POST", `/api/v1/agents/${a.name}/token`, { token: null })).status).toBe(401);
    expect((await api("POST", "/api/v1/agents/nobody-here/token")).status).toBe(404);
  });

  it("the hub's token is DM_HUB_TOKEN: it opens the hub only, and the API cannot rotate it", async () => {
    const hub = await agentClient("hub", HUB_TOKEN);
    expect((await callTool(hub, "darkmatter_get_identity")).json.name).toBe("hub");
    expect((await api("GET", "/api/v1/agents/hub/inbox", { token: HUB_TOKEN })).status).toBe(200);
    const rotation = await api("POST", "/api/v1/agents/hub/token", { token: HUB_TOKEN });
    expect([rotation.status, rotation.body.code]).toEqual([409, "hub-token-is-a-secret"]);
    const other = await createAgent(unique("nothub"));
    expect((await api("GET", `/api/v1/agents/${other.name}`, { token: HUB_TOKEN })).status).toBe(403);
    // and no other token opens the hub
    for (const token of [other.token, "test-hub-token-not"]) {
      expect((await api("GET", "/api/v1/agents/hub", { token })).status).toBe(403);
      expect((await rawMcp("hub", { token, body: { jsonrpc: "2.0", id: 1, method: "ping" } })).status).toBe(401);
    }
    expect(
      (await rawMcp(other.name, { token: HUB_TOKEN, body: { jsonrpc: "2.0", id: 1, method: "ping" } })).status,
    ).toBe(401);
  });

  it("keeps the operator token's and the anonymous caller's answers as they were", async () => {
    const a = await createAgent(unique("same"));
    expect((await api("GET", `/api/v1/agents/${a.name}`, { token: OPERATOR_TOKEN })).status).toBe(200);
    const anonymous = await api("GET", `/api/v1/agents/${a.name}`, { token: null });
    expect([anonymous.status, anonymous.headers.get("www-authenticate")]).toEqual([401, 'Bearer realm="darkmatter"']);
    expect((await api("GET", `/api/v1/agents/${a.name}`, { token: "not-a-token" })).status).toBe(403);
    expect((await api("POST", "/api/v1/agents", { token: null, body: { name: unique("anon") } })).status).toBe(401);
    expect((await api("GET", "/api/v1/worldlines", { token: null })).status).toBe(200);
  });
});

describe("the agent MCP endpoint over HTTP", () => {
  const list = { jsonrpc: "2.0", id: 1, method: "tools/list" };

  it("answers 401 with WWW-Authenticate: Bearer without a token or with a wrong one", async () => {
    const a = await createAgent(unique("auth"));
    const none = await rawMcp(a.name, { token: null, body: list });
    expect([none.status, none.headers.get("www-authenticate")]).toEqual([401, 'Bearer realm="darkmatter"']);
    expect((await none.json()) as object).toMatchObject({ status: 401, code: "unauthorized" });
    const wrong = await rawMcp(a.name, { token: "dmagent_" + "0".repeat(64), body: list });
    expect([wrong.status, wrong.headers.get("www-authenticate")]).toEqual([
      401,
      'Bearer realm="darkmatter", error="invalid_token"',
    ]);
    await expect(agentClient(a.name, null)).rejects.toThrow();
  });

  it("answers 404 for a name not hosted here without creating any storage", async () => {
    const ghost = unique("ghost");
    const reply = await rawMcp(ghost, { body: list });
    expect(reply.status).toBe(404);
    const tables = await runInDurableObject(
      agentObject(ghost),
      (_instance: unknown, state: DurableObjectState) =>
        state.storage.sql.exec("SELECT name FROM sqlite_master").toArray().length,
    );
    expect(tables).toBe(0);
  });

  it("serves POST only, refuses foreign browser origins and bodies over its bound", async () => {
    const a = await createAgent(unique("http"));
    const get = await rawMcp(a.name, { method: "GET", headers: { accept: "text/event-stream" } });
    expect([get.status, get.headers.get("allow")]).toEqual([405, "POST"]);
    // the same problem documents as /mcp and the rest of the API (RFC 9457)
    expect(get.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(((await get.json()) as { code: string }).code).toBe("method-not-allowed");
    expect((await rawMcp(a.name, { method: "DELETE" })).status).toBe(405);
    const foreign = await rawMcp(a.name, { body: list, headers: { origin: "https://evil.example" } });
    expect(foreign.status).toBe(403);
    const own = await rawMcp(a.name, { body: list, headers: { origin: "http://localhost" } });
    expect(own.status).toBe(200);
    const huge = await rawMcp(a.name, {
      body: {
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "x", arguments: { pad: "x".repeat(300_000) } },
      },
    });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { code: string }).code).toBe("body-too-large");
  });

  it("keeps concurrent requests apart although servers are reused (each answers for its own agent)", async () => {
    const agents = await Promise.all([createAgent(unique("pool")), createAgent(unique("pool"))]);
    await api("PUT", `/api/v1/agents/${agents[1]!.name}/bio`, { body: { bio: "the second one" } });
    const identity = { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "darkmatter_get_identity" } };
    const answers = await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const agent = agents[i % 2]!;
        const reply = await rawMcp(agent.name, { token: agent.token, body: { ...identity, id: i } });
        const body = (await reply.json()) as { id: number; result: { structuredContent: { name: string } } };
        return [body.id, body.result.structuredContent.name];
      }),
    );
    expect(answers).toEqual(Array.from({ length: 24 }, (_, i) => [i, agents[i % 2]!.name]));
    // a tools/list after another agent's: darkmatter_status describes this agent, not the last one served
    const statusOf = async (name: string) => {
      const reply = await rawMcp(name, { body: { jsonrpc: "2.0", id: 1, method: "tools/list" } });
      const { result } = (await reply.json()) as { result: { tools: Array<{ name: string; description: string }> } };
      return result.tools.find((tool) => tool.name === "darkmatter_status")!.description;
    };
    const [first, second] = await Promise.all(agents.map((agent) => statusOf(agent.name)));
    expect(first).toContain("LIVE STATUS:");
    expect(first).not.toContain("(computed on tools/list)");
    expect(second).toContain("LIVE STATUS:");
  });
});

// The agent MCP servers (issue 14) over real HTTP against wrangler dev, with the official SDK's
// client over Streamable HTTP, as Claude Code or any MCP host would use them: initialize,
// tools/list (22, valid JSON Schemas), a whole conversation between two hosted agents driven only
// through their MCP servers, the hub with DM_HUB_TOKEN, 401 paths, an agent token refused on
// another agent, bad arguments as tool errors with field paths.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import Ajv from "ajv";
import { describe, expect, inject, it } from "vitest";
import { http } from "./http.js";

const suffix = Math.random().toString(16).slice(2, 8);
const mcpUrl = (name: string) => new URL(`${inject("baseUrl")}/agents/${name}/mcp`);

async function agent(n: string) {
  const created = await http("POST", "/api/v1/agents", { body: { name: `${n}-${suffix}`, bio: n } });
  expect(created.status).toBe(201);
  return created.body as { name: string; agent_id: string; url: string; token: string };
}

async function connect(name: string, token: string | null) {
  const transport = new StreamableHTTPClientTransport(mcpUrl(name), {
    ...(token !== null && { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
  });
  const client = new Client({ name: "darkmatter-e2e", version: "1.0.0" });
  await client.connect(transport);
  return { client, transport };
}

async function call(client: Client, name: string, params?: unknown) {
  const result = await client.callTool({ name, arguments: params === undefined ? {} : { params } });
  const text = (result.content as Array<{ text: string }>)[0]!.text;
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined; // plain text: darkmatter_status, or an error message
  }
  return { isError: result.isError === true, text, json };
}

describe("agent MCP servers over Streamable HTTP against wrangler dev", () => {
  it("initializes, lists 22 tools with valid JSON Schemas, and carries a conversation between two agents", async () => {
    const alice = await agent("alice");
    const bob = await agent("bob");
    const a = await connect(alice.name, alice.token);
    const b = await connect(bob.name, bob.token);
    expect(a.transport.protocolVersion).toBe(LATEST_PROTOCOL_VERSION);
    expect(a.client.getServerVersion()).toMatchObject({ name: "darkmatter-edge-agent" });
    expect(a.client.getInstructions()).toContain('"params"');

    const { tools } = await a.client.listTools();
    expect(tools).toHaveLength(22);
    const ajv = new Ajv({ strict: false });
    for (const tool of tools) {
      expect(tool.name).toMatch(/^darkmatter_/);
      expect(() => ajv.compile(tool.inputSchema), tool.name).not.toThrow();
    }
    const sendSchema = ajv.compile(tools.find((tool) => tool.name === "darkmatter_send_message")!.inputSchema);
    expect(sendSchema({ params: { content: "hi" } })).toBe(true);
    expect(sendSchema({ params: { content: "hi", hops_remaining: 0 } })).toBe(false);
    expect(sendSchema({ content: "hi" })).toBe(false);

    const requested = await call(a.client, "darkmatter_connection", { action: "request", target_url: bob.url });
    expect(requested.json).toMatchObject({ success: true, status: "pending" });
    const pending = (await call(b.client, "darkmatter_list_pending_requests")).json;
    expect(pending.requests).toEqual([expect.objectContaining({ from_agent_id: alice.agent_id })]);
    const accepted = await call(b.client, "darkmatter_connection", {
      action: "accept",
      request_id: pending.requests[0].request_id,
    });
    expect(accepted.json).toEqual({ success: true, accepted: true, agent_id: alice.agent_id });

    const sent = (
      await call(a.client, "darkmatter_send_message", { content: "ping over MCP", target_agent_id: bob.agent_id })
    ).json;
    expect(sent).toMatchObject({ success: true, routed_to: [bob.agent_id] });
    const inbox = (await call(b.client, "darkmatter_list_inbox")).json;
    expect(inbox).toMatchObject({ total: 1, messages: [{ message_id: sent.message_id, content: "ping over MCP" }] });
    expect((await call(b.client, "darkmatter_status")).text).toContain("ACTION: 1 message(s) in your inbox");
    const responded = await call(b.client, "darkmatter_respond_message", {
      message_id: sent.message_id,
      response: "pong over MCP",
    });
    expect(responded.json).toMatchObject({ success: true, error: null });
    const record = (await call(a.client, "darkmatter_get_sent_message", { message_id: sent.message_id })).json;
    expect(record).toMatchObject({
      status: "responded",
      response: { agent_id: bob.agent_id, response: "pong over MCP" },
    });
    // and the operator API sees the same state: one implementation, two surfaces
    expect((await http("GET", `/api/v1/agents/${alice.name}/sent/${sent.message_id}`)).body.status).toBe("responded");
    await a.client.close();
    await b.client.close();
  });

  it("opens the hub with DM_HUB_TOKEN, refuses missing, wrong and other agents' tokens with 401", async () => {
    const hub = await connect("hub", inject("hubToken"));
    expect((await call(hub.client, "darkmatter_get_identity")).json).toMatchObject({ name: "hub" });
    await hub.client.close();

    const carol = await agent("carol");
    const dave = await agent("dave");
    const post = (name: string, token: string | null) =>
      fetch(mcpUrl(name), {
        method: "POST",
        headers: {
          accept: "application/json, text/event-stream",
          "content-type": "application/json",
          ...(token !== null && { authorization: `Bearer ${token}` }),
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      });
    for (const [name, token] of [
      [carol.name, null],
      [carol.name, "dmagent_" + "0".repeat(64)],
      [dave.name, carol.token],
      ["hub", carol.token],
    ] as const) {
      const reply = await post(name, token);
      const text = await reply.text();
      expect([name, token?.slice(0, 12), reply.status, text.slice(0, 300)]).toEqual([
        name,
        token?.slice(0, 12),
        401,
        expect.stringContaining('"code":"unauthorized"'),
      ]);
      expect(reply.headers.get("www-authenticate")).toMatch(/^Bearer realm="darkmatter"/);
    }
    await expect(connect(dave.name, carol.token)).rejects.toThrow();
    expect((await post(`nobody-${suffix}`, carol.token)).status).toBe(404);
    expect((await post(carol.name, carol.token)).status).toBe(200);
  });

  it("answers a bad argument with a tool error naming the field", async () => {
    const erin = await agent("erin");
    const { client } = await connect(erin.name, erin.token);
    const bad = await call(client, "darkmatter_set_status", { status: "asleep" });
    expect(bad.isError).toBe(true);
    expect(bad.text).toContain("params.status");
    const missing = await client.callTool({ name: "darkmatter_update_bio", arguments: { bio: "flat" } });
    expect(missing.isError).toBe(true);
    expect((missing.content as Array<{ text: string }>)[0]!.text).toContain("params");
    await client.close();
  });
});

// Every tool of a hosted agent's MCP server (mesh spec §17) through the official SDK client,
// against the Worker's fetch handler: the tool list and its schemas, the live status, bad
// arguments, a whole conversation between two hosted agents driven only through their MCP
// servers, and each tool's result document.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signedPeerUpdate } from "../../src/core/mesh/message-signing.js";
import { newPassport } from "../../src/core/mesh/passport.js";
import { formatMeshTimestamp } from "../../src/core/mesh/timestamp.js";
import { MESH_TOOL_PARAMS, MESH_TOOLS } from "../../src/schemas/mesh-tools.js";
import { createAgent, mesh } from "../mesh/mesh-helpers.js";
import { agentClient, callTool } from "./mcp-client.js";

const unique = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
const agentObject = (name: string) => env.AGENT.get(env.AGENT.idFromName(name)) as unknown as DurableObjectStub;
// The agent's private state, for tests that must age or read it.
const inAgent = runInDurableObject as unknown as <T>(
  stub: DurableObjectStub,
  work: (instance: any) => Promise<T>,
) => Promise<T>;

/** A hosted agent and an MCP client of it that holds only the agent's own token. */
async function hostedWithClient(prefix: string) {
  const agent = await createAgent(unique(prefix));
  return { ...agent, client: await agentClient(agent.name, agent.token) };
}

type Hosted = Awaited<ReturnType<typeof hostedWithClient>>;

/** a requests, b accepts: both through their MCP servers (spec §10.2). */
async function connectThroughMcp(a: Hosted, b: Hosted) {
  const requested = await callTool(a.client, "darkmatter_connection", { action: "request", target_url: b.url });
  expect(requested.json).toEqual({ success: true, status: "pending", request_id: expect.any(String) });
  const pending = await callTool(b.client, "darkmatter_list_pending_requests");
  const request = pending.json.requests.find((r: { from_agent_id: string }) => r.from_agent_id === a.agent_id);
  const accepted = await callTool(b.client, "darkmatter_connection", {
    action: "accept",
    request_id: request.request_id,
  });
  expect(accepted.json).toEqual({ success: true, accepted: true, agent_id: a.agent_id }); // the peer now connected
}

describe("an agent's MCP server: the tools", () => {
  it("lists the 22 tools of §17 in its order, each with an object JSON Schema taking one params argument", async () => {
    const { client } = await hostedWithClient("list");
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual([...MESH_TOOLS]);
    for (const tool of tools) {
      expect(tool.inputSchema.type, tool.name).toBe("object");
      expect(tool.description, tool.name).toBeTruthy();
      expect(tool.annotations?.readOnlyHint, tool.name).toEqual(expect.any(Boolean));
      const params = (MESH_TOOL_PARAMS as Record<string, unknown>)[tool.name];
      if (!params) {
        expect(tool.inputSchema.properties ?? {}, tool.name).toEqual({});
        continue;
      }
      expect(Object.keys(tool.inputSchema.properties ?? {}), tool.name).toEqual(["params"]);
      expect(tool.inputSchema.required, tool.name).toEqual(["params"]);
      const inner = (tool.inputSchema.properties as Record<string, any>).params;
      expect(inner.type, tool.name).toBe("object");
      // every tool but set_rate_limit refuses unknown fields (pydantic extra="forbid", §17)
      expect(inner.additionalProperties, tool.name).toBe(tool.name === "darkmatter_set_rate_limit" ? undefined : false);
    }
    const send = tools.find((tool) => tool.name === "darkmatter_send_message")!;
    const sendParams = (send.inputSchema.properties as Record<string, any>).params;
    expect(Object.keys(sendParams.properties).sort()).toEqual(
      [
        "content",
        "force",
        "hops_remaining",
        "message_id",
        "metadata",
        "note",
        "target_agent_id",
        "target_agent_ids",
      ].sort(),
    );
    expect(sendParams.properties.hops_remaining).toMatchObject({ type: "integer", minimum: 1, maximum: 50 });
  });

  it("computes darkmatter_status's description afresh on every tools/list", async () => {
    const a = await hostedWithClient("live-a");
    const b = await hostedWithClient("live-b");
    const description = async (client: Hosted["client"]) =>
      (await client.listTools()).tools.find((tool) => tool.name === "darkmatter_status")!.description!;
    const before = await description(b.client);
    expect(before).toContain("stateless");
    expect(before).toContain(`LIVE STATUS: Agent: ${b.agent_id} | Status: active | Connections: 0/`);
    expect(before).toContain("Inbox: 0");
    expect(before).toContain("ACTION: no connections yet");
    await callTool(a.client, "darkmatter_connection", { action: "request", target_url: b.url });
    expect(await description(b.client)).toContain("ACTION: 1 agent(s) want to connect");
    const request = (await callTool(b.client, "darkmatter_list_pending_requests")).json.requests[0];
    await callTool(b.client, "darkmatter_connection", { action: "accept", request_id: request.request_id });
    await callTool(a.client, "darkmatter_send_message", { content: "are you there?", target_agent_id: b.agent_id });
    const after = await description(b.client);
    expect(after).toContain("Inbox: 1");
    expect(after).toContain("ACTION: 1 message(s) in your inbox");
    expect(after).not.toContain("want to connect");
    expect(await description(a.client)).toContain("ACTION: 1 sent message(s) awaiting a response");
    // a held message nearing its one-hour purge is called out
    await inAgent(agentObject(b.name), async (instance) => {
      instance.store.inbox[0].received_at = formatMeshTimestamp(Date.now() - 55 * 60_000);
    });
    expect(await description(b.client)).toContain("ACTION: 1 inbox message(s) will be purged within 10 minutes");
    const called = await callTool(b.client, "darkmatter_status");
    expect(called.isError).toBe(false);
    expect(called.text).toMatch(/^Agent: [0-9a-f]{64} \| Status: active \| Connections: 1\//);
    expect(called.text).toContain("ACTION: 1 inbox message(s) will be purged");
  });

  it("answers a bad argument with a tool error naming the field, and changes nothing", async () => {
    const a = await hostedWithClient("bad");
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ["darkmatter_update_bio", { params: { bio: "   " } }, "params.bio"],
      ["darkmatter_update_bio", { params: { bio: "x".repeat(1001) } }, "params.bio"],
      ["darkmatter_update_bio", { params: { bio: "fine", extra: 1 } }, "params"],
      ["darkmatter_update_bio", { bio: "not nested in params" }, "params"],
      ["darkmatter_send_message", { params: { content: "hi", hops_remaining: 0 } }, "params.hops_remaining"],
      ["darkmatter_send_message", { params: { content: "hi", hops_remaining: 51 } }, "params.hops_remaining"],
      ["darkmatter_send_message", { params: { content: "x".repeat(65_537) } }, "params.content"],
      ["darkmatter_connection", { params: { action: "befriend" } }, "params.action"],
      ["darkmatter_connection", { params: { action: "accept" } }, "params.request_id"],
      ["darkmatter_set_status", { params: { status: "inactive", duration_minutes: 1441 } }, "params.duration_minutes"],
      ["darkmatter_set_impression", { params: { agent_id: "x", impression: "y".repeat(2001) } }, "params.impression"],
      ["darkmatter_set_rate_limit", { params: { limit: 1.5 } }, "params.limit"],
      ["darkmatter_get_message", { params: {} }, "params.message_id"],
    ];
    for (const [name, args, field] of cases) {
      const answer = await callTool(a.client, name, undefined, args);
      expect([name, answer.isError], JSON.stringify(args).slice(0, 80)).toEqual([name, true]);
      expect(answer.text, name).toContain(field);
    }
    const identity = (await callTool(a.client, "darkmatter_get_identity")).json;
    expect(identity.bio).toBe(`agent ${a.name}`);
    expect(identity.sent_messages_count).toBe(0);
    expect(identity.status).toBe("active");
  });

  it("answers what the agent refuses as a tool error with the problem's detail", async () => {
    const a = await hostedWithClient("refuse");
    const unknown = await callTool(a.client, "darkmatter_get_message", { message_id: "msg-000000000000" });
    expect([unknown.isError, unknown.text]).toEqual([true, expect.stringContaining("(unknown-message)")]);
    const nobody = await callTool(a.client, "darkmatter_send_message", { content: "anyone?" });
    expect([nobody.isError, nobody.text]).toEqual([true, expect.stringContaining("(no-connections)")]);
    const strip = await callTool(a.client, "darkmatter_expire_message", { message_id: "  msg-000000000000  " });
    expect(strip.text).toContain('no sent message "msg-000000000000"'); // *strip* (§17): trimmed before use
  });

  it("carries a whole conversation between two hosted agents, driven only through their MCP servers", async () => {
    const a = await hostedWithClient("talk-a");
    const b = await hostedWithClient("talk-b");
    await connectThroughMcp(a, b);
    expect((await callTool(a.client, "darkmatter_list_connections")).json).toMatchObject({
      total: 1,
      connections: [{ agent_id: b.agent_id, direction: "outbound" }],
    });
    expect((await callTool(b.client, "darkmatter_list_pending_requests")).json).toEqual({ total: 0, requests: [] });

    const sent = await callTool(a.client, "darkmatter_send_message", {
      content: "What is the capital of Mars?",
      target_agent_id: b.agent_id,
      metadata: { topic: "geography" },
    });
    expect(sent.json).toEqual({
      success: true,
      message_id: expect.stringMatching(/^msg-[0-9a-f]{12}$/),
      routed_to: [b.agent_id],
      hops_remaining: 10,
      webhook: `${a.url}/__darkmatter__/webhook/${sent.json.message_id}`,
    });
    expect(sent.structured).toEqual(sent.json);
    const inbox = (await callTool(b.client, "darkmatter_list_inbox")).json;
    expect(inbox).toEqual({
      total: 1,
      messages: [
        {
          message_id: sent.json.message_id,
          content: "What is the capital of Mars?",
          webhook: sent.json.webhook,
          hops_remaining: 10,
          can_forward: true,
          from_agent_id: a.agent_id,
          verified: true,
          metadata: { topic: "geography" },
          received_at: expect.any(String),
        },
      ],
    });
    const held = (await callTool(b.client, "darkmatter_get_message", { message_id: sent.json.message_id })).json;
    expect(held).toMatchObject({ content: "What is the capital of Mars?", from_agent_id: a.agent_id });
    const answered = await callTool(b.client, "darkmatter_respond_message", {
      message_id: sent.json.message_id,
      response: "Olympus City, for now.",
    });
    expect(answered.json).toEqual({
      success: true,
      message_id: sent.json.message_id,
      webhook_called: sent.json.webhook,
      response_time_ms: expect.any(Number),
      error: null,
    });
    expect((await callTool(b.client, "darkmatter_list_inbox")).json).toEqual({ total: 0, messages: [] });

    const record = (await callTool(a.client, "darkmatter_get_sent_message", { message_id: sent.json.message_id })).json;
    expect(record).toEqual({
      message_id: sent.json.message_id,
      content: "What is the capital of Mars?",
      status: "responded",
      initial_hops: 10,
      forwarding_count: 0,
      routed_to: [b.agent_id],
      created_at: expect.any(String),
      updates: [],
      response: {
        agent_id: b.agent_id,
        response: "Olympus City, for now.",
        metadata: { topic: "geography" },
        timestamp: expect.any(String),
      },
    });
    expect((await callTool(a.client, "darkmatter_list_messages")).json).toEqual({
      total: 1,
      messages: [
        {
          message_id: sent.json.message_id,
          content: "What is the capital of Mars?",
          status: "responded",
          initial_hops: 10,
          forwarding_count: 0,
          updates_count: 0,
          created_at: record.created_at,
        },
      ],
    });
    expect((await callTool(b.client, "darkmatter_get_identity")).json.messages_handled).toBeGreaterThanOrEqual(1);
    const left = await callTool(a.client, "darkmatter_connection", { action: "disconnect", agent_id: b.agent_id });
    expect(left.json).toEqual({ success: true, disconnected_from: b.agent_id });
  });

  it("forwards with a note, expires, and abbreviates long content in the lists", async () => {
    const a = await hostedWithClient("fwd-a");
    const b = await hostedWithClient("fwd-b");
    const c = await hostedWithClient("fwd-c");
    await connectThroughMcp(a, b);
    await connectThroughMcp(b, c);
    const long = "é".repeat(250);
    const sent = (await callTool(a.client, "darkmatter_send_message", { content: long, target_agent_id: b.agent_id }))
      .json;
    expect((await callTool(b.client, "darkmatter_list_inbox")).json.messages[0].content).toBe("é".repeat(200) + "...");
    const forwarded = await callTool(b.client, "darkmatter_send_message", {
      message_id: sent.message_id,
      target_agent_id: c.agent_id,
      note: "c knows accents",
    });
    expect(forwarded.json).toEqual({
      success: true,
      message_id: sent.message_id,
      hops_remaining_for_targets: 9,
      results: [{ agent_id: c.agent_id, success: true }],
      note: "c knows accents",
    });
    expect((await callTool(c.client, "darkmatter_get_message", { message_id: sent.message_id })).json.content).toBe(
      long,
    );
    const listed = (await callTool(a.client, "darkmatter_list_messages")).json.messages[0];
    expect(listed).toMatchObject({ content: "é".repeat(200) + "...", forwarding_count: 1, updates_count: 1 });
    const detail = (await callTool(a.client, "darkmatter_get_sent_message", { message_id: sent.message_id })).json;
    expect(detail.updates).toEqual([expect.objectContaining({ type: "forwarded", note: "c knows accents" })]);
    expect((await callTool(a.client, "darkmatter_expire_message", { message_id: sent.message_id })).json).toEqual({
      success: true,
      message_id: sent.message_id,
      status: "expired",
    });
    expect((await callTool(a.client, "darkmatter_expire_message", { message_id: sent.message_id })).json.status).toBe(
      "already expired",
    );
  });

  it("sets bio, status, impressions and rate limits, and answers network_info", async () => {
    const a = await hostedWithClient("self-a");
    const b = await hostedWithClient("self-b");
    const c = await hostedWithClient("self-c");
    await connectThroughMcp(a, b);
    await connectThroughMcp(b, c);
    expect(
      (await callTool(a.client, "darkmatter_update_bio", { bio: "  I route questions about Mars.  " })).json,
    ).toEqual({ success: true, bio: "I route questions about Mars." });
    expect((await mesh("GET", `/agents/${a.name}/.well-known/darkmatter.json`)).body.bio).toBe(
      "I route questions about Mars.",
    );
    const inactive = (await callTool(a.client, "darkmatter_set_status", { status: "inactive", duration_minutes: 5 }))
      .json;
    expect(inactive).toEqual({
      success: true,
      status: "inactive",
      inactive_until: expect.any(String),
      duration_minutes: 5,
    });
    expect((await callTool(a.client, "darkmatter_status")).text).toContain(
      "ACTION: you are inactive for 5 more minute(s)",
    );
    expect((await callTool(a.client, "darkmatter_set_status", { status: "active" })).json).toEqual({
      success: true,
      status: "active",
    });
    expect(
      (await callTool(b.client, "darkmatter_set_impression", { agent_id: c.agent_id, impression: "answers fast" }))
        .json,
    ).toEqual({ success: true, agent_id: c.agent_id, action: "created", impression: "answers fast" });
    expect((await callTool(b.client, "darkmatter_get_impression", { agent_id: c.agent_id })).json).toEqual({
      agent_id: c.agent_id,
      has_impression: true,
      impression: "answers fast",
    });
    expect(
      (await callTool(a.client, "darkmatter_ask_impression", { ask_agent_id: b.agent_id, about_agent_id: c.agent_id }))
        .json,
    ).toEqual({
      success: true,
      asked: b.agent_id,
      about: c.agent_id,
      has_impression: true,
      impression: "answers fast",
    });
    expect((await callTool(a.client, "darkmatter_set_rate_limit", { limit: 0 })).json).toEqual({
      success: true,
      scope: "global",
      rate_limit: 0,
      effective: 200,
    });
    expect((await callTool(a.client, "darkmatter_set_rate_limit", { agent_id: b.agent_id, limit: -1 })).json).toEqual({
      success: true,
      agent_id: b.agent_id,
      rate_limit: -1,
      effective: "unlimited",
    });
    expect((await callTool(a.client, "darkmatter_network_info")).json).toEqual({
      agent_id: a.agent_id,
      display_name: a.name,
      public_key_hex: a.agent_id,
      agent_url: a.url,
      bio: "I route questions about Mars.",
      accepting_connections: true,
      peers: [{ agent_id: b.agent_id, agent_url: expect.stringContaining(b.name), agent_bio: `agent ${b.name}` }],
    });
  });

  it("never shows the private key, and hands out this node's replication recipe", async () => {
    const a = await hostedWithClient("secret");
    const privateKey = await inAgent(
      agentObject(a.name),
      async (instance) => instance.store.profile.privateKeyHex as string,
    );
    expect(privateKey).toMatch(/^[0-9a-f]{64}$/);
    const identity = await callTool(a.client, "darkmatter_get_identity");
    expect(identity.json).toMatchObject({ name: a.name, agent_id: a.agent_id, public_key_hex: a.agent_id, url: a.url });
    expect(identity.json.private_key_hex).toBeUndefined();
    const template = await callTool(a.client, "darkmatter_get_server_template");
    expect(template.json).toMatchObject({
      template_from: a.agent_id,
      core_primitives: expect.arrayContaining(["darkmatter_connection", "darkmatter_send_message"]),
      protocol_summary: { protocol_version: "0.2", limits: { content_code_points: 65_536 } },
    });
    const steps = Object.values(template.json.bootstrap_instructions as Record<string, string>).join("\n");
    expect(steps).toContain("npm install");
    expect(steps).toContain("npm start");
    expect(steps).toContain("wrangler deploy");
    expect(steps).toContain(a.url);
    for (const name of MESH_TOOLS.filter((tool) => !(tool in MESH_TOOL_PARAMS)))
      expect((await callTool(a.client, name)).text, name).not.toContain(privateKey);
  });

  it("discovers a domain's well-known document under the SSRF rule", async () => {
    const a = await hostedWithClient("disc-a");
    const b = await hostedWithClient("disc-b");
    const discover = async (domain: string) =>
      (await callTool(a.client, "darkmatter_discover_domain", { domain })).json;
    expect(await discover("http://localhost/")).toMatchObject({ found: true, darkmatter: true, anchor: true });
    expect(await discover(` ${b.url} `)).toMatchObject({ found: true, agent_id: b.agent_id, mcp_url: `${b.url}/mcp` });
    expect(await discover("http://localhost/agents/nobody-here")).toEqual({ found: false, error: "HTTP 404" });
    for (const domain of ["127.0.0.1:8100", "localhost", "http://10.0.0.7", "http://[::1]:8101", "169.254.169.254"])
      expect(await discover(domain), domain).toEqual({
        found: false,
        error: "URL must not target private or link-local IP addresses.",
      });
  });

  it("says LAN discovery does not exist at the edge, and lists the hosted agents and the anchor's registrations", async () => {
    const a = await hostedWithClient("local-a");
    const b = await hostedWithClient("local-b");
    const node = newPassport();
    const registered = await mesh(
      "POST",
      "/__darkmatter__/peer_update",
      await signedPeerUpdate(node, "https://node.example.com:8101", formatMeshTimestamp(Date.now())),
      { "cf-connecting-ip": "198.51.100.77" },
    );
    expect(registered.status).toBe(200);
    const local = (await callTool(a.client, "darkmatter_discover_local")).json;
    expect(local.discovery_enabled).toBe(false);
    expect(local.note).toContain("do not exist at the edge");
    expect(local.total).toBe(local.peers.length);
    expect(local.peers).toContainEqual({
      agent_id: b.agent_id,
      url: b.url,
      source: "hosted",
      name: b.name,
      last_seen: expect.any(Number),
    });
    expect(local.peers).toContainEqual({
      agent_id: node.agentId,
      url: "https://node.example.com:8101",
      source: "anchor",
      last_seen: expect.any(Number),
    });
    expect(local.peers.map((peer: { agent_id: string }) => peer.agent_id)).not.toContain(a.agent_id);
  });
});

import { describe, expect, it } from "vitest";
import { formatMeshTimestamp } from "../../src/core/mesh/timestamp.js";
import { signedMessageBody } from "../../src/core/mesh/message-signing.js";
import { newPassport } from "../../src/core/mesh/passport.js";
import { api, OPERATOR_TOKEN } from "../api.js";
import {
  ConnectionList,
  ConnectionResult,
  DropResult,
  ExpireResult,
  ImpressionSetResult,
  InboxList,
  PendingRequestList,
  RateLimitResult,
  RespondResult,
  SendResult,
  SentList,
  StatusResult,
} from "../../src/schemas/agents.js";
import { ImpressionReply } from "../../src/schemas/mesh.js";
import { InboxMessage, SentMessage } from "../../src/schemas/mesh-state.js";
import { runInDurableObject as runIn } from "cloudflare:test";
import { agentUrl, connect, connection, createAgent, mesh, send } from "./mesh-helpers.js";

// The agent's private state, for tests that must age or rewrite it.
const runInDurableObject = runIn as unknown as (
  stub: DurableObjectStub,
  work: (instance: any) => Promise<void>,
) => Promise<void>;

describe("hosted agents", () => {
  it("always has a hub whose agent_id is its public key, and lists created agents", async () => {
    const hub = (await api("GET", "/api/v1/agents/hub")).body;
    expect(hub.agent_id).toMatch(/^[0-9a-f]{64}$/);
    expect(hub.public_key_hex).toBe(hub.agent_id);
    expect(hub.url).toBe(agentUrl("hub"));
    const alpha = await createAgent("alpha");
    expect(alpha.agent_id).not.toBe(hub.agent_id);
    const names = (await api("GET", "/api/v1/agents")).body.items.map((a: { name: string }) => a.name);
    expect(names).toEqual(expect.arrayContaining(["hub", "alpha"]));
    expect((await api("POST", "/api/v1/agents", { body: { name: "alpha" } })).status).toBe(409);
    expect((await api("POST", "/api/v1/agents", { body: { name: "Bad Name" } })).status).toBe(400);
    expect((await api("GET", "/api/v1/agents/nobody")).status).toBe(404);
    expect((await api("GET", "/api/v1/agents", { token: null })).status).toBe(401);
  });

  it("serves the §8.1 well-known document, status and network_info with agent_id = public key", async () => {
    const beta = await createAgent("beta");
    const wellKnown = (await mesh("GET", "/agents/beta/.well-known/darkmatter.json")).body;
    expect(Object.keys(wellKnown).sort()).toEqual([
      "accepting_connections",
      "agent_id",
      "bio",
      "darkmatter",
      "display_name",
      "mcp_url",
      "mesh_url",
      "protocol_version",
      "public_key_hex",
      "status",
      "webrtc_enabled",
    ]);
    expect(wellKnown).toMatchObject({
      darkmatter: true,
      protocol_version: "0.2",
      agent_id: beta.agent_id,
      public_key_hex: beta.agent_id,
      mesh_url: `${agentUrl("beta")}/__darkmatter__`,
      mcp_url: `${agentUrl("beta")}/mcp`,
    });
    const status = (await mesh("GET", "/agents/beta/__darkmatter__/status")).body;
    expect(status).toMatchObject({
      agent_id: beta.agent_id,
      public_key_hex: beta.agent_id,
      status: "active",
      num_connections: 0,
    });
    const root = (await mesh("GET", "/.well-known/darkmatter.json")).body;
    expect(root).toMatchObject({ darkmatter: true, anchor: true, protocol_version: "0.2" });
    expect(root.agent_id).toBeUndefined();
    expect(root.agents.map((a: { name: string }) => a.name)).toContain("beta");
  });
});

describe("connections and messages between hosted agents", () => {
  it("connects two agents through request and accept, pinning each other's keys", async () => {
    const a = await createAgent("conn-a");
    const b = await createAgent("conn-b");
    const requested = await connection("conn-a", { action: "request", target_url: `${agentUrl("conn-b")}/mcp/` });
    expect(requested.body).toMatchObject({ success: true, status: "pending" });
    expect(requested.body.request_id).toMatch(/^req-[0-9a-f]{8}$/);
    const pending = (await api("GET", "/api/v1/agents/conn-b/connections/pending")).body;
    expect(pending.requests[0]).toMatchObject({
      from_agent_id: a.agent_id,
      from_agent_url: agentUrl("conn-a"),
      from_agent_public_key_hex: a.agent_id,
    });
    const accepted = await connection("conn-b", { action: "accept", request_id: requested.body.request_id });
    expect(accepted.body).toMatchObject({ success: true, accepted: true, agent_id: a.agent_id });
    const aSide = (await api("GET", "/api/v1/agents/conn-a/connections")).body.connections;
    const bSide = (await api("GET", "/api/v1/agents/conn-b/connections")).body.connections;
    expect(aSide).toEqual([
      expect.objectContaining({
        agent_id: b.agent_id,
        agent_url: `${agentUrl("conn-b")}/mcp`,
        agent_public_key_hex: b.agent_id,
        direction: "outbound",
      }),
    ]);
    expect(bSide).toEqual([
      expect.objectContaining({
        agent_id: a.agent_id,
        agent_url: agentUrl("conn-a"),
        agent_public_key_hex: a.agent_id,
        direction: "inbound",
      }),
    ]);
    const info = (
      await mesh("GET", "/agents/conn-b/__darkmatter__/network_info", undefined, {
        authorization: `Bearer ${OPERATOR_TOKEN}`,
      })
    ).body;
    expect(info.peers).toEqual([{ agent_id: a.agent_id, agent_url: agentUrl("conn-a"), agent_bio: "agent conn-a" }]);
    expect((await mesh("GET", "/agents/conn-b/__darkmatter__/network_info")).body.peers).toEqual([]); // connections are private (test/mesh/privacy.test.ts)
    // a second request from an already connected agent is auto-accepted
    const again = await connection("conn-b", { action: "request", target_url: agentUrl("conn-a") });
    expect(again.body).toMatchObject({ status: "connected", agent_id: a.agent_id });
  });

  it("sends a signed message that the receiver verifies, and carries the response back through the webhook", async () => {
    await createAgent("msg-a");
    const b = await createAgent("msg-b");
    await connect("msg-a", "msg-b");
    const sent = await send("msg-a", { content: "hello, b", target_agent_id: b.agent_id, metadata: { task: 7 } });
    expect(sent.body).toMatchObject({ success: true, routed_to: [b.agent_id], hops_remaining: 10 });
    expect(sent.body.webhook).toBe(`${agentUrl("msg-a")}/__darkmatter__/webhook/${sent.body.message_id}`);
    const inbox = (await api("GET", "/api/v1/agents/msg-b/inbox")).body.items;
    expect(inbox).toEqual([
      expect.objectContaining({
        message_id: sent.body.message_id,
        content: "hello, b",
        verified: true,
        hops_remaining: 10,
        metadata: { task: 7 },
      }),
    ]);
    const responded = await api("POST", `/api/v1/agents/msg-b/messages/${sent.body.message_id}/respond`, {
      body: { response: "hi, a" },
    });
    expect(responded.body).toMatchObject({ success: true, error: null });
    const record = (await api("GET", `/api/v1/agents/msg-a/sent/${sent.body.message_id}`)).body;
    expect(record).toMatchObject({ status: "responded", response: { response: "hi, a", metadata: { task: 7 } } });
    expect((await api("GET", "/api/v1/agents/msg-b/inbox")).body.items).toEqual([]);
  });

  it("answers its listings in exactly the shapes the OpenAPI document gives them", async () => {
    await createAgent("shape-a");
    const b = await createAgent("shape-b");
    await createAgent("shape-c");
    await connect("shape-a", "shape-b");
    await connection("shape-c", { action: "request", target_url: agentUrl("shape-b") }); // left pending at b
    await api("PUT", `/api/v1/agents/shape-a/impressions/${b.agent_id}`, { body: { impression: "reliable" } });
    const sent = (await send("shape-a", { content: "shapes", target_agent_id: b.agent_id })).body;
    // Strict schemas: a field added or renamed without the document knowing fails here.
    const connections = ConnectionList.parse((await api("GET", "/api/v1/agents/shape-a/connections")).body);
    expect(connections.max_connections).toBe(1000); // DM_MAX_CONNECTIONS (vitest.config.mts), not the spec's default 50
    expect(connections.connections).toEqual([
      expect.objectContaining({ agent_id: b.agent_id, impression: "reliable", messages_sent: 1 }),
    ]);
    expect(
      PendingRequestList.parse((await api("GET", "/api/v1/agents/shape-b/connections/pending")).body).requests,
    ).toHaveLength(1);
    expect(
      InboxList.parse((await api("GET", "/api/v1/agents/shape-b/inbox")).body).items.map((m) => m.message_id),
    ).toEqual([sent.message_id]);
    expect(InboxMessage.parse((await api("GET", `/api/v1/agents/shape-b/inbox/${sent.message_id}`)).body).content).toBe(
      "shapes",
    );
    expect(SentList.parse((await api("GET", "/api/v1/agents/shape-a/sent")).body).items[0]!.message_id).toBe(
      sent.message_id,
    );
    expect(SentMessage.parse((await api("GET", `/api/v1/agents/shape-a/sent/${sent.message_id}`)).body).status).toBe(
      "active",
    );
  });

  it("answers every operator action in exactly the shape the OpenAPI document gives it", async () => {
    await createAgent("act-a");
    const b = await createAgent("act-b");
    const c = await createAgent("act-c");
    const requested = ConnectionResult.parse(
      (await connection("act-a", { action: "request", target_url: agentUrl("act-b") })).body,
    );
    expect(requested).toMatchObject({ status: "pending" });
    const pendingId = (await api("GET", "/api/v1/agents/act-b/connections/pending")).body.requests[0].request_id;
    expect(
      ConnectionResult.parse((await connection("act-b", { action: "accept", request_id: pendingId })).body),
    ).toEqual({ success: true, accepted: true, agent_id: (await api("GET", "/api/v1/agents/act-a")).body.agent_id });
    await connect("act-b", "act-c");
    await connection("act-c", { action: "request", target_url: agentUrl("act-a") });
    const toReject = (await api("GET", "/api/v1/agents/act-a/connections/pending")).body.requests[0].request_id;
    expect(
      ConnectionResult.parse((await connection("act-a", { action: "reject", request_id: toReject })).body),
    ).toEqual({ success: true, rejected: toReject });

    const fresh = SendResult.parse((await send("act-a", { content: "to b", target_agent_id: b.agent_id })).body);
    expect(fresh).toMatchObject({ success: true, routed_to: [b.agent_id] });
    const forwarded = SendResult.parse(
      (await send("act-b", { message_id: fresh.message_id, target_agent_id: c.agent_id })).body,
    );
    expect(forwarded).toMatchObject({ success: true, results: [{ agent_id: c.agent_id, success: true }] });
    const answered = RespondResult.parse(
      (await api("POST", `/api/v1/agents/act-c/messages/${fresh.message_id}/respond`, { body: { response: "done" } }))
        .body,
    );
    expect(answered).toMatchObject({ success: true, error: null });
    expect(
      ExpireResult.parse((await api("POST", `/api/v1/agents/act-a/messages/${fresh.message_id}/expire`)).body).status,
    ).toBe("expired");
    expect(DropResult.parse((await api("DELETE", "/api/v1/agents/act-c/inbox")).body)).toEqual({ dropped: 0 });

    expect(
      ImpressionSetResult.parse(
        (await api("PUT", `/api/v1/agents/act-a/impressions/${b.agent_id}`, { body: { impression: "fast" } })).body,
      ).action,
    ).toBe("created");
    expect(ImpressionReply.parse((await api("GET", `/api/v1/agents/act-a/impressions/${b.agent_id}`)).body)).toEqual({
      agent_id: b.agent_id,
      has_impression: true,
      impression: "fast",
    });
    expect(
      RateLimitResult.parse((await api("PUT", "/api/v1/agents/act-a/rate-limits", { body: { limit: 5 } })).body),
    ).toEqual({ success: true, scope: "global", rate_limit: 5, effective: 5 });
    expect(
      RateLimitResult.parse(
        (await api("PUT", "/api/v1/agents/act-a/rate-limits", { body: { agent_id: b.agent_id, limit: -1 } })).body,
      ),
    ).toEqual({ success: true, agent_id: b.agent_id, rate_limit: -1, effective: "unlimited" });
    expect(
      StatusResult.parse(
        (await api("PUT", "/api/v1/agents/act-a/status", { body: { active: false, duration_minutes: 5 } })).body,
      ),
    ).toMatchObject({ status: "inactive", inactive_until: expect.any(String), duration_minutes: 5 });
    expect(
      ConnectionResult.parse((await connection("act-a", { action: "disconnect", agent_id: b.agent_id })).body),
    ).toEqual({ success: true, disconnected_from: b.agent_id });
  });

  it("forwards through a third agent, forks to two targets, refuses loops, and honours expiry", async () => {
    await createAgent("fw-a");
    const b = await createAgent("fw-b");
    const c = await createAgent("fw-c");
    const d = await createAgent("fw-d");
    await connect("fw-a", "fw-b");
    await connect("fw-b", "fw-c");
    await connect("fw-b", "fw-d");
    const sent = (await send("fw-a", { content: "find me an answer", target_agent_id: b.agent_id, hops_remaining: 3 }))
      .body;
    const forwarded = await send("fw-b", {
      message_id: sent.message_id,
      target_agent_ids: [c.agent_id, d.agent_id],
      note: "fan out",
    });
    expect(forwarded.body).toMatchObject({
      success: true,
      hops_remaining_for_targets: 2,
      results: [
        { agent_id: c.agent_id, success: true },
        { agent_id: d.agent_id, success: true },
      ],
    });
    const cInbox = (await api("GET", "/api/v1/agents/fw-c/inbox")).body.items;
    expect(cInbox[0]).toMatchObject({
      message_id: sent.message_id,
      from_agent_id: b.agent_id,
      hops_remaining: 2,
      verified: true,
    });
    const record = (await api("GET", `/api/v1/agents/fw-a/sent/${sent.message_id}`)).body;
    expect(record.updates.map((u: { type: string; target_agent_id: string }) => [u.type, u.target_agent_id])).toEqual([
      ["forwarded", c.agent_id],
      ["forwarded", d.agent_id],
    ]);

    // c tries to send it back to b... c is not connected to b in that direction? c holds an inbound record of b: forward to b is a loop only if b was a recorded target
    await connect("fw-c", "fw-d");
    const loop = await send("fw-c", { message_id: sent.message_id, target_agent_id: d.agent_id });
    expect([loop.status, loop.body.code]).toEqual([409, "forward-refused-loop"]);
    expect((await api("GET", "/api/v1/agents/fw-c/inbox")).body.items).toHaveLength(1); // kept after a loop refusal

    // the originator expires it: the next forward is refused and the message dropped
    expect((await api("POST", `/api/v1/agents/fw-a/messages/${sent.message_id}/expire`)).body.status).toBe("expired");
    const afterExpiry = await send("fw-c", { message_id: sent.message_id, target_agent_id: d.agent_id, force: true });
    expect([afterExpiry.status, afterExpiry.body.code]).toEqual([409, "forward-refused-expired"]);
    expect((await api("GET", "/api/v1/agents/fw-c/inbox")).body.items).toHaveLength(0);

    // d answers anyway: a response is recorded even after expiry (§8.6)
    await api("POST", `/api/v1/agents/fw-d/messages/${sent.message_id}/respond`, { body: { response: "42" } });
    expect((await api("GET", `/api/v1/agents/fw-a/sent/${sent.message_id}`)).body).toMatchObject({
      status: "responded",
      response: { agent_id: d.agent_id, response: "42" },
    });
  });

  it("rejects unknown targets, empty sends and missing params with clear problems", async () => {
    await createAgent("lonely");
    expect((await send("lonely", { content: "anyone?" })).body.code).toBe("no-connections");
    expect((await send("lonely", { content: "x", target_agent_id: "f".repeat(64) })).body.code).toBe("not-connected");
    expect((await send("lonely", { content: "x", message_id: "msg-1" })).status).toBe(400);
    expect((await connection("lonely", { action: "accept" })).body.errors[0].path).toBe("/request_id");
    expect((await connection("lonely", { action: "request", target_url: "ftp://x" })).status).toBeGreaterThanOrEqual(
      400,
    );
    expect(
      (await api("POST", "/api/v1/agents/lonely/messages/msg-none/respond", { body: { response: "x" } })).status,
    ).toBe(404);
  });

  it("tells a connection that does not exist (404 unknown-connection) from a peer it cannot send to (422 not-connected)", async () => {
    await createAgent("unconnected");
    const stranger = "e".repeat(64);
    const problemOf = (reply: { status: number; body: { code: string } }) => [reply.status, reply.body.code];
    expect(problemOf(await connection("unconnected", { action: "disconnect", agent_id: stranger }))).toEqual([
      404,
      "unknown-connection",
    ]);
    expect(
      problemOf(await api("PUT", "/api/v1/agents/unconnected/rate-limits", { body: { agent_id: stranger, limit: 5 } })),
    ).toEqual([404, "unknown-connection"]);
    expect(problemOf(await send("unconnected", { content: "hi", target_agent_id: stranger }))).toEqual([
      422,
      "not-connected",
    ]);
    expect(
      problemOf(
        await api("POST", `/api/v1/agents/unconnected/impressions/${stranger}/ask`, { body: { peer: stranger } }),
      ),
    ).toEqual([422, "not-connected"]);
  });
});

describe("what a hosted agent refuses on the wire", () => {
  async function pair() {
    const target = await createAgent(`wire-${crypto.randomUUID().slice(0, 8)}`);
    const peer = newPassport();
    // make `peer` a connection of `target` by a connection request + operator accept
    const requested = await mesh("POST", `/agents/${target.name}/__darkmatter__/connection_request`, {
      from_agent_id: peer.agentId,
      from_agent_url: "https://peer.example.com",
      from_agent_public_key_hex: peer.publicKeyHex,
    });
    await connection(target.name, { action: "accept", request_id: requested.body.request_id });
    return { target, peer };
  }
  const message = async (
    peer: ReturnType<typeof newPassport>,
    overrides: Record<string, unknown> = {},
    at = Date.now(),
  ) => ({
    ...(await signedMessageBody(peer, {
      message_id: `msg-${crypto.randomUUID().slice(0, 12)}`,
      content: "hi",
      webhook: "https://peer.example.com/__darkmatter__/webhook/x",
      hops_remaining: 5,
      metadata: {},
      timestamp: formatMeshTimestamp(at),
    })),
    ...overrides,
  });

  it("stores nothing for a stale timestamp, a replayed id, a forged signature or a foreign key", async () => {
    const { target, peer } = await pair();
    const path = `/agents/${target.name}/__darkmatter__/message`;
    const good = await message(peer);
    expect((await mesh("POST", path, good)).body).toEqual({ success: true, queued: true, queue_position: 1 });
    const replay = await mesh("POST", path, good);
    expect([replay.status, replay.body]).toEqual([409, { error: "Duplicate message — already received" }]);
    const stale = await mesh("POST", path, await message(peer, {}, Date.now() - 6 * 60_000));
    expect([stale.status, stale.body.error]).toEqual([403, "Message timestamp too old — possible replay"]);
    const forged = await mesh("POST", path, { ...(await message(peer)), content: "tampered" });
    expect([forged.status, forged.body.error]).toEqual([
      403,
      "Invalid signature — message authenticity could not be verified.",
    ]);
    const stranger = newPassport();
    const foreign = await mesh("POST", path, await message(stranger, { from_agent_id: peer.agentId }));
    expect([foreign.status, foreign.body.error]).toEqual([
      403,
      "Public key mismatch — sender key does not match stored key for this connection.",
    ]);
    const unknown = await mesh("POST", path, await message(stranger));
    expect([unknown.status, unknown.body.error]).toEqual([
      403,
      "Not connected — only connected agents can send messages.",
    ]);
    expect((await api("GET", `/api/v1/agents/${target.name}/inbox`)).body.items).toHaveLength(1);
  });

  it("refuses to call a webhook on a private address and drops the message", async () => {
    const { target, peer } = await pair();
    const held = await message(peer, {}, Date.now());
    held.webhook = "http://10.0.0.7/__darkmatter__/webhook/x";
    // the signature does not cover the webhook (§6.1), so the message is still valid
    expect((await mesh("POST", `/agents/${target.name}/__darkmatter__/message`, held)).status).toBe(200);
    const responded = await api(
      "POST",
      `/agents/${target.name}/messages/${held.message_id}/respond`.replace("/agents/", "/api/v1/agents/"),
      { body: { response: "no" } },
    );
    expect([responded.status, responded.body.code]).toEqual([422, "webhook-blocked"]);
    expect(responded.body.detail).toContain("must not target private or link-local IP addresses");
    expect((await api("GET", `/api/v1/agents/${target.name}/inbox`)).body.items).toHaveLength(0);
  });

  it("answers JSON objects everywhere: 501 for WebRTC, 400 for non-object bodies, 404 for trailing slashes, 401 for accept_pending", async () => {
    const { target } = await pair();
    const base = `/agents/${target.name}/__darkmatter__`;
    expect(await mesh("POST", `${base}/webrtc_offer`, "not json")).toMatchObject({
      status: 501,
      body: { error: "WebRTC not available (aiortc not installed)" },
    });
    expect(await mesh("POST", `${base}/message`, [1, 2])).toMatchObject({ status: 400 });
    const slash = await mesh("GET", `${base}/status/`);
    expect([slash.status, slash.contentType]).toEqual([404, "application/json"]);
    expect(await mesh("GET", `${base}/message`)).toMatchObject({ status: 405 });
    expect((await mesh("POST", `${base}/accept_pending`, { request_id: "req-00000000" })).status).toBe(401);
    expect(await mesh("GET", "/agents/nobody-here/__darkmatter__/status")).toMatchObject({
      status: 404,
      contentType: "application/json",
    });
    expect((await mesh("GET", `/agents/${target.name}/mcp/__darkmatter__/impression/${"a".repeat(64)}`)).body).toEqual({
      agent_id: "a".repeat(64),
      has_impression: false,
    });
  });

  it("answers 503 while inactive and 429 past the per-connection limit", async () => {
    const { target, peer } = await pair();
    const path = `/agents/${target.name}/__darkmatter__/message`;
    await api("PUT", `/api/v1/agents/${target.name}/status`, { body: { active: false, duration_minutes: 5 } });
    expect((await mesh("POST", path, await message(peer))).body).toEqual({ error: "Agent is currently inactive" });
    await api("PUT", `/api/v1/agents/${target.name}/status`, { body: { active: true } });
    await api("PUT", `/api/v1/agents/${target.name}/rate-limits`, { body: { agent_id: peer.agentId, limit: 2 } });
    expect((await mesh("POST", path, await message(peer))).status).toBe(200);
    expect((await mesh("POST", path, await message(peer))).status).toBe(200);
    expect((await mesh("POST", path, await message(peer))).body).toEqual({
      error: "Rate limit exceeded for this connection (2 requests per 60s)",
    });
  });
});

describe("timers and healing", () => {
  it("purges inbox messages older than an hour when its alarm runs", async () => {
    const { runDurableObjectAlarm } = await import("cloudflare:test");
    const { env } = await import("cloudflare:workers");
    await createAgent("purge-a");
    const b = await createAgent("purge-b");
    await connect("purge-a", "purge-b");
    const sent = (await send("purge-a", { content: "old news", target_agent_id: b.agent_id })).body;
    const stub = env.AGENT.get(env.AGENT.idFromName("purge-b")) as unknown as DurableObjectStub;
    await runInDurableObject(stub, async (instance: any) => {
      const old = formatMeshTimestamp(Date.now() - 3601_000);
      instance.store.replaceInbox(
        instance.store.inbox.map((m: { received_at: string }) => ({ ...m, received_at: old })),
      );
    });
    await runDurableObjectAlarm(stub);
    expect(
      (await api("GET", "/api/v1/agents/purge-b/inbox")).body.items.map((m: { message_id: string }) => m.message_id),
    ).not.toContain(sent.message_id);
  });

  it("accepts a signed peer_update from a connection and serves the new URL in peer_lookup", async () => {
    const target = await createAgent("pu-target");
    const peer = newPassport();
    const requested = await mesh("POST", `/agents/${target.name}/__darkmatter__/connection_request`, {
      from_agent_id: peer.agentId,
      from_agent_url: "https://peer.example.com",
      from_agent_public_key_hex: peer.publicKeyHex,
    });
    await connection(target.name, { action: "accept", request_id: requested.body.request_id });
    const { signedPeerUpdate } = await import("../../src/core/mesh/message-signing.js");
    const update = await signedPeerUpdate(peer, "https://moved.example.com", formatMeshTimestamp(Date.now()));
    expect((await mesh("POST", `/agents/${target.name}/__darkmatter__/peer_update`, update)).body).toEqual({
      success: true,
      updated: true,
    });
    expect((await mesh("GET", `/agents/${target.name}/__darkmatter__/peer_lookup/${peer.agentId}`)).body).toEqual({
      agent_id: peer.agentId,
      url: "https://moved.example.com",
      status: "connected",
    });
    const unsigned = await mesh("POST", `/agents/${target.name}/__darkmatter__/peer_update`, {
      agent_id: peer.agentId,
      new_url: "https://evil.example.com",
    });
    expect([unsigned.status, unsigned.body.error]).toEqual([403, "Signature required — known public key on file"]);
  });

  it("announces a changed public URL to its connections with a signed peer_update", async () => {
    const { env } = await import("cloudflare:workers");
    await createAgent("move-a");
    await createAgent("move-b");
    await connect("move-a", "move-b");
    // pretend move-b last announced another URL (as after a DM_PUBLIC_URL change)
    await runInDurableObject(
      env.AGENT.get(env.AGENT.idFromName("move-b")) as unknown as DurableObjectStub,
      async (instance: any) => {
        instance.store.profile.advertisedUrl = "http://old-host.example/agents/move-b";
      },
    );
    // a's stored URL for b is deliberately stale, so only the broadcast can fix it
    await runInDurableObject(
      env.AGENT.get(env.AGENT.idFromName("move-a")) as unknown as DurableObjectStub,
      async (instance: any) => {
        for (const c of instance.store.connections.values()) c.agent_url = "http://old-host.example/agents/move-b/mcp";
      },
    );
    await mesh("GET", "/agents/move-b/__darkmatter__/status"); // any request lets b notice
    let url = "";
    for (let i = 0; i < 50 && !url.startsWith(agentUrl("move-b")); i++) {
      const peers = (await api("GET", "/api/v1/agents/move-a/connections")).body.connections;
      url = peers[0].agent_url;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(url).toBe(agentUrl("move-b"));
  });
});

describe("inbox housekeeping", () => {
  it("lets the operator drop one held message or all of them", async () => {
    await createAgent("drop-a");
    const b = await createAgent("drop-b");
    await connect("drop-a", "drop-b");
    const first = (await send("drop-a", { content: "one", target_agent_id: b.agent_id })).body;
    await send("drop-a", { content: "two", target_agent_id: b.agent_id });
    await send("drop-a", { content: "three", target_agent_id: b.agent_id });
    expect((await api("DELETE", `/api/v1/agents/drop-b/inbox/${first.message_id}`)).body).toEqual({ dropped: 1 });
    expect((await api("DELETE", "/api/v1/agents/drop-b/inbox/msg-unknown")).status).toBe(404);
    expect((await api("DELETE", "/api/v1/agents/drop-b/inbox")).body).toEqual({ dropped: 2 });
    expect((await api("GET", "/api/v1/agents/drop-b/inbox")).body.items).toEqual([]);
  });
});

describe("mesh events", () => {
  it("reports connection changes and received messages as events of the receiving agent", async () => {
    const { allEvents, eventually } = await import("../events/helpers.js");
    const a = await createAgent("ev-a");
    const b = await createAgent("ev-b");
    await connect("ev-a", "ev-b");
    const sent = (await send("ev-a", { content: "hello events", target_agent_id: b.agent_id })).body;
    const received = await eventually(
      async () =>
        (await allEvents({ type: "mesh.message.received", agent: b.agent_id })).find(
          (e) => (e.data as { messageId: string }).messageId === sent.message_id,
        ),
      "mesh.message.received",
    );
    expect(received.data).toMatchObject({ fromAgent: a.agent_id, signed: true, bytes: 12, hopsRemaining: 10 });
    const changes = await eventually(async () => {
      const events = await allEvents({ type: "mesh.connection.changed", agent: b.agent_id });
      return events.length >= 2 && events;
    }, "connection events");
    expect(changes.map((e) => (e.data as { change: string }).change)).toEqual(
      expect.arrayContaining(["requested", "accepted"]),
    );
  });
});

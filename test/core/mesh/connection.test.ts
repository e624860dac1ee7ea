// §20 "Connections": the handshake of §8.2–§8.4 and §10, both sides.
import { describe, expect, it } from "vitest";
import {
  connectionRequestBody,
  interpretConnectionRequestReply,
  matchNodePath,
  meshEndpointUrl,
  newPassport,
  REQUEST_ID_PATTERN,
} from "../../../src/core/mesh/index.js";
import { T0, TestNode } from "./test-node.js";

const requester = newPassport();
const request = (overrides: Record<string, unknown> = {}) => ({
  from_agent_id: requester.agentId,
  from_agent_url: "http://127.0.0.1:8101",
  from_agent_bio: "a python peer",
  from_agent_public_key_hex: requester.publicKeyHex,
  from_agent_display_name: "node-a",
  ...overrides,
});

describe("§20 Connections", () => {
  it("§20: connection_request with valid fields returns 200 auto_accepted:false and a request_id matching req-[0-9a-f]{8}", async () => {
    const node = await TestNode.start();
    const reply = await node.connectionRequest(request());
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      auto_accepted: false,
      request_id: expect.stringMatching(REQUEST_ID_PATTERN),
      message: "Connection request queued. Awaiting agent decision.",
    });
    const queued = [...node.pending.values()][0]!;
    expect(queued).toMatchObject({
      from_agent_url: "http://127.0.0.1:8101",
      from_agent_public_key_hex: requester.publicKeyHex,
      mutual: false,
    });
  });

  it("§20: connection_request from an already-connected agent returns 200 auto_accepted:true with agent_id, agent_url ending /mcp, agent_bio, agent_public_key_hex, agent_display_name, message", async () => {
    const node = await TestNode.start("https://edge.example.com/a/123");
    await node.connect(requester.agentId, { key: requester.publicKeyHex });
    const reply = await node.connectionRequest(request());
    expect(reply).toEqual({
      status: 200,
      body: {
        auto_accepted: true,
        agent_id: node.passport.agentId,
        agent_url: "https://edge.example.com/a/123/mcp",
        agent_bio: "test node",
        agent_public_key_hex: node.passport.publicKeyHex,
        agent_display_name: "node-under-test",
        message: "Already connected.",
      },
    });
    expect(node.pending.size).toBe(0);
  });

  it("pins the key and display name of an already-connected agent whose connection has no key yet (§5.6 QUIRK)", async () => {
    const node = await TestNode.start();
    await node.connect(requester.agentId, { key: null });
    await node.connectionRequest(request());
    expect(node.connections.get(requester.agentId)).toMatchObject({
      agent_public_key_hex: requester.publicKeyHex,
      agent_display_name: "node-a",
    });
  });

  it("§20: connection_request missing from_agent_url returns 400 Missing required fields; a non-http URL returns 400 with the scheme message", async () => {
    const node = await TestNode.start();
    expect(await node.connectionRequest(request({ from_agent_url: undefined }))).toEqual({
      status: 400,
      body: { error: "Missing required fields" },
    });
    expect(await node.connectionRequest(request({ from_agent_url: "ws://127.0.0.1:8101" }))).toEqual({
      status: 400,
      body: { error: "URL scheme must be http or https, got 'ws'." },
    });
  });

  it("§20: a connection_request bio of 1500 characters is stored truncated to 1000", async () => {
    const node = await TestNode.start();
    await node.connectionRequest(request({ from_agent_bio: "b".repeat(1500) }));
    expect([...node.pending.values()][0]!.from_agent_bio).toBe("b".repeat(1000));
  });

  it("§20: the 51st pending request returns 429 Too many pending requests", async () => {
    const node = await TestNode.start();
    // each from its own client: this checks the capacity, not a client's budget or its share of pending requests
    for (let i = 0; i < 50; i++) expect((await node.connectionRequest(request(), `client-${i}`)).status).toBe(200); // no de-duplication (§8.2)
    expect(await node.connectionRequest(request(), "client-50")).toEqual({
      status: 429,
      body: { error: "Too many pending requests" },
    });
  });

  it("counts connection_requests against the client's budget before reading the body, so malformed ones consume it (§12.2, issue 11)", async () => {
    const node = await TestNode.start();
    node.clientLimit = 2;
    await node.setRateLimit(1); // the node-wide window is for connected peers: never spent here
    expect((await node.connectionRequest("not json")).status).toBe(400);
    expect((await node.connectionRequest("{}")).status).toBe(400);
    expect(await node.connectionRequest(request())).toEqual({
      status: 429,
      body: { error: "Rate limit exceeded for your address (2 requests per 60s)" },
    });
    expect(node.globalWindow).toEqual([]);
  });

  it("§20: the node's outgoing connection_request body has from_agent_url equal to its bare P (no /mcp)", async () => {
    const node = await TestNode.start("https://edge.example.com");
    expect(connectionRequestBody(node.identity)).toEqual({
      from_agent_id: node.passport.agentId,
      from_agent_url: "https://edge.example.com",
      from_agent_bio: "test node",
      from_agent_public_key_hex: node.passport.publicKeyHex,
      from_agent_display_name: "node-under-test",
    });
    expect(connectionRequestBody(node.identity, { mutual: true }).mutual).toBe(true);
  });

  it("§20: the node accepts target_url as base, base/, base/mcp, base/mcp/ and base/__darkmatter__, all hitting <base>/__darkmatter__/connection_request", () => {
    for (const target of [
      "http://h:8100",
      "http://h:8100/",
      "http://h:8100/mcp",
      "http://h:8100/mcp/",
      "http://h:8100/__darkmatter__",
    ]) {
      expect(meshEndpointUrl(target, "connection_request")).toBe("http://h:8100/__darkmatter__/connection_request");
    }
  });

  it("§20: an unsolicited connection_accepted returns 403 No pending outbound connection request for this agent.", async () => {
    const node = await TestNode.start();
    const reply = await node.connectionAccepted({
      agent_id: requester.agentId,
      agent_url: "http://127.0.0.1:8102/mcp",
    });
    expect(reply).toEqual({ status: 403, body: { error: "No pending outbound connection request for this agent." } });
  });

  it("§20: a connection_accepted whose agent_url is the dialled URL plus /mcp is accepted and creates an outbound connection with the presented key", async () => {
    const node = await TestNode.start();
    const result = interpretConnectionRequestReply(
      "http://127.0.0.1:8102/mcp/",
      200,
      { auto_accepted: false, request_id: "req-0badc0de" },
      { now: T0 },
    );
    expect(result).toEqual({
      kind: "pending",
      requestId: "req-0badc0de",
      pendingOutbound: { url: "http://127.0.0.1:8102" },
    });
    await node.addPendingOutbound((result as { pendingOutbound: { url: string } }).pendingOutbound);
    const acceptor = newPassport();
    const reply = await node.connectionAccepted({
      agent_id: acceptor.agentId,
      agent_url: "http://127.0.0.1:8102/mcp",
      agent_bio: "b",
      agent_public_key_hex: acceptor.publicKeyHex,
      agent_display_name: null,
    });
    expect(reply).toEqual({ status: 200, body: { success: true } });
    expect(node.connections.get(acceptor.agentId)).toMatchObject({
      direction: "outbound",
      agent_url: "http://127.0.0.1:8102/mcp",
      agent_public_key_hex: acceptor.publicKeyHex,
    });
    expect(node.pendingOutbound).toEqual([]);
  });

  it("matches acceptances by exact base string: localhost is not 127.0.0.1 and :443 is not the default port (§7.3)", async () => {
    const node = await TestNode.start();
    await node.addPendingOutbound({ url: "http://localhost:8102" }, { url: "https://x.example" });
    expect((await node.connectionAccepted({ agent_id: "a", agent_url: "http://127.0.0.1:8102/mcp" })).status).toBe(403);
    expect((await node.connectionAccepted({ agent_id: "b", agent_url: "https://x.example:443/mcp" })).status).toBe(403);
  });

  it("accepts an acceptance from the agent the dialled well-known document named, storing the dialled URL (§19.1)", async () => {
    const node = await TestNode.start();
    const acceptor = newPassport();
    await node.addPendingOutbound({ url: "https://dialled.example.com", expectedAgentId: acceptor.agentId });
    const reply = await node.connectionAccepted({
      agent_id: acceptor.agentId,
      agent_url: "http://203.0.113.9:8102/mcp",
      agent_public_key_hex: acceptor.publicKeyHex,
    });
    expect(reply.status).toBe(200);
    expect(node.connections.get(acceptor.agentId)!.agent_url).toBe("https://dialled.example.com");
    const impostor = await TestNode.start();
    await impostor.addPendingOutbound({ url: "https://dialled.example.com", expectedAgentId: acceptor.agentId });
    expect(
      (
        await impostor.connectionAccepted({
          agent_id: acceptor.agentId,
          agent_url: "http://203.0.113.9/mcp",
          agent_public_key_hex: newPassport().publicKeyHex,
        })
      ).status,
    ).toBe(403);
  });

  it("§20: accepting a request POSTs to <normalised from_agent_url>/__darkmatter__/connection_accepted a body with agent_id, agent_url (= P + /mcp), agent_bio, agent_public_key_hex, agent_display_name", async () => {
    const node = await TestNode.start("https://edge.example.com");
    await node.connectionRequest(request({ from_agent_url: "http://127.0.0.1:8103/mcp" }));
    const requestId = [...node.pending.keys()][0]!;
    const { status, body, outcome } = await node.acceptPending({ request_id: requestId });
    expect(status).toBe(200);
    expect(body).toEqual({ success: true, accepted: true, agent_id: requester.agentId });
    expect(outcome.notify).toEqual({
      url: "http://127.0.0.1:8103/__darkmatter__/connection_accepted",
      body: {
        agent_id: node.passport.agentId,
        agent_url: "https://edge.example.com/mcp",
        agent_bio: "test node",
        agent_public_key_hex: node.passport.publicKeyHex,
        agent_display_name: "node-under-test",
      },
    });
    expect(node.calls).toEqual([{ url: outcome.notify!.url, method: "POST", body: outcome.notify!.body }]); // and it was sent
    expect(node.connections.get(requester.agentId)).toMatchObject({
      direction: "inbound",
      agent_url: "http://127.0.0.1:8103/mcp",
      agent_public_key_hex: requester.publicKeyHex,
    });
    expect(node.pending.size).toBe(0);
    expect(outcome.reverseRequest).toBeUndefined();
  });

  it("§20: accepting a mutual:true request also sends a non-mutual connection request back", async () => {
    const node = await TestNode.start("https://edge.example.com");
    await node.connectionRequest(request({ mutual: true }));
    const { outcome } = await node.acceptPending({ request_id: [...node.pending.keys()][0] });
    expect(outcome.reverseRequest).toEqual({
      url: "http://127.0.0.1:8101/__darkmatter__/connection_request",
      targetUrl: "http://127.0.0.1:8101",
      body: connectionRequestBody(node.identity),
    });
    expect(outcome.reverseRequest!.body).not.toHaveProperty("mutual");
    // and it was sent, after the target's well-known document was asked who it is (§19.1)
    expect(node.calls.slice(1)).toEqual([
      { url: "http://127.0.0.1:8101/.well-known/darkmatter.json", method: "GET" },
      {
        url: "http://127.0.0.1:8101/__darkmatter__/connection_request",
        method: "POST",
        body: connectionRequestBody(node.identity),
      },
    ]);
  });

  it("§20: the node serves /mcp/__darkmatter__/connection_accepted as an alias (Python's un-normalised accept path)", () => {
    expect(matchNodePath("POST", "/mcp/__darkmatter__/connection_accepted")).toMatchObject({
      kind: "endpoint",
      endpoint: "connection_accepted",
      isMcpAlias: true,
    });
    expect(matchNodePath("POST", "/mcp/__darkmatter__/message")).toEqual({ kind: "not-found" });
  });

  it("answers accept_pending errors as the reference: missing ID 400, unknown 404, connection limit 429", async () => {
    const node = await TestNode.start();
    expect((await node.acceptPending({})).body).toEqual({ error: "Missing request_id" });
    expect(await node.acceptPending({ request_id: "req-00000000" })).toMatchObject({
      status: 404,
      body: { error: "No pending request with ID 'req-00000000'" },
    });
    await node.connectionRequest(request());
    node.maxConnections = 0;
    expect(await node.acceptPending({ request_id: [...node.pending.keys()][0] })).toMatchObject({
      status: 429,
      body: { error: "Connection limit reached (0)" },
    });
  });

  it("turns an auto-accept reply into an outbound connection and a non-JSON reply into 'not a DarkMatter node'", () => {
    const acceptor = newPassport();
    const reply = {
      auto_accepted: true,
      agent_id: acceptor.agentId,
      agent_url: "http://h:8102/mcp",
      agent_bio: "x",
      agent_public_key_hex: acceptor.publicKeyHex,
      agent_display_name: null,
      message: "Already connected.",
    };
    expect(interpretConnectionRequestReply("http://h:8102", 200, reply, { now: T0 })).toMatchObject({
      kind: "connected",
      connection: {
        agent_id: acceptor.agentId,
        agent_url: "http://h:8102/mcp",
        direction: "outbound",
        agent_public_key_hex: acceptor.publicKeyHex,
      },
    });
    expect(interpretConnectionRequestReply("http://h:8102", 200, "<html>", { now: T0 })).toEqual({
      kind: "not-darkmatter",
    });
    expect(
      interpretConnectionRequestReply("http://h:8102", 429, { error: "Too many pending requests" }, { now: T0 }),
    ).toEqual({
      kind: "refused",
      status: 429,
      error: "Too many pending requests",
    });
  });
});

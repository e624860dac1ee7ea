// §20 "Message receipt (POST /__darkmatter__/message)", every line, through the receive path of
// the Agent Durable Object (src/mesh/agent/inbound.ts) on real storage (test-node.ts).
import { describe, expect, it } from "vitest";
import { newPassport, signedMessageBody, formatMeshTimestamp } from "../../../src/core/mesh/index.js";
import { signedMessage, T0, TestNode } from "./test-node.js";

async function connectedPair(options: { pinned?: boolean } = {}) {
  const node = await TestNode.start();
  const peer = newPassport();
  await node.connect(peer.agentId, { key: options.pinned === false ? null : peer.publicKeyHex });
  return { node, peer };
}

describe("§20 Message receipt (POST /__darkmatter__/message)", () => {
  it("§20: a correctly signed message from a connected peer returns 200 {success:true, queued:true, queue_position:n}", async () => {
    const { node, peer } = await connectedPair();
    expect(await node.message(await signedMessage(peer, node.now))).toEqual({
      status: 200,
      body: { success: true, queued: true, queue_position: 1 },
    });
    expect(await node.message(await signedMessage(peer, node.now))).toEqual({
      status: 200,
      body: { success: true, queued: true, queue_position: 2 },
    });
    expect(node.inbox[0]!.verified).toBe(true);
  });

  it("§20: the same message_id again within 300 s returns 409 Duplicate message — already received", async () => {
    const { node, peer } = await connectedPair();
    const message = await signedMessage(peer, node.now);
    await node.message(message);
    node.now += 299_000;
    expect(await node.message(message)).toEqual({
      status: 409,
      body: { error: "Duplicate message — already received" },
    });
  });

  it("records no message_id of a sender that is not connected (§20 says 409 on a re-send; issue 11: strangers cost no storage)", async () => {
    const node = await TestNode.start();
    const stranger = newPassport();
    const message = await signedMessage(stranger, node.now);
    expect((await node.message(message)).status).toBe(403);
    expect(await node.replayCacheSize()).toBe(0);
    await node.connect(stranger.agentId, { key: stranger.publicKeyHex });
    expect((await node.message(message)).status).toBe(200);
  });

  it("consumes the ID of a connected peer's verified message even when it is then refused (§6.5), but not a forgery's", async () => {
    const { node, peer } = await connectedPair();
    const message = await signedMessage(peer, node.now);
    expect((await node.message({ ...message, signature_hex: "0".repeat(128) })).status).toBe(403);
    expect(await node.replayCacheSize()).toBe(0);
    await node.setRateLimit(1, peer.agentId);
    expect((await node.message(await signedMessage(peer, node.now))).status).toBe(200);
    expect((await node.message(message)).status).toBe(429);
    expect(await node.message(message)).toEqual({
      status: 409,
      body: { error: "Duplicate message — already received" },
    });
  });

  it("§20: a message_id may be reused after 300 s", async () => {
    const { node, peer } = await connectedPair();
    const first = await signedMessage(peer, node.now);
    await node.message(first);
    node.now += 300_000;
    const reused = await signedMessageBody(peer, {
      message_id: first.message_id as string,
      content: "hello again",
      webhook: "https://sender.example.com/__darkmatter__/webhook/x",
      hops_remaining: 10,
      metadata: {},
      timestamp: formatMeshTimestamp(node.now),
    });
    expect((await node.message(reused)).status).toBe(200);
  });

  it("§20: missing message_id, content or webhook returns 400 Missing required fields", async () => {
    const { node, peer } = await connectedPair();
    for (const field of ["message_id", "content", "webhook"]) {
      const message = await signedMessage(peer, node.now);
      delete message[field];
      expect(await node.message(message)).toEqual({ status: 400, body: { error: "Missing required fields" } });
    }
    expect((await node.message(await signedMessage(peer, node.now, { content: "" }))).body).toEqual({
      error: "Missing required fields",
    });
  });

  it("§20: content of 65 536 code points passes the size check; 65 537 returns 413", async () => {
    const { node, peer } = await connectedPair({ pinned: false });
    const unsigned = (content: string) => ({
      message_id: `m-${content.length}`,
      content,
      webhook: "https://a.example/w",
      from_agent_id: peer.agentId,
    });
    expect((await node.message(unsigned("a".repeat(65_536)))).status).toBe(200);
    expect(await node.message(unsigned("a".repeat(65_537)))).toEqual({
      status: 413,
      body: { error: "Content exceeds 65536 bytes" },
    });
  });

  it("§20: content of 65 536 astral-plane characters (131 072 UTF-16 units) passes the size check", async () => {
    const { node, peer } = await connectedPair();
    const content = "\u{1F600}".repeat(65_536);
    expect(content.length).toBe(131_072);
    const body = await signedMessageBody(peer, {
      message_id: "msg-emoji000000",
      content,
      webhook: "https://a.example/w",
      hops_remaining: 3,
      metadata: {},
      timestamp: formatMeshTimestamp(node.now),
    });
    expect((await node.message(body)).status).toBe(200);
    const tooLong = { ...body, message_id: "msg-emoji000001", content: `${content}\u{1F600}` };
    expect((await node.message(tooLong)).status).toBe(413);
  });

  it("§20: from_agent_id of 129 code points returns 400 from_agent_id too long", async () => {
    const { node, peer } = await connectedPair();
    const message = await signedMessage(peer, node.now, { from_agent_id: "é".repeat(129) });
    expect(await node.message(message)).toEqual({ status: 400, body: { error: "from_agent_id too long" } });
  });

  it("§20: webhook ftp://… returns 400 starting with Invalid webhook:", async () => {
    const { node, peer } = await connectedPair();
    const reply = await node.message(await signedMessage(peer, node.now, { webhook: "ftp://files.example.com/x" }));
    expect(reply).toEqual({
      status: 400,
      body: { error: "Invalid webhook: URL scheme must be http or https, got 'ftp'." },
    });
  });

  it("§20: unknown from_agent_id returns 403 Not connected — only connected agents can send messages.", async () => {
    const node = await TestNode.start();
    const reply = await node.message(await signedMessage(newPassport(), node.now));
    expect(reply).toEqual({ status: 403, body: { error: "Not connected — only connected agents can send messages." } });
  });

  it("§20: an unsigned message from a connection with a stored key returns 403 Signature required — …", async () => {
    const { node, peer } = await connectedPair();
    const reply = await node.message(await signedMessage(peer, node.now, { signature_hex: null }));
    expect(reply).toEqual({
      status: 403,
      body: { error: "Signature required — this connection has a known public key." },
    });
  });

  it("§20: a presented key different from the stored key returns 403 Public key mismatch — …", async () => {
    const { node, peer } = await connectedPair();
    const reply = await node.message(
      await signedMessage(peer, node.now, { from_public_key_hex: newPassport().publicKeyHex }),
    );
    expect(reply).toEqual({
      status: 403,
      body: { error: "Public key mismatch — sender key does not match stored key for this connection." },
    });
  });

  it("§20: tampered content with a valid-looking signature returns 403 Invalid signature — …", async () => {
    const { node, peer } = await connectedPair();
    const reply = await node.message(await signedMessage(peer, node.now, { content: "hello mesh!" }));
    expect(reply).toEqual({
      status: 403,
      body: { error: "Invalid signature — message authenticity could not be verified." },
    });
  });

  it("§20: a valid signature with a timestamp 6 minutes old returns 403 Message timestamp too old — possible replay", async () => {
    const { node, peer } = await connectedPair();
    const reply = await node.message(await signedMessage(peer, node.now - 6 * 60_000));
    expect(reply).toEqual({ status: 403, body: { error: "Message timestamp too old — possible replay" } });
  });

  it("§20: a valid signature with a naive (offset-less) timestamp returns 403 (stale)", async () => {
    const { node, peer } = await connectedPair();
    const naive = formatMeshTimestamp(node.now).replace("+00:00", "");
    const body = await signedMessageBody(peer, {
      message_id: "msg-naive0000000",
      content: "x",
      webhook: "https://a.example/w",
      hops_remaining: 1,
      metadata: {},
      timestamp: naive,
    });
    expect(await node.message(body)).toEqual({
      status: 403,
      body: { error: "Message timestamp too old — possible replay" },
    });
  });

  it("§20: the first signed message from a key-less connection pins the presented key; a later message signed by another key is rejected", async () => {
    const { node, peer } = await connectedPair({ pinned: false });
    expect((await node.message(await signedMessage(peer, node.now))).status).toBe(200);
    expect(node.connections.get(peer.agentId)!.agent_public_key_hex).toBe(peer.publicKeyHex);
    const impostor = newPassport();
    const forged = await signedMessage(impostor, node.now, { from_agent_id: peer.agentId });
    expect((await node.message(forged)).status).toBe(403);
    expect(
      (
        await node.message(
          await signedMessage(impostor, node.now, { from_agent_id: peer.agentId, from_public_key_hex: null }),
        )
      ).body,
    ).toEqual({
      error: "Invalid signature — message authenticity could not be verified.",
    });
  });

  it("§20: an unsigned message from a key-less connection is queued with verified: false", async () => {
    const { node, peer } = await connectedPair({ pinned: false });
    const reply = await node.message({
      message_id: "msg-unsigned0000",
      content: "hi",
      webhook: "https://a.example/w",
      from_agent_id: peer.agentId,
    });
    expect(reply.status).toBe(200);
    expect(node.inbox[0]!.verified).toBe(false);
    expect(node.connections.get(peer.agentId)!.agent_public_key_hex).toBeNull();
  });

  it("§20: hops_remaining missing, negative or non-integer is stored as 10; 1000 is stored as 1000", async () => {
    const { node, peer } = await connectedPair();
    const cases: Array<[unknown, number]> = [
      [undefined, 10],
      [-1, 10],
      [2.5, 10],
      ["3", 10],
      [null, 10],
      [1000, 1000],
      [0, 0],
      [true, 1],
    ];
    for (const [hops, stored] of cases) {
      const message = await signedMessage(peer, node.now, hops === undefined ? {} : { hops_remaining: hops });
      if (hops === undefined) delete message.hops_remaining;
      expect((await node.message(message)).status).toBe(200);
      expect(node.inbox.at(-1)!.hops_remaining).toBe(stored);
    }
  });

  it("§20: a full inbox (50) returns 429 Message queue full", async () => {
    const { node, peer } = await connectedPair();
    await node.setRateLimit(-1, peer.agentId);
    for (let i = 0; i < 50; i++) expect((await node.message(await signedMessage(peer, node.now))).status).toBe(200);
    expect(await node.message(await signedMessage(peer, node.now))).toEqual({
      status: 429,
      body: { error: "Message queue full" },
    });
  });

  it("§20: an inactive node returns 503 Agent is currently inactive for message and connection_request", async () => {
    const { node, peer } = await connectedPair();
    await node.setActive(false);
    const inactive = { status: 503, body: { error: "Agent is currently inactive" } };
    expect(await node.message(await signedMessage(peer, node.now))).toEqual(inactive);
    expect(
      await node.connectionRequest({ from_agent_id: peer.agentId, from_agent_url: "https://peer.example.com" }),
    ).toEqual(inactive);
  });

  it("§20: the 31st message from one connection within 60 s returns 429 Rate limit exceeded for this connection (30 requests per 60s)", async () => {
    const { node, peer } = await connectedPair();
    for (let i = 0; i < 30; i++) {
      await node.clearInbox(); // keep the inbox limit out of the way
      expect((await node.message(await signedMessage(peer, node.now))).status).toBe(200);
    }
    expect(await node.message(await signedMessage(peer, node.now))).toEqual({
      status: 429,
      body: { error: "Rate limit exceeded for this connection (30 requests per 60s)" },
    });
    expect(node.connections.get(peer.agentId)!.messages_declined).toBe(1);
  });

  it("§20: a rate-limited message's ID is answered 409 when resent within 300 s", async () => {
    const { node, peer } = await connectedPair();
    await node.setRateLimit(1, peer.agentId);
    await node.message(await signedMessage(peer, node.now));
    const limited = await signedMessage(peer, node.now);
    expect((await node.message(limited)).status).toBe(429);
    node.now += 61_000; // the rate window has passed; the replay window has not
    expect((await node.message(limited)).status).toBe(409);
  });
});

describe("message receipt beyond the checklist", () => {
  it("answers invalid JSON with 400 Invalid JSON body and a non-object body with 400, never 500", async () => {
    const node = await TestNode.start();
    expect(await node.message("{not json")).toEqual({ status: 400, body: { error: "Invalid JSON body" } });
    expect((await node.message("[1,2]")).status).toBe(400);
    expect((await node.message('"text"')).status).toBe(400);
  });

  it("answers wrong field types with 400 before consuming the message ID", async () => {
    const { node, peer } = await connectedPair();
    const message = await signedMessage(peer, node.now);
    expect((await node.message({ ...message, content: 42 })).status).toBe(400);
    expect((await node.message(message)).status).toBe(200);
  });

  it("refuses message IDs longer than 128 code points before anything is recorded (issue 11; the reference cut them when stored)", async () => {
    const { node, peer } = await connectedPair({ pinned: false });
    const longId = "x".repeat(129);
    expect(
      await node.message({
        message_id: longId,
        content: "hi",
        webhook: "https://a.example/w",
        from_agent_id: peer.agentId,
      }),
    ).toEqual({ status: 400, body: { error: "message_id too long" } });
    expect([node.inbox.length, await node.replayCacheSize()]).toEqual([0, 0]);
    expect(
      (
        await node.message({
          message_id: "x".repeat(128),
          content: "hi",
          webhook: "https://a.example/w",
          from_agent_id: peer.agentId,
        })
      ).status,
    ).toBe(200);
  });

  it("accepts a future timestamp within the 300 s skew window and refuses one beyond it", async () => {
    const { node, peer } = await connectedPair();
    expect((await node.message(await signedMessage(peer, node.now + 299_000))).status).toBe(200);
    expect((await node.message(await signedMessage(peer, node.now + 301_000))).status).toBe(403);
  });

  it("keeps metadata as sent and defaults it to {} only when absent", async () => {
    const { node, peer } = await connectedPair();
    await node.message(await signedMessage(peer, node.now, { metadata: { topic: "x" } }));
    const bare = await signedMessage(peer, node.now);
    delete bare.metadata;
    await node.message(bare);
    expect(node.inbox.map((m) => m.metadata)).toEqual([{ topic: "x" }, {}]);
  });

  it("records received_at in the reference's timestamp format", async () => {
    const { node, peer } = await connectedPair();
    node.now = T0;
    await node.message(await signedMessage(peer, node.now));
    expect(node.inbox[0]!.received_at).toBe("2026-02-25T21:30:07.123000+00:00");
  });
});

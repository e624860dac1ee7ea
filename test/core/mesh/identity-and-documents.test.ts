// §20 "Identity and signing" (the lines not decided by Appendix B) and "Discovery and misc.":
// passports, emitted timestamps, the documents a node serves, error bodies and capacities.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  connectionRequestBody,
  acceptanceBody,
  formatMeshTimestamp,
  hasUtcOffset,
  isPublicKeyHex,
  isSignatureHex,
  lanBeacon,
  matchNodePath,
  meshErrors,
  networkInfoDocument,
  newPassport,
  newSentMessage,
  nodeIdentity,
  nodeStatusDocument,
  nodeWellKnown,
  impressionFor,
  impressionReply,
  parseMeshTimestamp,
  purgeInbox,
  nextInboxExpiry,
  passportFileText,
  passportFromSeed,
  rememberSentMessage,
  replyBody,
  signMessage,
  signedPeerUpdate,
  wellKnownBase,
  webrtcOfferReply,
  checkMeshRateLimit,
  type NodeIdentity,
} from "../../../src/core/mesh/index.js";
import type { InboxMessage, SentMessage } from "../../../src/schemas/mesh-state.js";
import { T0, TestNode, signedMessage, wire } from "./test-node.js";

const passport = newPassport();
const node: NodeIdentity = nodeIdentity(passport, {
  displayName: "node-a",
  bio: "What this agent does",
  status: "active",
  publicUrl: "https://edge.example.com",
});

describe("§20 Identity and signing", () => {
  it("§20: the node's agent_id equals its public_key_hex everywhere it appears (well-known, status, network_info, requests, beacons)", async () => {
    const id = passport.publicKeyHex;
    expect(passport.agentId).toBe(id);
    const wk = nodeWellKnown(node, { base: "https://edge.example.com", connectionCount: 0 });
    expect([wk.agent_id, wk.public_key_hex]).toEqual([id, id]);
    const status = nodeStatusDocument(node, 0);
    expect([status.agent_id, status.public_key_hex]).toEqual([id, id]);
    const info = networkInfoDocument(node, [], { isOperator: false });
    expect([info.agent_id, info.public_key_hex]).toEqual([id, id]);
    const request = connectionRequestBody(node);
    expect([request.from_agent_id, request.from_agent_public_key_hex]).toEqual([id, id]);
    const acceptance = acceptanceBody(node);
    expect([acceptance.agent_id, acceptance.agent_public_key_hex]).toEqual([id, id]);
    const beacon = lanBeacon(node, { port: 8101, connectionCount: 0, now: T0 });
    expect([beacon.agent_id, beacon.public_key_hex]).toEqual([id, id]);
    const announcement = await signedPeerUpdate(passport, node.publicUrl, formatMeshTimestamp(T0));
    expect([announcement.agent_id, announcement.public_key_hex]).toEqual([id, id]);
    const message = await signedMessage(passport, T0);
    expect([message.from_agent_id, message.from_public_key_hex]).toEqual([id, id]);
  });

  it("§20: the node's public key and agent ID are 64 lowercase hex characters; signatures are 128 lowercase hex characters", async () => {
    for (let i = 0; i < 5; i++) {
      const p = newPassport();
      expect(isPublicKeyHex(p.agentId)).toBe(true);
      expect(p.privateKeyHex).toMatch(/^[0-9a-f]{64}$/);
      expect(
        isSignatureHex(
          await signMessage(p.privateKeyHex, { fromAgentId: p.agentId, messageId: "m", timestamp: "t", content: "c" }),
        ),
      ).toBe(true);
    }
    expect(isPublicKeyHex(passport.agentId.toUpperCase())).toBe(false);
  });

  it("§20: node-emitted timestamps carry an explicit UTC offset and parse with a 3- or 6-digit fraction", () => {
    expect(formatMeshTimestamp(T0)).toBe("2026-02-25T21:30:07.123000+00:00");
    expect(formatMeshTimestamp(T0 - 123)).toBe("2026-02-25T21:30:07+00:00");
    expect(formatMeshTimestamp(T0 + 0.456)).toBe("2026-02-25T21:30:07.123456+00:00");
    for (const emitted of [formatMeshTimestamp(T0), formatMeshTimestamp(T0 - 123), new Date(T0).toISOString()]) {
      expect(hasUtcOffset(emitted)).toBe(true);
    }
    expect(parseMeshTimestamp("2026-02-25T21:30:07.123Z")).toBe(T0);
    expect(parseMeshTimestamp("2026-02-25T21:30:07.123000+00:00")).toBe(T0);
  });

  it("§20: the node accepts reference timestamps with 6-digit fractions and without a fraction", () => {
    expect(parseMeshTimestamp("2026-02-25T21:30:07.123456+00:00")).toBe(T0 + 0.456);
    expect(parseMeshTimestamp("2026-02-25T21:30:07+00:00")).toBe(T0 - 123);
    expect(parseMeshTimestamp("2026-02-25T23:30:07+02:00")).toBe(T0 - 123);
    expect(parseMeshTimestamp("2026-02-25T21:30:07")).toBeUndefined(); // naive
  });

  it("loads a passport file the way the reference does: whitespace stripped, seed + one newline written back", () => {
    const loaded = passportFromSeed(`  ${passport.privateKeyHex.toUpperCase()}\n`)!;
    expect(loaded).toEqual(passport);
    expect(passportFileText(loaded)).toBe(`${passport.privateKeyHex}\n`);
    expect(passportFromSeed("abcd")).toBeUndefined();
  });
});

describe("§20 Discovery and misc.", () => {
  it("§20: /.well-known/darkmatter.json has exactly the 11 keys of §8.1 with darkmatter:true and protocol_version:'0.2'", () => {
    const wk = nodeWellKnown(node, { base: "https://edge.example.com", connectionCount: 50 });
    expect(Object.keys(wk).sort()).toEqual(
      [
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
      ].sort(),
    );
    expect(wk).toMatchObject({
      darkmatter: true,
      protocol_version: "0.2",
      accepting_connections: false,
      webrtc_enabled: false,
    });
  });

  it("§20: mesh_url/mcp_url follow the configured public URL, else the Host header", () => {
    const configured = nodeWellKnown(node, {
      base: wellKnownBase({ publicUrl: "https://edge.example.com/", host: "ignored:1" }),
      connectionCount: 0,
    });
    expect([configured.mesh_url, configured.mcp_url]).toEqual([
      "https://edge.example.com/__darkmatter__",
      "https://edge.example.com/mcp",
    ]);
    const fromHost = nodeWellKnown(node, { base: wellKnownBase({ host: "127.0.0.1:8787" }), connectionCount: 0 });
    expect(fromHost.mesh_url).toBe("http://127.0.0.1:8787/__darkmatter__");
    expect(wellKnownBase({ host: "x.example", forwardedProto: "https" })).toBe("https://x.example");
  });

  it("§20: status and network_info documents have the keys of §8.8 / §8.9", () => {
    expect(Object.keys(nodeStatusDocument(node, 1)).sort()).toEqual([
      "accepting_connections",
      "agent_id",
      "bio",
      "display_name",
      "num_connections",
      "public_key_hex",
      "status",
    ]);
    const peers = [{ agent_id: "p", agent_url: "http://p/mcp", agent_bio: "b" }];
    const info = networkInfoDocument(node, peers, { isOperator: true });
    expect(Object.keys(info).sort()).toEqual([
      "accepting_connections",
      "agent_id",
      "agent_url",
      "bio",
      "display_name",
      "peers",
      "public_key_hex",
    ]);
    expect(info.peers).toEqual(peers);
    expect(info.agent_url).toBe("https://edge.example.com");
    // issue 12: connections are private; anyone else gets the same keys and no peers, still counted in accepting_connections
    const anonymous = networkInfoDocument(node, peers, { isOperator: false }, 1);
    expect(Object.keys(anonymous).sort()).toEqual(Object.keys(info).sort());
    expect([anonymous.peers, anonymous.accepting_connections]).toEqual([[], false]);
  });

  it("§20: impression returns has_impression:false for unknown IDs and the text when set", () => {
    expect(impressionReply("x", undefined)).toEqual({ agent_id: "x", has_impression: false });
    expect(impressionReply("x", "reliable")).toEqual({ agent_id: "x", has_impression: true, impression: "reliable" });
    // issue 12: anonymously, only impressions of current connections are answered
    expect(impressionFor("x", "reliable", { isOperator: false, isConnection: true })).toEqual({
      agent_id: "x",
      has_impression: true,
      impression: "reliable",
    });
    expect(impressionFor("x", "reliable", { isOperator: false, isConnection: false })).toEqual({
      agent_id: "x",
      has_impression: false,
    });
    expect(impressionFor("x", "reliable", { isOperator: true, isConnection: false })).toEqual({
      agent_id: "x",
      has_impression: true,
      impression: "reliable",
    });
  });

  it("§20: the global limit answers the 201st counted request within 60 s with 429 Global rate limit exceeded (200 requests per 60s); status still answers 200", async () => {
    const test = await TestNode.start();
    for (let i = 0; i < 200; i++) {
      const verdict = checkMeshRateLimit({ global: { setting: 0, window: test.globalWindow } }, test.now);
      if (!verdict.allowed) throw new Error(`refused request ${i + 1}`);
      test.globalWindow = verdict.global;
    }
    // the window is spent by connected peers' traffic; a connected peer's signed message is the counted request
    const peer = newPassport();
    await test.connect(peer.agentId, { key: peer.publicKeyHex, rateLimit: -1 });
    expect(await test.message(await signedMessage(peer, test.now))).toEqual({
      status: 429,
      body: { error: "Global rate limit exceeded (200 requests per 60s)" },
    });
    expect(matchNodePath("GET", "/__darkmatter__/status")).toMatchObject({ kind: "endpoint", isRateLimited: false });
    expect(wire({ ok: true, status: 200, body: nodeStatusDocument(node, 0) }).status).toBe(200);
  });

  it("§20: webrtc_offer returns 501 with a JSON error (no WebRTC)", () => {
    expect(wire(webrtcOfferReply())).toEqual({
      status: 501,
      body: { error: "WebRTC not available (aiortc not installed)" },
    });
  });

  it("§20: every mesh error response is a JSON object with a single error string", () => {
    const zodError = z.object({ content: z.string() }).safeParse({ content: 1 }).error!;
    expect(meshErrors.invalidFields(zodError).error).toBe("Invalid field type: content");
    for (const [name, make] of Object.entries(meshErrors)) {
      const argument = name === "invalidFields" ? zodError : "x";
      const reply = (make as (...args: unknown[]) => ReturnType<typeof meshErrors.inactive>)(argument);
      const body = replyBody(reply) as object;
      expect(Object.keys(body), name).toEqual(["error"]);
      expect(typeof (body as { error: unknown }).error, name).toBe("string");
      expect(reply.status, name).toBeGreaterThanOrEqual(400);
    }
  });

  it("§20: a non-object JSON body is answered 400 (not 500)", async () => {
    const test = await TestNode.start();
    for (const body of ["[]", "3", '"x"', "null", "true"]) {
      expect((await test.message(body)).status).toBe(400);
      expect((await test.connectionRequest(body)).status).toBe(400);
      expect((await test.peerUpdate(body)).status).toBe(400);
      expect((await test.connectionAccepted(body)).status).toBe(400);
    }
  });

  it("§20: inbox messages older than one hour disappear (the sweep a DO alarm runs at least every minute)", () => {
    const entry = (id: string, receivedAt: number): InboxMessage => ({
      message_id: id,
      content: "c",
      webhook: "https://w",
      hops_remaining: 1,
      metadata: {},
      from_agent_id: "a",
      verified: true,
      received_at: formatMeshTimestamp(receivedAt),
    });
    const inbox = [entry("old", T0 - 3_600_001), entry("edge", T0 - 3_600_000), entry("new", T0 - 1000)];
    const { inbox: kept, purged } = purgeInbox(inbox, T0);
    expect(kept.map((m) => m.message_id)).toEqual(["edge", "new"]);
    expect(purged.map((m) => m.message_id)).toEqual(["old"]);
    expect(nextInboxExpiry(kept)).toBe(T0);
  });

  it("§20: sent-message records are capped at 100, oldest evicted", () => {
    let records: SentMessage[] = [];
    for (let i = 0; i < 101; i++) {
      const record = newSentMessage({
        message_id: `msg-${String(i).padStart(12, "0")}`,
        content: "c",
        initial_hops: 10,
        routed_to: [],
        now: T0 + i * 1000,
      });
      const result = rememberSentMessage(records, record);
      records = result.records;
      if (i === 100) expect(result.evicted.map((r) => r.message_id)).toEqual(["msg-000000000000"]);
    }
    expect(records).toHaveLength(100);
    expect(records[0]!.message_id).toBe("msg-000000000001");
  });
});

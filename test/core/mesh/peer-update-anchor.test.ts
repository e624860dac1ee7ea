// §20 "peer_update / peer_lookup / anchor": node-side healing (§8.11, §8.12) and the anchor (§9).
import { describe, expect, it } from "vitest";
import { clientAddressKey } from "../../../src/core/client-address.js";
import {
  admitAnchorClient,
  anchorLookup,
  anchorWellKnown,
  formatMeshTimestamp,
  lookedUpUrl,
  newPassport,
  nodePeerLookupReply,
  peerUpdateTargets,
  pruneAnchorDirectory,
  registerWithAnchor,
  signedPeerUpdate,
  signPeerUpdate,
  type AnchorRegistrationContext,
  type Passport,
  type SlidingWindow,
} from "../../../src/core/mesh/index.js";
import type { AnchorEntry } from "../../../src/schemas/mesh-state.js";
import { T0, TestNode, wire } from "./test-node.js";

const update = (passport: Passport, now: number, url = "https://moved.example.com") =>
  signedPeerUpdate(passport, url, formatMeshTimestamp(now));

/** A registration for an arbitrary agent_id, signed by `passport` (the reference does not bind the two). */
async function registrationAs(agentId: string, passport: Passport, now: number) {
  const timestamp = formatMeshTimestamp(now);
  const newUrl = "https://x.example.com";
  const signature = await signPeerUpdate(passport.privateKeyHex, { agentId, newUrl, timestamp });
  return { agent_id: agentId, new_url: newUrl, timestamp, public_key_hex: passport.publicKeyHex, signature };
}

describe("§20 peer_update / peer_lookup on a node", () => {
  it("§20: a signed node peer_update from a connected peer updates its URL (visible in peer_lookup)", async () => {
    const node = await TestNode.start();
    const peer = newPassport();
    await node.connect(peer.agentId, { key: peer.publicKeyHex, url: "http://old.example.com/mcp" });
    expect(await node.peerUpdate(await update(peer, node.now))).toEqual({
      status: 200,
      body: { success: true, updated: true },
    });
    expect(wire(nodePeerLookupReply(peer.agentId, node.connections.get(peer.agentId)))).toEqual({
      status: 200,
      body: { agent_id: peer.agentId, url: "https://moved.example.com", status: "connected" },
    });
  });

  it("§20: a node peer_update without signature for a peer with a stored key returns 403 Signature required — known public key on file", async () => {
    const node = await TestNode.start();
    const peer = newPassport();
    await node.connect(peer.agentId, { key: peer.publicKeyHex });
    const unsigned = { ...(await update(peer, node.now)), signature: undefined };
    expect(await node.peerUpdate(unsigned)).toEqual({
      status: 403,
      body: { error: "Signature required — known public key on file" },
    });
  });

  it("§20: a node peer_update with a 10-minute-old timestamp returns 403 Timestamp expired", async () => {
    const node = await TestNode.start();
    const peer = newPassport();
    await node.connect(peer.agentId, { key: peer.publicKeyHex });
    expect(await node.peerUpdate(await update(peer, node.now - 600_000))).toEqual({
      status: 403,
      body: { error: "Timestamp expired" },
    });
  });

  it("§20: a node peer_update with a different public_key_hex returns 403 Public key mismatch", async () => {
    const node = await TestNode.start();
    const peer = newPassport();
    await node.connect(peer.agentId, { key: peer.publicKeyHex });
    const forged = { ...(await update(newPassport(), node.now)), agent_id: peer.agentId };
    expect(await node.peerUpdate(forged)).toEqual({ status: 403, body: { error: "Public key mismatch" } });
    const resigned = { ...(await update(peer, node.now)), new_url: "https://evil.example.com" };
    expect(await node.peerUpdate(resigned)).toEqual({ status: 403, body: { error: "Invalid signature" } });
  });

  it("§20: a node peer_update for an unknown agent returns 404 Unknown agent; invalid JSON returns 400 Invalid JSON", async () => {
    const node = await TestNode.start();
    expect(await node.peerUpdate(await update(newPassport(), node.now))).toEqual({
      status: 404,
      body: { error: "Unknown agent" },
    });
    expect(await node.peerUpdate("{")).toEqual({ status: 400, body: { error: "Invalid JSON" } });
    expect(await node.peerUpdate({ agent_id: "x" })).toEqual({
      status: 400,
      body: { error: "Missing agent_id or new_url" },
    });
  });

  it("refuses every peer_update for a connection without a stored key and never pins a key from it (the reference accepts them, ⚠ §18 #11; issue 11)", async () => {
    const node = await TestNode.start();
    const peer = newPassport();
    await node.connect(peer.agentId, { key: null });
    expect(await node.peerUpdate({ agent_id: peer.agentId, new_url: "https://moved.example.com" })).toEqual({
      status: 403,
      body: { error: "Signature required — known public key on file" },
    });
    expect((await node.peerUpdate(await update(peer, node.now))).status).toBe(403);
    const connection = node.connections.get(peer.agentId)!;
    expect([connection.agent_url, connection.agent_public_key_hex]).toEqual(["https://peer.example.com/mcp", null]);
  });

  it("§20: a node peer_lookup of a connection returns {agent_id, url, status:'connected'}; of a stranger 404 Not connected to that agent", () => {
    expect(wire(nodePeerLookupReply("abc", { agent_url: "http://h/mcp" }))).toEqual({
      status: 200,
      body: { agent_id: "abc", url: "http://h/mcp", status: "connected" },
    });
    expect(wire(nodePeerLookupReply("abc", undefined))).toEqual({
      status: 404,
      body: { error: "Not connected to that agent" },
    });
  });

  it("announces a URL change to every connection (normalised) and every anchor (as configured) (§14.2)", () => {
    expect(peerUpdateTargets(["http://a:8101/mcp", "http://b:8102/"], ["https://loseylabs.ai"])).toEqual([
      "http://a:8101/__darkmatter__/peer_update",
      "http://b:8102/__darkmatter__/peer_update",
      "https://loseylabs.ai/__darkmatter__/peer_update",
    ]);
  });

  it("reads a lookup reply only when it is a 200 with a non-empty url outside the exclusion set (§14.3)", () => {
    expect(lookedUpUrl(200, { agent_id: "x", url: "http://new:8102/mcp" })).toBe("http://new:8102/mcp");
    expect(lookedUpUrl(404, { error: "Unknown agent" })).toBeUndefined();
    expect(lookedUpUrl(200, { url: "" })).toBeUndefined();
    expect(lookedUpUrl(200, { url: "http://old" }, new Set(["http://old"]))).toBeUndefined();
  });
});

/** An in-memory anchor applying registration outcomes. */
class TestAnchor {
  directory = new Map<string, AnchorEntry>();
  windows = new Map<string, SlidingWindow>();
  now = T0;
  options: Pick<AnchorRegistrationContext, "requireSelfCertifyingId" | "refusePrivateUrls"> = {};

  async register(body: unknown, ip = "198.51.100.7") {
    if (!admitAnchorClient(this.windows, clientAddressKey(ip), this.now))
      return { status: 429, body: { error: "Rate limit exceeded" } };
    const outcome = await registerWithAnchor(
      { ok: true, value: body },
      {
        now: this.now,
        entry: (id) => this.directory.get(id),
        freshEntryCount: () => pruneAnchorDirectory(this.directory, this.now).size,
        ...this.options,
      },
    );
    if (outcome.store) {
      this.directory.set(outcome.store.agentId, outcome.store.entry);
      this.directory = pruneAnchorDirectory(this.directory, this.now);
    }
    return wire(outcome.reply);
  }
}

describe("§20 anchor", () => {
  it("§20: anchor registration with a valid signature returns {success:true, registered:true}, a second one registered:false", async () => {
    const anchor = new TestAnchor();
    const node = newPassport();
    expect(await anchor.register(await update(node, anchor.now))).toEqual({
      status: 200,
      body: { success: true, registered: true },
    });
    expect(await anchor.register(await update(node, anchor.now, "https://again.example.com"))).toEqual({
      status: 200,
      body: { success: true, registered: false },
    });
    expect(anchor.directory.get(node.agentId)).toEqual({
      url: "https://again.example.com",
      public_key_hex: node.publicKeyHex,
      last_seen: anchor.now / 1000,
    });
  });

  it("§20: the anchor rejects a registration signed by a different key for a pinned agent_id with 403 Public key mismatch", async () => {
    const anchor = new TestAnchor();
    anchor.options.requireSelfCertifyingId = false; // the reference pins any agent_id to its first key
    expect((await anchor.register(await registrationAs("not-a-key", newPassport(), anchor.now))).status).toBe(200);
    expect(await anchor.register(await registrationAs("not-a-key", newPassport(), anchor.now))).toEqual({
      status: 403,
      body: { error: "Public key mismatch" },
    });
  });

  it("refuses agent_id ≠ public_key_hex by default, as a Worker anchor SHOULD (§19.7)", async () => {
    const anchor = new TestAnchor();
    const body = await registrationAs("not-a-key", newPassport(), anchor.now);
    expect(await anchor.register(body)).toEqual({ status: 403, body: { error: "agent_id must equal public_key_hex" } });
  });

  it("§20: the anchor rejects missing signature/key/timestamp with 400 and a stale timestamp with 403 Timestamp expired or invalid", async () => {
    const anchor = new TestAnchor();
    const node = newPassport();
    const valid = await update(node, anchor.now);
    for (const field of ["signature", "public_key_hex", "timestamp"] as const) {
      expect(await anchor.register({ ...valid, [field]: "  " })).toEqual({
        status: 400,
        body: { error: "Missing public_key_hex, signature, or timestamp" },
      });
    }
    expect(await anchor.register(await update(node, anchor.now - 301_000))).toEqual({
      status: 403,
      body: { error: "Timestamp expired or invalid" },
    });
    expect(await anchor.register({})).toEqual({ status: 400, body: { error: "JSON body required" } });
    expect(await anchor.register({ ...valid, new_url: "ftp://x" })).toEqual({
      status: 400,
      body: { error: "URL scheme must be http or https, got 'ftp'" },
    });
  });

  it("§20: the anchor strips surrounding whitespace from agent_id before verifying", async () => {
    const anchor = new TestAnchor();
    const node = newPassport();
    const valid = await update(node, anchor.now);
    const padded = {
      ...valid,
      agent_id: `\u00a0 ${valid.agent_id}\n`,
      signature: ` ${valid.signature} `,
      new_url: ` ${valid.new_url}`,
    };
    expect(await anchor.register(padded)).toEqual({ status: 200, body: { success: true, registered: true } });
    expect([...anchor.directory.keys()]).toEqual([node.agentId]);
  });

  it("§20: the anchor's 11th peer_update from one client IP within 60 s returns 429 Rate limit exceeded", async () => {
    const anchor = new TestAnchor();
    for (let i = 0; i < 10; i++) expect((await anchor.register({})).status).toBe(400); // counted before validation
    expect(await anchor.register({})).toEqual({ status: 429, body: { error: "Rate limit exceeded" } });
    expect((await anchor.register({}, "203.0.113.1")).status).toBe(400);
    anchor.now += 60_001;
    expect((await anchor.register({})).status).toBe(400);
  });

  it("§20: anchor peer_lookup returns {agent_id, url, last_seen(float)}; unknown or older than 24 h returns 404 Unknown agent", () => {
    const entry: AnchorEntry = { url: "https://n.example.com", public_key_hex: "k", last_seen: 1795345017.8596706 };
    const now = entry.last_seen * 1000;
    expect(wire(anchorLookup("k", entry, now).reply)).toEqual({
      status: 200,
      body: { agent_id: "k", url: "https://n.example.com", last_seen: 1795345017.8596706 },
    });
    expect(wire(anchorLookup("k", undefined, now).reply)).toEqual({ status: 404, body: { error: "Unknown agent" } });
    expect(anchorLookup("k", entry, now + 86_400_000).isStale).toBe(false);
    const stale = anchorLookup("k", entry, now + 86_400_001);
    expect(stale).toEqual({ reply: expect.objectContaining({ status: 404, error: "Unknown agent" }), isStale: true });
  });

  it("§20: the anchor well-known returns darkmatter:true, anchor:true, protocol_version:'0.2', agents_registered", () => {
    expect(anchorWellKnown(3)).toEqual({
      darkmatter: true,
      anchor: true,
      protocol_version: "0.2",
      agents_registered: 3,
    });
  });

  it("counts an IPv6 client by its /64: eleven addresses of one /64 share one budget of ten", async () => {
    const anchor = new TestAnchor();
    const statuses = [];
    for (let i = 1; i <= 11; i++) statuses.push((await anchor.register({}, `2001:db8:1:2::${i.toString(16)}`)).status);
    expect(statuses.slice(0, 10).every((status) => status === 400)).toBe(true); // counted, then refused as empty
    expect(statuses[10]).toBe(429);
    expect((await anchor.register({}, "2001:db8:1:3::1")).status).toBe(400); // the next /64 has its own budget
    expect((await anchor.register({}, "203.0.113.1")).status).toBe(400);
    expect([...anchor.windows.keys()]).toEqual(["2001:db8:1:2::/64", "2001:db8:1:3::/64", "203.0.113.1"]);
  });

  it("refuses a key or signature that cannot be Ed25519 with 400 before verifying, and an over-long timestamp as never fresh", async () => {
    const anchor = new TestAnchor();
    const node = newPassport();
    const valid = await update(node, anchor.now);
    const refused = (fields: Record<string, unknown>) => anchor.register({ ...valid, ...fields }, "198.51.100.20");
    expect(await refused({ public_key_hex: valid.public_key_hex.slice(2) })).toEqual({
      status: 400,
      body: { error: "public_key_hex must be 64 hex characters" },
    });
    expect(await refused({ public_key_hex: "zz" + valid.public_key_hex.slice(2) })).toEqual({
      status: 400,
      body: { error: "public_key_hex must be 64 hex characters" },
    });
    expect(await refused({ public_key_hex: "ab".repeat(50_000) })).toEqual({
      status: 400,
      body: { error: "public_key_hex must be 64 hex characters" },
    });
    expect(await refused({ signature: valid.signature + "00" })).toEqual({
      status: 400,
      body: { error: "signature must be 128 hex characters" },
    });
    expect(await refused({ signature: `${valid.signature.slice(0, 64)} ${valid.signature.slice(64)}` })).toEqual({
      status: 400,
      body: { error: "signature must be 128 hex characters" },
    });
    expect(await refused({ timestamp: valid.timestamp + " ".repeat(10) + "x".repeat(100) })).toEqual({
      status: 403,
      body: { error: "Timestamp expired or invalid" },
    });
    expect(anchor.directory.size).toBe(0);
    // The same registration, well-formed and padded with outer whitespace, still registers (§9.1 step 3).
    expect(await refused({ signature: ` ${valid.signature}\n`, public_key_hex: `${valid.public_key_hex} ` })).toEqual({
      status: 200,
      body: { success: true, registered: true },
    });
  });
});

describe("the anchor's per-address windows (admitAnchorClient)", () => {
  const active = (count: number, now: number) =>
    new Map<string, SlidingWindow>(Array.from({ length: count }, (_, i) => [`198.51.100.${i}`, [now - 1000]]));

  it("updates the map it is given, in place, and keeps it at the capacity", () => {
    const windows = active(5, T0);
    const before = windows;
    for (let i = 0; i < 20; i++) admitAnchorClient(windows, `203.0.113.${i}`, T0, 5);
    expect(windows).toBe(before);
    expect(windows.size).toBe(5);
    expect([...windows.keys()]).toEqual([
      "203.0.113.15",
      "203.0.113.16",
      "203.0.113.17",
      "203.0.113.18",
      "203.0.113.19",
    ]); // the least recently seen went first
  });

  it("drops idle windows before active ones, and the least recently seen active one only when none is idle", () => {
    const windows = new Map<string, SlidingWindow>([
      ["idle-1", [T0 - 120_000]],
      ["idle-2", [T0 - 61_000]],
      ["busy", [T0 - 5_000]],
    ]);
    admitAnchorClient(windows, "new", T0, 3);
    expect([...windows.keys()]).toEqual(["busy", "new"]); // both idle windows at the front went
    admitAnchorClient(windows, "newer", T0, 3);
    expect([...windows.keys()]).toEqual(["busy", "new", "newer"]);
    admitAnchorClient(windows, "newest", T0, 3);
    expect([...windows.keys()]).toEqual(["new", "newer", "newest"]); // all active: the least recently seen went
  });

  it("keeps a limited client's window however many others arrive, and moves a returning client to the back", () => {
    const windows = new Map<string, SlidingWindow>();
    for (let i = 0; i < 10; i++) expect(admitAnchorClient(windows, "flooder", T0 + i, 3)).toBe(true);
    expect(admitAnchorClient(windows, "flooder", T0 + 10, 3)).toBe(false);
    admitAnchorClient(windows, "a", T0 + 11, 3);
    admitAnchorClient(windows, "b", T0 + 12, 3);
    expect(admitAnchorClient(windows, "flooder", T0 + 13, 3)).toBe(false); // refused again, and now the most recent
    admitAnchorClient(windows, "c", T0 + 14, 3);
    expect([...windows.keys()]).toEqual(["b", "flooder", "c"]);
    expect(windows.get("flooder")).toHaveLength(10);
  });
});

describe("§20 anchor options", () => {
  it("may refuse loopback and private new_urls when configured to (§19.7 MAY)", async () => {
    const anchor = new TestAnchor();
    anchor.options.refusePrivateUrls = true;
    const node = newPassport();
    expect((await anchor.register(await update(node, anchor.now, "http://localhost:8100"))).status).toBe(400);
    expect((await anchor.register(await update(node, anchor.now, "http://10.1.2.3:8100"))).status).toBe(400);
    expect((await anchor.register(await update(node, anchor.now, "https://public.example.com"))).status).toBe(200);
  });
});

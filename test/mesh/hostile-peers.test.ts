// Issue 11: the public mesh surface against hostile peers. Each test plays one attack through the
// Worker (real routes, real Agent and Directory Durable Objects) and checks both that the
// attacker got nothing and that real peers are unaffected.
import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { runInDurableObject as runIn } from "cloudflare:test";
import { formatMeshTimestamp } from "../../src/core/mesh/timestamp.js";
import { signedMessageBody, signedPeerUpdate } from "../../src/core/mesh/message-signing.js";
import { newPassport, type Passport } from "../../src/core/mesh/passport.js";
import {
  ANONYMOUS_REQUESTS_PER_CLIENT,
  INBOX_CAPACITY,
  PENDING_REQUESTS_PER_CLIENT,
} from "../../src/core/mesh/limits.js";
import { api } from "../api.js";
import { agentUrl, connect, connection, createAgent, mesh, send } from "./mesh-helpers.js";

const runInDurableObject = runIn as unknown as <T>(
  stub: DurableObjectStub,
  work: (instance: any, state: DurableObjectState) => Promise<T> | T,
) => Promise<T>;
const agentStub = (name: string) => env.AGENT.get(env.AGENT.idFromName(name)) as unknown as DurableObjectStub;
const unique = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
const from = (ip: string) => ({ "cf-connecting-ip": ip });
/** A public URL that nothing answers (no network in tests): fine to store, never fetched here. */
const PEER_URL = "https://peer.example.com";

const connections = async (name: string) =>
  (await api("GET", `/api/v1/agents/${name}/connections`)).body.connections as Array<Record<string, any>>;
const pending = async (name: string) =>
  (await api("GET", `/api/v1/agents/${name}/connections/pending`)).body.requests as Array<Record<string, any>>;
const inbox = async (name: string) =>
  (await api("GET", `/api/v1/agents/${name}/inbox`)).body.items as Array<Record<string, any>>;

/** `peer` (an outside node) becomes a connection of a new hosted agent: request + operator accept. */
async function hostedWithPeer(peer: Passport = newPassport()) {
  const target = await createAgent(unique("hp"));
  const requested = await mesh(
    "POST",
    `/agents/${target.name}/__darkmatter__/connection_request`,
    { from_agent_id: peer.agentId, from_agent_url: PEER_URL, from_agent_public_key_hex: peer.publicKeyHex },
    from("198.51.100.1"),
  );
  expect(requested.status).toBe(200);
  expect((await connection(target.name, { action: "accept", request_id: requested.body.request_id })).status).toBe(200);
  return { target, peer };
}

async function signed(peer: Passport, overrides: Record<string, unknown> = {}) {
  const messageId = `msg-${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  return {
    ...(await signedMessageBody(peer, {
      message_id: messageId,
      content: "hi",
      webhook: `${PEER_URL}/__darkmatter__/webhook/${messageId}`,
      hops_remaining: 5,
      metadata: {},
      timestamp: formatMeshTimestamp(Date.now()),
    })),
    ...overrides,
  };
}

describe("identity can never be rewritten by a handshake", () => {
  it("refuses a connection_accepted that names another connected agent, keeping that agent's key and URL", async () => {
    const holder = await createAgent(unique("holder"));
    const victim = await createAgent(unique("victim"));
    const dialled = await createAgent(unique("dialled"));
    await connect(holder.name, victim.name);
    // holder asks `dialled` to connect: a pending outbound request for dialled's URL and agent ID
    expect((await connection(holder.name, { action: "request", target_url: agentUrl(dialled.name) })).body.status).toBe(
      "pending",
    );
    const before = await connections(holder.name);
    const attacker = newPassport();
    const asVictim = {
      agent_id: victim.agent_id,
      agent_url: `${agentUrl(dialled.name)}/mcp`,
      agent_bio: "",
      agent_display_name: "v",
    };
    const withOwnKey = await mesh(
      "POST",
      `/agents/${holder.name}/__darkmatter__/connection_accepted`,
      { ...asVictim, agent_public_key_hex: attacker.publicKeyHex },
      from("203.0.113.7"),
    );
    expect([withOwnKey.status, withOwnKey.body]).toEqual([403, { error: "agent_id must equal public_key_hex" }]);
    const withVictimKey = await mesh(
      "POST",
      `/agents/${holder.name}/__darkmatter__/connection_accepted`,
      { ...asVictim, agent_public_key_hex: victim.agent_id },
      from("203.0.113.7"),
    );
    expect(withVictimKey.status).toBe(403); // the pending request was for dialled's agent ID, not the victim's
    expect(await connections(holder.name)).toEqual(before);
    // the victim's own signed messages still reach the holder
    const sent = await send(victim.name, { content: "still me", target_agent_id: holder.agent_id });
    expect(sent.body.routed_to).toEqual([holder.agent_id]);
    expect((await inbox(holder.name)).map((m) => m.content)).toContain("still me");
  });

  it("never replaces a pinned key or URL through a connection_request from an already connected agent", async () => {
    const { target, peer } = await hostedWithPeer();
    const before = await connections(target.name);
    const attacker = newPassport();
    const forged = await mesh(
      "POST",
      `/agents/${target.name}/__darkmatter__/connection_request`,
      {
        from_agent_id: peer.agentId,
        from_agent_url: "https://evil.example.com",
        from_agent_public_key_hex: attacker.publicKeyHex,
      },
      from("203.0.113.8"),
    );
    expect(forged.status).toBe(403);
    const sameKeyOtherUrl = await mesh(
      "POST",
      `/agents/${target.name}/__darkmatter__/connection_request`,
      {
        from_agent_id: peer.agentId,
        from_agent_url: "https://evil.example.com",
        from_agent_public_key_hex: peer.publicKeyHex,
      },
      from("203.0.113.8"),
    );
    expect(sameKeyOtherUrl.body.auto_accepted).toBe(true); // the spec's answer to a connected agent …
    expect(await connections(target.name)).toEqual(before); // … which changes nothing: URL and key stay
  });

  it("does not pin a key that is not the agent ID on a key-less connection", async () => {
    const target = await createAgent(unique("keyless"));
    const legacyId = crypto.randomUUID(); // a pre-passport node: UUID agent ID, no key
    const requested = await mesh("POST", `/agents/${target.name}/__darkmatter__/connection_request`, {
      from_agent_id: legacyId,
      from_agent_url: PEER_URL,
    });
    await connection(target.name, { action: "accept", request_id: requested.body.request_id });
    const attacker = newPassport();
    const pin = await mesh("POST", `/agents/${target.name}/__darkmatter__/connection_request`, {
      from_agent_id: legacyId,
      from_agent_url: PEER_URL,
      from_agent_public_key_hex: attacker.publicKeyHex,
    });
    expect([pin.status, pin.body.error]).toEqual([403, "agent_id must equal public_key_hex"]);
    expect((await connections(target.name))[0]!.agent_public_key_hex).toBeNull();
  });

  it("moves a stored URL only with a peer_update signed by the pinned key; never for a key-less connection", async () => {
    const { target, peer } = await hostedWithPeer();
    const attacker = newPassport();
    const forged = await signedPeerUpdate(attacker, "https://evil.example.com", formatMeshTimestamp(Date.now()));
    expect(
      (await mesh("POST", `/agents/${target.name}/__darkmatter__/peer_update`, { ...forged, agent_id: peer.agentId }))
        .status,
    ).toBe(403);
    const legacyId = crypto.randomUUID();
    const requested = await mesh("POST", `/agents/${target.name}/__darkmatter__/connection_request`, {
      from_agent_id: legacyId,
      from_agent_url: PEER_URL,
    });
    await connection(target.name, { action: "accept", request_id: requested.body.request_id });
    const unsigned = await mesh("POST", `/agents/${target.name}/__darkmatter__/peer_update`, {
      agent_id: legacyId,
      new_url: "https://evil.example.com",
    });
    expect([unsigned.status, unsigned.body.error]).toEqual([403, "Signature required — known public key on file"]);
    expect((await connections(target.name)).map((c) => c.agent_url)).toEqual([PEER_URL, PEER_URL]);
    const real = await signedPeerUpdate(peer, "https://moved.example.com", formatMeshTimestamp(Date.now()));
    expect((await mesh("POST", `/agents/${target.name}/__darkmatter__/peer_update`, real)).body).toEqual({
      success: true,
      updated: true,
    });
  });
});

describe("bounded input, checked before anything is stored or held", () => {
  it("answers 413 with a mesh error for bodies past the cap, declared or streamed, and stores nothing", async () => {
    const { target } = await hostedWithPeer();
    const base = `/agents/${target.name}/__darkmatter__`;
    const big = JSON.stringify({
      from_agent_id: "x",
      from_agent_url: PEER_URL,
      from_agent_bio: "b".repeat(300 * 1024),
    });
    const streamed = await mesh("POST", `${base}/connection_request`, big);
    expect([streamed.status, streamed.contentType, Object.keys(streamed.body)]).toEqual([
      413,
      "application/json",
      ["error"],
    ]);
    const declared = await api("POST", `${base}/message`, {
      token: null,
      raw: "{}",
      headers: { "content-length": String(30 * 1024 * 1024), "content-type": "application/json" },
    });
    expect(declared.status).toBe(413);
    const hugeMessage = await mesh(
      "POST",
      `${base}/message`,
      JSON.stringify({ message_id: "msg-1", content: "x".repeat(1100 * 1024), webhook: PEER_URL }),
    );
    expect(hugeMessage.status).toBe(413);
    expect(await pending(target.name)).toEqual([]);
  });

  it("bounds every stored field: bios and display names cut, keys, ids and metadata refused", async () => {
    const { target, peer } = await hostedWithPeer();
    const base = `/agents/${target.name}/__darkmatter__`;
    const other = newPassport();
    const long = await mesh("POST", `${base}/connection_request`, {
      from_agent_id: other.agentId,
      from_agent_url: PEER_URL,
      from_agent_public_key_hex: other.publicKeyHex,
      from_agent_bio: "é".repeat(100_000),
      from_agent_display_name: "n".repeat(10_000),
    });
    expect(long.status).toBe(200);
    const [held] = await pending(target.name);
    expect([held!.from_agent_bio.length, held!.from_agent_display_name.length]).toEqual([1000, 128]);
    const badKey = await mesh("POST", `${base}/connection_request`, {
      from_agent_id: "k".repeat(64),
      from_agent_url: PEER_URL,
      from_agent_public_key_hex: "k".repeat(64),
    });
    expect([badKey.status, badKey.body.error]).toEqual([400, "from_agent_public_key_hex must be 64 hex characters"]);
    const longId = await mesh("POST", `${base}/message`, await signed(peer, { message_id: "m".repeat(129) }));
    expect([longId.status, longId.body.error]).toEqual([400, "message_id too long"]);
    const fatMetadata = await mesh(
      "POST",
      `${base}/message`,
      await signed(peer, { metadata: { blob: "z".repeat(17 * 1024) } }),
    );
    expect([fatMetadata.status, fatMetadata.body.error]).toEqual([400, "metadata too long"]);
    expect(await inbox(target.name)).toEqual([]);
    // nothing oversized was held in memory: the next writes still work
    expect((await mesh("POST", `${base}/message`, await signed(peer))).status).toBe(200);
  });

  it("lets pending requests expire and caps how many one client address holds", async () => {
    const target = await createAgent(unique("pend"));
    const request = (ip: string) => {
      const node = newPassport();
      return mesh(
        "POST",
        `/agents/${target.name}/__darkmatter__/connection_request`,
        { from_agent_id: node.agentId, from_agent_url: PEER_URL, from_agent_public_key_hex: node.publicKeyHex },
        from(ip),
      );
    };
    for (let i = 0; i < PENDING_REQUESTS_PER_CLIENT; i++) expect((await request("192.0.2.50")).status).toBe(200);
    expect((await request("192.0.2.50")).body).toEqual({ error: "Too many pending requests" });
    expect((await request("192.0.2.51")).status).toBe(200); // another client still gets in
    await runInDurableObject(agentStub(target.name), (instance) => {
      for (const stored of instance.store.pending.values()) stored.expiresAt = Date.now() - 1; // an hour later
    });
    expect(await pending(target.name)).toEqual([]);
    expect((await request("192.0.2.50")).status).toBe(200);
  });

  it("answers 404 for a name that is not hosted without creating any storage", async () => {
    const ghost = unique("ghost");
    expect(
      await mesh("POST", `/agents/${ghost}/__darkmatter__/connection_request`, {
        from_agent_id: "a",
        from_agent_url: PEER_URL,
      }),
    ).toMatchObject({ status: 404, body: { error: "Not Found" } });
    expect((await mesh("GET", `/agents/${ghost}/__darkmatter__/status`)).status).toBe(404);
    const tables = await runInDurableObject(
      agentStub(ghost),
      (_instance, state) => state.storage.sql.exec("SELECT name FROM sqlite_master").toArray().length,
    );
    expect(tables).toBe(0);
  });
});

describe("floods from one client cannot hurt real peers", () => {
  it("limits anonymous requests per client address while a connected peer's signed messages go through", async () => {
    const { target, peer } = await hostedWithPeer();
    const base = `/agents/${target.name}/__darkmatter__`;
    const flood = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const stranger = newPassport();
        const kind = i % 3;
        if (kind === 0)
          return mesh(
            "POST",
            `${base}/connection_request`,
            {
              from_agent_id: stranger.agentId,
              from_agent_url: PEER_URL,
              from_agent_public_key_hex: stranger.publicKeyHex,
            },
            from("203.0.113.66"),
          );
        if (kind === 1)
          return mesh(
            "POST",
            `${base}/message`,
            await signed(stranger, { from_agent_id: peer.agentId }),
            from("203.0.113.66"),
          ); // forged as the peer
        return mesh("GET", `${base}/impression/${stranger.agentId}`, undefined, from("203.0.113.66"));
      }),
    );
    const limited = flood.filter(
      (r) =>
        r.body.error === `Rate limit exceeded for your address (${ANONYMOUS_REQUESTS_PER_CLIENT} requests per 60s)`,
    );
    expect([limited.length, limited[0]!.status]).toEqual([300 - ANONYMOUS_REQUESTS_PER_CLIENT, 429]);
    expect(flood.every((r) => r.status < 500)).toBe(true);
    // the peer, from the very same address, is not counted against it
    for (let i = 0; i < 5; i++)
      expect((await mesh("POST", `${base}/message`, await signed(peer), from("203.0.113.66"))).status).toBe(200);
    // and another client still has its own budget
    expect((await mesh("GET", `${base}/impression/${peer.agentId}`, undefined, from("2001:db8:5::1"))).status).toBe(
      200,
    );
    expect(await inbox(target.name)).toHaveLength(5);
  }, 60_000);

  it("keeps strangers' and forgers' message IDs out of durable storage, and a forgery cannot burn a real ID", async () => {
    const { target, peer } = await hostedWithPeer();
    const base = `/agents/${target.name}/__darkmatter__`;
    const replayRows = () =>
      runInDurableObject(agentStub(target.name), (instance) => instance.store.replayCacheSize() as number);
    const before = await replayRows();
    for (let i = 0; i < 20; i++) {
      await mesh("POST", `${base}/message`, await signed(newPassport()), from(`198.18.0.${i}`));
      await mesh(
        "POST",
        `${base}/message`,
        await signed(newPassport(), { from_agent_id: peer.agentId }),
        from(`198.18.1.${i}`),
      );
    }
    expect(await replayRows()).toBe(before);
    const real = await signed(peer);
    const preempt = await mesh("POST", `${base}/message`, {
      ...real,
      content: "forged first",
      signature_hex: "0".repeat(128),
    });
    expect(preempt.status).toBe(403);
    expect((await mesh("POST", `${base}/message`, real)).status).toBe(200);
    expect((await mesh("POST", `${base}/message`, real)).status).toBe(409); // the real one is consumed, as §6.5 says
  });

  it("answers webhook POSTs for unknown message ids without spending the agent's window", async () => {
    const a = await createAgent(unique("wh-a"));
    const b = await createAgent(unique("wh-b"));
    await connect(a.name, b.name);
    await api("PUT", `/api/v1/agents/${a.name}/rate-limits`, { body: { limit: 3 } });
    for (let i = 0; i < 10; i++)
      expect(
        (await mesh("POST", `/agents/${a.name}/__darkmatter__/webhook/msg-${i}`, { type: "response", response: "x" }))
          .status,
      ).toBe(404);
    const sent = (await send(a.name, { content: "question", target_agent_id: b.agent_id })).body;
    const answered = await api("POST", `/api/v1/agents/${b.name}/messages/${sent.message_id}/respond`, {
      body: { response: "answer" },
    });
    expect(answered.body).toMatchObject({ success: true, error: null });
    expect((await api("GET", `/api/v1/agents/${a.name}/sent/${sent.message_id}`)).body).toMatchObject({
      status: "responded",
      response: { response: "answer" },
    });
  });

  it("bounds webhook updates per sent message", async () => {
    const a = await createAgent(unique("wu-a"));
    const b = await createAgent(unique("wu-b"));
    await connect(a.name, b.name);
    await api("PUT", `/api/v1/agents/${a.name}/rate-limits`, { body: { limit: -1 } });
    const sent = (await send(a.name, { content: "q", target_agent_id: b.agent_id })).body;
    const path = `/agents/${a.name}/__darkmatter__/webhook/${sent.message_id}`;
    const replies = [];
    for (let i = 0; i < 101; i++)
      replies.push(
        (await mesh("POST", path, { type: "forwarded", agent_id: "x", target_agent_id: "y", note: null })).status,
      );
    expect(replies.filter((s) => s === 200)).toHaveLength(100);
    expect(replies.at(-1)).toBe(429);
    expect((await mesh("POST", path, { type: "forwarded", note: "n".repeat(1001) })).status).toBe(400);
  }, 60_000);

  it("holds the inbox cap and the per-connection limit under concurrent requests", async () => {
    const { target, peer } = await hostedWithPeer();
    await api("PUT", `/api/v1/agents/${target.name}/rate-limits`, { body: { agent_id: peer.agentId, limit: -1 } });
    const bodies = await Promise.all(Array.from({ length: INBOX_CAPACITY + 15 }, () => signed(peer)));
    const replies = await Promise.all(
      bodies.map((body) => mesh("POST", `/agents/${target.name}/__darkmatter__/message`, body)),
    );
    expect(replies.filter((r) => r.status === 200)).toHaveLength(INBOX_CAPACITY);
    expect(replies.filter((r) => r.status === 429).map((r) => r.body.error)).toEqual(
      Array(15).fill("Message queue full"),
    );
    expect(await inbox(target.name)).toHaveLength(INBOX_CAPACITY);

    const second = await hostedWithPeer();
    const burst = await Promise.all(Array.from({ length: 40 }, () => signed(second.peer)));
    const answered = await Promise.all(
      burst.map((body) => mesh("POST", `/agents/${second.target.name}/__darkmatter__/message`, body)),
    );
    expect(answered.filter((r) => r.status === 200)).toHaveLength(30);
    expect(answered.filter((r) => r.status === 429)).toHaveLength(10);
  }, 60_000);
});

describe("a squad task after a flood of the hub", () => {
  it("is dispatched and completed while one client has spent its budget on the hub and the member", async () => {
    const { approvedTask, squadOf, tag, waitForStatus } = await import("../halo/helpers.js");
    const t = tag();
    const kind = `flooded-${t}`;
    const { squad, agents } = await squadOf([`flooded-${t}`], [kind]);
    const member = agents[0]!;
    const attacker = "203.0.113.99";
    await Promise.all(
      Array.from({ length: 300 }, (_, i) => {
        const name = i % 2 === 0 ? "hub" : member.name;
        const stranger = newPassport();
        return mesh(
          "POST",
          `/agents/${name}/__darkmatter__/connection_request`,
          {
            from_agent_id: stranger.agentId,
            from_agent_url: PEER_URL,
            from_agent_public_key_hex: stranger.publicKeyHex,
          },
          from(attacker),
        );
      }),
    );
    expect((await mesh("GET", `/agents/hub/__darkmatter__/impression/x`, undefined, from(attacker))).status).toBe(429);
    const created = await approvedTask({ kind, squadId: squad.id, maxAttempts: 1 });
    expect((await api("POST", `/api/v1/tasks/${created.id}/dispatch`)).body).toMatchObject({ status: "dispatched" });
    const held = (await inbox(member.name)).find((m) => m.metadata.taskId === created.id)!;
    expect(
      (
        await api("POST", `/api/v1/agents/${member.name}/messages/${held.message_id}/respond`, {
          body: { response: "done" },
        })
      ).body.success,
    ).toBe(true);
    expect(await waitForStatus(created.id, "completed")).toMatchObject({ result: { response: "done" } });
    // 180 s: the 300-request flood takes ~3.5 s when this test runs alone but ~20 s after the
    // per-address limit test above and ~60 s at the end of this file (measured 2026-12-02, not yet
    // explained: something earlier tests leave behind slows the Worker's mesh path; issue 18).
  }, 180_000);
});

describe("the connection cap under concurrent requests", () => {
  it("reserves a slot before dialling, so N concurrent requests cannot pass the cap", async () => {
    const requester = await createAgent(unique("cap"));
    const targets = await Promise.all(Array.from({ length: 5 }, () => createAgent(unique("cap-t"))));
    // this one agent's cap is 2 (DM_MAX_CONNECTIONS is 1000 for the rest of the suite)
    await runInDurableObject(agentStub(requester.name), (instance) => {
      instance.env = { ...instance.env, DM_MAX_CONNECTIONS: "2" };
    });
    await connect(requester.name, targets[0]!.name); // one connection held
    const replies = await Promise.all(
      targets.slice(1).map((t) => connection(requester.name, { action: "request", target_url: agentUrl(t.name) })),
    );
    expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
    expect(replies.filter((r) => r.status === 409).map((r) => r.body.code)).toEqual([
      "connection-limit",
      "connection-limit",
      "connection-limit",
    ]);
  }, 60_000);
});

describe("agent storage", () => {
  it("moves the first layout's one-value collections into rows on load, and deletes the old values", async () => {
    const { AgentStore } = await import("../../src/stores/agent-store.js");
    const agent = await createAgent(unique("legacy"));
    const peer = newPassport();
    const legacyConnection = {
      agent_id: peer.agentId,
      agent_url: PEER_URL,
      agent_bio: "",
      direction: "inbound",
      connected_at: "2026-01-01T00:00:00+00:00",
      agent_public_key_hex: peer.publicKeyHex,
      agent_display_name: null,
      rate_limit: 0,
      messages_sent: 0,
      messages_received: 0,
      messages_declined: 0,
      last_activity: null,
      health_failures: 0,
    };
    const moved = await runInDurableObject(agentStub(agent.name), async (_instance, state) => {
      await state.storage.put({
        connections: { [peer.agentId]: legacyConnection },
        impressions: { [peer.agentId]: "steady" },
        pendingOutbound: [{ url: PEER_URL }],
      });
      const store = new AgentStore(state.storage);
      await store.load();
      return {
        connection: store.connections.get(peer.agentId),
        impression: store.impressions.get(peer.agentId),
        outbound: store.pendingOutbound,
        left: [...(await state.storage.get(["connections", "impressions", "pendingOutbound"])).keys()],
      };
    });
    expect(moved).toEqual({
      connection: legacyConnection,
      impression: "steady",
      outbound: [{ url: PEER_URL }],
      left: [],
    });
  });
});

import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signedPeerUpdate } from "../../src/core/mesh/message-signing.js";
import { newPassport } from "../../src/core/mesh/passport.js";
import { formatMeshTimestamp } from "../../src/core/mesh/timestamp.js";
import { mesh } from "./mesh-helpers.js";

const register = async (
  passport = newPassport(),
  overrides: Record<string, unknown> = {},
  ip = "203.0.113.7",
  at = Date.now(),
) =>
  mesh(
    "POST",
    "/__darkmatter__/peer_update",
    { ...(await signedPeerUpdate(passport, "https://node.example.com:8101", formatMeshTimestamp(at))), ...overrides },
    { "cf-connecting-ip": ip },
  );

const directory = () => env.DIRECTORY.get(env.DIRECTORY.idFromName("anchor-directory"));
const entryCount = (agentId: string) =>
  runInDurableObject(
    directory(),
    (_instance, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM entries WHERE agent_id = ?", agentId).one().n,
  );

describe("the anchor at the Worker root (spec §9)", () => {
  it("registers a signed peer_update, pins its key, and answers lookups with a float last_seen", async () => {
    const node = newPassport();
    expect((await register(node, {}, "198.51.100.1")).body).toEqual({ success: true, registered: true });
    expect((await register(node, {}, "198.51.100.1")).body).toEqual({ success: true, registered: false });
    const lookup = (await mesh("GET", `/__darkmatter__/peer_lookup/${node.agentId}`)).body;
    expect(lookup).toMatchObject({ agent_id: node.agentId, url: "https://node.example.com:8101" });
    expect(typeof lookup.last_seen).toBe("number");
    expect(lookup.last_seen).toBeCloseTo(Date.now() / 1000, -1);
    const impostor = newPassport();
    const hijack = await register(impostor, { agent_id: node.agentId }, "198.51.100.2");
    expect(hijack.status).toBe(403); // signed by another key for a pinned agent_id
    expect((await mesh("GET", "/__darkmatter__/peer_lookup/unknown-agent")).body).toEqual({ error: "Unknown agent" });
    const wellKnown = (await mesh("GET", "/.well-known/darkmatter.json")).body;
    expect(wellKnown).toMatchObject({ darkmatter: true, anchor: true, protocol_version: "0.2" });
    expect(wellKnown.agents_registered).toBeGreaterThanOrEqual(1);
  });

  it("refuses missing proofs (400), stale timestamps (403), agent_id ≠ key, and strips whitespace before verifying", async () => {
    const node = newPassport();
    const missing = await register(node, { signature: "" }, "198.51.100.3");
    expect([missing.status, missing.body.error]).toEqual([400, "Missing public_key_hex, signature, or timestamp"]);
    const stale = await register(node, {}, "198.51.100.3", Date.now() - 10 * 60_000);
    expect([stale.status, stale.body.error]).toEqual([403, "Timestamp expired or invalid"]);
    const update = await signedPeerUpdate(node, "https://node.example.com:8101", formatMeshTimestamp(Date.now()));
    const padded = await mesh(
      "POST",
      "/__darkmatter__/peer_update",
      { ...update, agent_id: `  ${update.agent_id}\n` },
      { "cf-connecting-ip": "198.51.100.3" },
    );
    expect(padded.body).toEqual({ success: true, registered: true });
    const notJson = await mesh("POST", "/__darkmatter__/peer_update", "nope", { "cf-connecting-ip": "198.51.100.3" });
    expect([notJson.status, notJson.body.error]).toEqual([400, "JSON body required"]);
  });

  it("allows 10 registrations per minute per CF-Connecting-IP and answers the 11th with 429", async () => {
    const results = [];
    for (let i = 0; i < 11; i++) results.push((await register(newPassport(), {}, "192.0.2.99")).status);
    expect(results.slice(0, 10).every((s) => s === 200)).toBe(true);
    expect(results[10]).toBe(429);
    expect((await register(newPassport(), {}, "192.0.2.100")).status).toBe(200); // another client is unaffected
  });

  it("does not charge this Worker's own agents registering in-process, and a client cannot claim to be one", async () => {
    const { meshCall } = await import("../../src/mesh/transport.js");
    const statuses = [];
    for (let i = 0; i < 12; i++) {
      const update = await signedPeerUpdate(
        newPassport(),
        "https://node.example.com:8101",
        formatMeshTimestamp(Date.now()),
      );
      const call = await meshCall(env, "http://localhost/__darkmatter__/peer_update", {
        method: "POST",
        body: update,
        timeoutMs: 5000,
      });
      statuses.push(call.ok ? call.status : 0);
    }
    expect(statuses).toEqual(Array(12).fill(200)); // e.g. every hosted agent re-announcing after a DM_PUBLIC_URL change
    const claimed = [];
    for (let i = 0; i < 11; i++)
      claimed.push(
        (
          await mesh(
            "POST",
            "/__darkmatter__/peer_update",
            await signedPeerUpdate(newPassport(), "https://node.example.com:8101", formatMeshTimestamp(Date.now())),
            { "cf-connecting-ip": "192.0.2.150", "x-dm-client": "internal" },
          )
        ).status,
      );
    expect(claimed.at(-1)).toBe(429);
  });

  it("forgets entries unseen for more than 24 hours through its alarm", async () => {
    const node = newPassport();
    await register(node, {}, "198.51.100.9");
    await runInDurableObject(directory(), (_instance, state) => {
      state.storage.sql.exec(
        "UPDATE entries SET last_seen = ? WHERE agent_id = ?",
        Date.now() / 1000 - 86_401,
        node.agentId,
      );
    });
    expect(await runDurableObjectAlarm(directory())).toBe(true);
    const count = await runInDurableObject(
      directory(),
      (_instance, state) =>
        state.storage.sql
          .exec<{ n: number }>("SELECT count(*) AS n FROM entries WHERE agent_id = ?", node.agentId)
          .one().n,
    );
    expect(count).toBe(0);
    expect((await mesh("GET", `/__darkmatter__/peer_lookup/${node.agentId}`)).status).toBe(404);
  });
});

describe("the anchor against hostile clients (issue 11)", () => {
  it("counts IPv6 clients by /64: the 11th registration from one /64 is 429 while another /64 and IPv4 still register", async () => {
    const statuses = [];
    for (let i = 1; i <= 11; i++)
      statuses.push((await register(newPassport(), {}, `2001:db8:1:2::${i.toString(16)}`)).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200));
    expect(statuses[10]).toBe(429);
    const refused = newPassport();
    expect((await register(refused, {}, "2001:db8:1:2:ffff:ffff:ffff:ffff")).body).toEqual({
      error: "Rate limit exceeded",
    });
    expect(await entryCount(refused.agentId)).toBe(0);
    expect((await register(newPassport(), {}, "2001:db8:1:3::1")).status).toBe(200);
    expect((await register(newPassport(), {}, "192.0.2.77")).status).toBe(200);
  });

  it("answers a 300 KiB body with 413 {error} and stores nothing", async () => {
    const node = newPassport();
    const update = await signedPeerUpdate(node, "https://node.example.com:8101", formatMeshTimestamp(Date.now()));
    const big = await mesh(
      "POST",
      "/__darkmatter__/peer_update",
      { ...update, padding: "x".repeat(300 * 1024) },
      { "cf-connecting-ip": "198.51.100.40" },
    );
    expect(big.status).toBe(413);
    expect(big.contentType).toBe("application/json");
    expect(Object.keys(big.body)).toEqual(["error"]);
    expect(await entryCount(node.agentId)).toBe(0);
    expect(
      (await mesh("POST", "/__darkmatter__/peer_update", update, { "cf-connecting-ip": "198.51.100.40" })).body,
    ).toEqual({ success: true, registered: true });
  });

  it("refuses a declared 30 MB body with 413 without reading it", async () => {
    const declared = 30 * 1024 * 1024;
    const { readable, writable } = new FixedLengthStream(declared);
    const writer = writable.getWriter();
    let written = 0;
    // Written only as fast as the far end reads: a reader that stops leaves the rest unwritten.
    const writing = (async () => {
      const chunk = new Uint8Array(64 * 1024).fill(0x20);
      try {
        while (written < declared) {
          await writer.write(chunk);
          written += chunk.byteLength;
        }
        await writer.close();
      } catch {
        // the reader cancelled: what this test wants
      }
    })();
    const response = await (exports as any).default.fetch(
      new Request("http://localhost/__darkmatter__/peer_update", {
        method: "POST",
        headers: { "content-type": "application/json", "cf-connecting-ip": "198.51.100.41" },
        body: readable,
      }),
    );
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: expect.stringContaining("too large") });
    await writer.abort().catch(() => undefined);
    await writing;
    expect(written).toBeLessThan(4 * 1024 * 1024);
  });

  it("refuses a key or signature of the wrong length with 400 before verifying, storing nothing", async () => {
    const node = newPassport();
    const update = await signedPeerUpdate(node, "https://node.example.com:8101", formatMeshTimestamp(Date.now()));
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ public_key_hex: update.public_key_hex.slice(0, 62) }, "public_key_hex must be 64 hex characters"],
      [{ public_key_hex: "f".repeat(100_000) }, "public_key_hex must be 64 hex characters"],
      [{ signature: update.signature.slice(0, 126) }, "signature must be 128 hex characters"],
      [{ signature: "0".repeat(200_000) }, "signature must be 128 hex characters"],
    ];
    for (const [fields, error] of cases) {
      const refused = await mesh(
        "POST",
        "/__darkmatter__/peer_update",
        { ...update, ...fields },
        { "cf-connecting-ip": "198.51.100.42" },
      );
      expect([refused.status, refused.body]).toEqual([400, { error }]);
    }
    expect(await entryCount(node.agentId)).toBe(0);
  });
});

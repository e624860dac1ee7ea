import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signedPeerUpdate } from "../../src/core/mesh/message-signing.js";
import { newPassport } from "../../src/core/mesh/passport.js";
import { formatMeshTimestamp } from "../../src/core/mesh/timestamp.js";
import { mesh } from "./mesh-helpers.js";

const register = async (passport = newPassport(), overrides: Record<string, unknown> = {}, ip = "203.0.113.7", at = Date.now()) =>
  mesh("POST", "/__darkmatter__/peer_update", { ...(await signedPeerUpdate(passport, "https://node.example.com:8101", formatMeshTimestamp(at))), ...overrides }, { "cf-connecting-ip": ip });

const directory = () => env.DIRECTORY.get(env.DIRECTORY.idFromName("anchor-directory"));

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
    const padded = await mesh("POST", "/__darkmatter__/peer_update", { ...update, agent_id: `  ${update.agent_id}\n` }, { "cf-connecting-ip": "198.51.100.3" });
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

  it("forgets entries unseen for more than 24 hours through its alarm", async () => {
    const node = newPassport();
    await register(node, {}, "198.51.100.9");
    await runInDurableObject(directory(), (_instance, state) => {
      state.storage.sql.exec("UPDATE entries SET last_seen = ? WHERE agent_id = ?", Date.now() / 1000 - 86_401, node.agentId);
    });
    expect(await runDurableObjectAlarm(directory())).toBe(true);
    const count = await runInDurableObject(directory(), (_instance, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM entries WHERE agent_id = ?", node.agentId).one().n);
    expect(count).toBe(0);
    expect((await mesh("GET", `/__darkmatter__/peer_lookup/${node.agentId}`)).status).toBe(404);
  });
});

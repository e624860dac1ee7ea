// The SSRF fetch rule as an operator meets it (issue 11): a connection request to a private
// address, in any IPv4 or IPv6 spelling, is refused before anything is fetched, while this
// Worker's own agents (in-process) and public peers are still called. vitest.config.mts sets
// DM_PRIVATE_PEERS=refuse, the production behaviour.
import { afterEach, describe, expect, it, vi } from "vitest";
import { fetchPolicy } from "../../src/mesh/transport.js";
import { agentUrl, connection, createAgent } from "./mesh-helpers.js";

afterEach(() => vi.restoreAllMocks());

describe("connection requests to private addresses", () => {
  it("are refused with the private-address text, and nothing is fetched", async () => {
    const fetched = vi.spyOn(globalThis, "fetch");
    await createAgent("ssrf-dialler");
    for (const target of [
      "http://127.0.0.1:9/",
      "http://[64:ff9b::7f00:1]/",
      "http://[2002:a00:1::]/",
      "http://[::127.0.0.1]/",
      "http://[::ffff:10.0.0.1]/",
      "http://10.0.0.1/",
      "http://169.254.169.254/",
      "http://localhost:8100/mcp",
      "http://2130706433/",
    ]) {
      const requested = await connection("ssrf-dialler", { action: "request", target_url: target });
      expect([requested.status, requested.body.code], target).toEqual([502, "peer-unreachable"]);
      expect(requested.body.detail, target).toContain("URL must not target private or link-local IP addresses.");
    }
    expect(fetched).not.toHaveBeenCalled();
    expect(
      (await connection("ssrf-dialler", { action: "request_mutual", target_url: "http://[64:ff9b::a00:1]" })).body
        .detail,
    ).toContain("private");
    expect(fetched).not.toHaveBeenCalled();
  });

  it("leave public peers and this Worker's own agents reachable", async () => {
    const urls: string[] = [];
    const fetched = vi.spyOn(globalThis, "fetch").mockImplementation(async (request) => {
      urls.push(request instanceof Request ? request.url : String(request));
      return Response.json({ error: "nobody here" }, { status: 404 });
    });
    await createAgent("ssrf-a");
    await createAgent("ssrf-b");
    const own = await connection("ssrf-a", { action: "request", target_url: agentUrl("ssrf-b") });
    expect(own.body).toMatchObject({ success: true });
    expect(fetched).not.toHaveBeenCalled(); // served in-process
    await connection("ssrf-a", { action: "request", target_url: "http://[64:ff9b::808:808]:8100/" });
    expect(urls).toContain("http://[64:ff9b::808:808]:8100/.well-known/darkmatter.json");
  });
});

describe("DM_PRIVATE_PEERS", () => {
  const policy = (vars: Partial<Env>) => fetchPolicy(vars as Env);

  it("allows private peers on a local stack and refuses them in production when unset", () => {
    expect(policy({})).toEqual({ ownPublicUrl: "http://localhost:8787", allowPrivate: true });
    expect(policy({ DM_PUBLIC_URL: "http://127.0.0.1:8787" }).allowPrivate).toBe(true);
    expect(policy({ DM_PUBLIC_URL: "https://edge.example.com" })).toEqual({
      ownPublicUrl: "https://edge.example.com",
      allowPrivate: false,
    });
    expect(policy({ DM_PUBLIC_URL: "https://edge.example.com", DM_PRIVATE_PEERS: "sometimes" }).allowPrivate).toBe(
      false,
    );
  });

  it("overrides the automatic choice with allow or refuse", () => {
    expect(policy({ DM_PUBLIC_URL: "https://edge.example.com", DM_PRIVATE_PEERS: "allow" }).allowPrivate).toBe(true);
    expect(policy({ DM_PRIVATE_PEERS: "refuse" }).allowPrivate).toBe(false);
  });
});

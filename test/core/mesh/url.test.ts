// URL rules (§7.1–§7.3, §3.3, §14.5, §14.6) and the mesh path table with its aliases (§4.1, §7.2, §12.2).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  acceptanceBase,
  canonicalPublicUrl,
  graftWebhookPath,
  matchAnchorPath,
  matchNodePath,
  meshBaseUrl,
  meshEndpointUrl,
  parseAnchorList,
  publicUrlFromSetting,
  validateMeshUrl,
} from "../../../src/core/mesh/index.js";

describe("§7.1 URL validation", () => {
  it("accepts http and https URLs with a host, whatever the case of the scheme", () => {
    for (const url of [
      "http://h",
      "https://edge.example.com/a/b",
      "HTTP://H:8100",
      "http://[::1]:8100/mcp",
      "http://user@host/",
    ]) {
      expect(validateMeshUrl(url), url).toBeUndefined();
    }
  });

  it("reports the reference's texts, with the node's final period and without the anchor's", () => {
    expect(validateMeshUrl("ftp://x")).toBe("URL scheme must be http or https, got 'ftp'.");
    expect(validateMeshUrl("ftp://x", "anchor")).toBe("URL scheme must be http or https, got 'ftp'");
    expect(validateMeshUrl("example.com")).toBe("URL scheme must be http or https, got ''.");
    expect(validateMeshUrl("http:///path")).toBe("URL has no hostname.");
    expect(validateMeshUrl("http://[::1/x")).toBe("Invalid URL.");
    expect(validateMeshUrl(`http://h/${"a".repeat(2040)}`)).toBe("URL exceeds maximum length (2048 chars).");
  });

  it("measures the 2048 limit in code points, not UTF-16 units", () => {
    const emoji = "\u{1F600}".repeat(2048 - "http://h/".length);
    expect(validateMeshUrl(`http://h/${emoji}`)).toBeUndefined();
    expect(validateMeshUrl(`http://h/${emoji}x`)).toBe("URL exceeds maximum length (2048 chars).");
  });
});

describe("§7.2 base-URL normalisation", () => {
  it("removes trailing slashes and at most one /mcp or /__darkmatter__ suffix, nothing else", () => {
    expect(meshBaseUrl("http://h:8100///")).toBe("http://h:8100");
    expect(meshBaseUrl("http://h:8100/mcp/")).toBe("http://h:8100");
    expect(meshBaseUrl("http://h:8100/__darkmatter__")).toBe("http://h:8100");
    expect(meshBaseUrl("http://h:8100/mcp/mcp")).toBe("http://h:8100/mcp");
    expect(meshBaseUrl("HTTP://H:80/a/123")).toBe("HTTP://H:80/a/123");
  });

  it("keeps a base's path prefix, so edge-hosted agents under a path work for every call (§3.4)", () => {
    expect(meshEndpointUrl("https://edge.example.com/a/42/mcp", "message")).toBe(
      "https://edge.example.com/a/42/__darkmatter__/message",
    );
    expect(meshEndpointUrl("https://edge.example.com/", "peer_lookup", "ab/cd")).toBe(
      "https://edge.example.com/__darkmatter__/peer_lookup/ab%2Fcd",
    );
  });

  it("maps every accepted spelling of a base to that base and to the same endpoint URL", () => {
    const spellings = fc.constantFrom("", "/", "//", "/mcp", "/mcp/", "/__darkmatter__", "/__darkmatter__/");
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: false, withFragments: false }), spellings, (url, suffix) => {
        const base = url.replace(/\/+$/, "");
        fc.pre(!base.endsWith("/mcp") && !base.endsWith("/__darkmatter__"));
        expect(meshBaseUrl(base + suffix)).toBe(base);
        expect(meshEndpointUrl(base + suffix, "status")).toBe(`${base}/__darkmatter__/status`);
      }),
    );
  });

  it("never leaves a double slash before /__darkmatter__ (a deliberate tightening of §7.2)", () => {
    expect(meshEndpointUrl("http://a.example//mcp/", "message")).toBe("http://a.example/__darkmatter__/message");
  });
});

describe("§7.3 acceptance base", () => {
  it("cuts at the last /mcp and strips slashes around it", () => {
    expect(acceptanceBase("http://127.0.0.1:8102/mcp/")).toBe("http://127.0.0.1:8102");
    expect(acceptanceBase("http://h/mcp/x/mcp")).toBe("http://h/mcp/x");
    expect(acceptanceBase("http://h/mcpserver")).toBe("http://h");
    expect(acceptanceBase("https://x:443")).not.toBe(acceptanceBase("https://x"));
  });
});

describe("public URL and anchors", () => {
  it("strips trailing slashes from DARKMATTER_PUBLIC_URL and treats empty as unset (§3.3)", () => {
    expect(publicUrlFromSetting("https://edge.example.com//")).toBe("https://edge.example.com");
    expect(publicUrlFromSetting("")).toBeUndefined();
    expect(publicUrlFromSetting(undefined)).toBeUndefined();
  });

  it("canonicalises our own P: lower-case scheme and host, no default port, no trailing slash (§19.1)", () => {
    expect(canonicalPublicUrl("HTTPS://Edge.Example.com:443/a/1/")).toBe("https://edge.example.com/a/1");
    expect(canonicalPublicUrl("http://h:8100")).toBe("http://h:8100");
    expect(canonicalPublicUrl("ftp://h")).toBeUndefined();
  });

  it("reads DARKMATTER_ANCHOR_NODES: default when unset, none when empty, trimmed list otherwise (§14.6)", () => {
    expect(parseAnchorList(undefined)).toEqual(["https://loseylabs.ai"]);
    expect(parseAnchorList("")).toEqual([]);
    expect(parseAnchorList("  ")).toEqual([]);
    expect(parseAnchorList(" http://127.0.0.1:5001/ , https://a.example,, ")).toEqual([
      "http://127.0.0.1:5001",
      "https://a.example",
    ]);
  });

  it("grafts a webhook path onto a looked-up base and drops the query; other paths are not recoverable (§14.5)", () => {
    expect(graftWebhookPath("http://old:8101/__darkmatter__/webhook/msg-1?x=1", "http://new:9000/mcp")).toBe(
      "http://new:9000/__darkmatter__/webhook/msg-1",
    );
    expect(
      graftWebhookPath("https://edge.example.com/a/1/__darkmatter__/webhook/msg-1", "https://new.example.com"),
    ).toBeUndefined();
  });
});

describe("mesh paths and aliases", () => {
  it("routes every node endpoint, with its single path parameter decoded", () => {
    expect(matchNodePath("POST", "/__darkmatter__/message")).toEqual({
      kind: "endpoint",
      endpoint: "message",
      isMcpAlias: false,
      isRateLimited: true,
    });
    expect(matchNodePath("GET", "/__darkmatter__/webhook/msg-1")).toEqual({
      kind: "endpoint",
      endpoint: "webhook",
      param: "msg-1",
      isMcpAlias: false,
      isRateLimited: false,
    });
    expect(matchNodePath("POST", "/__darkmatter__/webhook/msg-1")).toMatchObject({ isRateLimited: true });
    expect(matchNodePath("HEAD", "/__darkmatter__/peer_lookup/a%20b")).toMatchObject({
      endpoint: "peer_lookup",
      param: "a b",
    });
  });

  it("serves exactly the three aliases Python peers reach under /mcp/__darkmatter__ (§7.2)", () => {
    expect(matchNodePath("POST", "/mcp/__darkmatter__/connection_accepted")).toMatchObject({
      endpoint: "connection_accepted",
      isMcpAlias: true,
    });
    expect(matchNodePath("GET", "/mcp/__darkmatter__/impression/abc")).toMatchObject({
      endpoint: "impression",
      param: "abc",
      isMcpAlias: true,
      isRateLimited: true,
    });
    expect(matchNodePath("POST", "/mcp/__darkmatter__/webrtc_offer")).toMatchObject({
      endpoint: "webrtc_offer",
      isMcpAlias: true,
    });
    expect(matchNodePath("POST", "/mcp/__darkmatter__/connection_request")).toEqual({ kind: "not-found" });
  });

  it("answers unknown paths, trailing slashes and empty parameters as not found, never as a redirect (§4.1)", () => {
    for (const path of [
      "/__darkmatter__",
      "/__darkmatter__/",
      "/__darkmatter__/status/",
      "/__darkmatter__/webhook/",
      "/__darkmatter__/nope",
      "/__darkmatter__/status/x",
      "/__darkmatter__/webhook/%E0%A4%A",
    ]) {
      expect(matchNodePath("GET", path), path).toEqual({ kind: "not-found" });
    }
  });

  it("answers a wrong method with the allowed ones", () => {
    expect(matchNodePath("GET", "/__darkmatter__/message")).toEqual({ kind: "method-not-allowed", allow: "POST" });
    expect(matchNodePath("POST", "/__darkmatter__/status")).toEqual({ kind: "method-not-allowed", allow: "GET, HEAD" });
    expect(matchNodePath("DELETE", "/__darkmatter__/webhook/m")).toEqual({
      kind: "method-not-allowed",
      allow: "GET, HEAD, POST",
    });
  });

  it("gives an anchor only peer_update and peer_lookup (§9)", () => {
    expect(matchAnchorPath("POST", "/__darkmatter__/peer_update")).toMatchObject({
      endpoint: "peer_update",
      isRateLimited: true,
    });
    expect(matchAnchorPath("GET", "/__darkmatter__/peer_lookup/x")).toMatchObject({
      endpoint: "peer_lookup",
      isRateLimited: false,
    });
    expect(matchAnchorPath("POST", "/__darkmatter__/message")).toEqual({ kind: "not-found" });
    expect(matchAnchorPath("GET", "/__darkmatter__/constructor")).toEqual({ kind: "not-found" });
  });
});

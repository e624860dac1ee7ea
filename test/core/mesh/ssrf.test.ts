// The SSRF rules without DNS (§7.4, §19.9): webhooks, every fetched URL, and the address set behind them.
import { describe, expect, it } from "vitest";
import {
  checkFetchTarget,
  checkWebhookTarget,
  isRefusedAddress,
  isRefusedHost,
  parseIpAddress,
  WEBHOOK_BLOCKED_TEXT,
} from "../../../src/core/mesh/index.js";

const noTrust = { ownPublicUrl: "https://edge.example.com", peerUrls: [] };
const isBlocked = (url: string) => !checkWebhookTarget(url, noTrust).isAllowed;

describe("§7.4 webhook SSRF rule", () => {
  it("refuses every range the reference refuses", () => {
    for (const host of [
      "0.0.0.0",
      "10.1.2.3",
      "127.0.0.1",
      "169.254.169.254",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "192.0.2.1",
      "198.18.0.1",
      "240.0.0.1",
      "255.255.255.255",
      "[::1]",
      "[fc00::1]",
      "[fd12::1]",
      "[fe80::1]",
      "[::ffff:10.0.0.1]",
      "[2001:db8::1]",
      "[::]",
    ]) {
      expect(isBlocked(`http://${host}/hook`), host).toBe(true);
    }
  });

  it("allows public addresses and carrier-grade NAT, which the reference does not refuse", () => {
    for (const host of ["8.8.8.8", "100.64.0.1", "172.32.0.1", "[2606:4700::1111]", "hooks.example.com"]) {
      expect(isBlocked(`https://${host}/hook`), host).toBe(false);
    }
  });

  it("refuses localhost names without resolving them (§19.9)", () => {
    for (const url of ["http://localhost:8100/x", "http://LOCALHOST./x", "http://api.localhost/x"])
      expect(isBlocked(url), url).toBe(true);
  });

  it("judges the host fetch() will actually reach: numeric IPv4 spellings are normalised first", () => {
    for (const url of ["http://2130706433/", "http://0x7f.1/", "http://0177.0.0.1/", "http://127.1/"])
      expect(isBlocked(url), url).toBe(true);
  });

  it("is not fooled by a backslash that Python reads as part of the authority", () => {
    expect(isBlocked("http://127.0.0.1\\@example.com/")).toBe(true);
  });

  it("refuses URLs that fail generic validation with the §7.1 text", () => {
    expect(checkWebhookTarget("ftp://example.com/x", noTrust)).toEqual({
      isAllowed: false,
      error: "URL scheme must be http or https, got 'ftp'.",
    });
  });

  it("compares known-peer origins with default ports filled in, so https://x and https://x:443 are one origin", () => {
    const trust = { ownPublicUrl: "https://10.0.0.9", peerUrls: [] };
    expect(checkWebhookTarget("https://10.0.0.9:443/__darkmatter__/webhook/m", trust)).toEqual({
      isAllowed: true,
      reason: "known-peer",
    });
    expect(checkWebhookTarget("http://10.0.0.9/__darkmatter__/webhook/m", trust).isAllowed).toBe(false);
  });
});

describe("IP literals as Python's ipaddress reads them", () => {
  it("parses strict dotted quads and RFC 4291 IPv6 text, refusing what Python refuses", () => {
    expect(parseIpAddress("192.168.0.1")).toEqual({ version: 4, value: 0xc0a80001n });
    expect(parseIpAddress("::ffff:1.2.3.4")).toEqual({ version: 6, value: 0xffff01020304n });
    expect(parseIpAddress("fe80::1%eth0")).toMatchObject({ version: 6 });
    for (const bad of [
      "010.0.0.1",
      "1.2.3",
      "256.1.1.1",
      "1::2::3",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7::8",
      "example.com",
      "",
    ]) {
      expect(parseIpAddress(bad), bad).toBeUndefined();
    }
  });

  it("refuses all IPv4-mapped addresses, as Python 3.11.2 lists ::ffff:0:0/96 as private", () => {
    expect(isRefusedAddress(parseIpAddress("::ffff:8.8.8.8")!)).toBe(true);
    expect(isRefusedHost("[::ffff:808:808]")).toBe(true);
  });
});

describe("IPv6 forms of refused IPv4 addresses", () => {
  it("refuses NAT64, 6to4, IPv4-compatible and IPv4-mapped spellings of private addresses", () => {
    for (const host of [
      "[64:ff9b::7f00:1]",
      "[64:ff9b::a00:1]",
      "[64:ff9b::192.168.0.1]",
      "[64:ff9b::a9fe:a9fe]",
      "[2002:7f00:1::]",
      "[2002:a00:1:1::5]",
      "[2002:c0a8:101::]",
      "[::127.0.0.1]",
      "[::a00:1]",
      "[::169.254.169.254]",
      "[::ffff:10.0.0.1]",
      "[::ffff:7f00:1]",
    ]) {
      expect(isRefusedHost(host), host).toBe(true);
      expect(isBlocked(`http://${host}/hook`), host).toBe(true);
    }
  });

  it("refuses the whole local-use NAT64 prefix, whose IPv4 bits depend on the operator's prefix length (RFC 8215)", () => {
    for (const host of ["[64:ff9b:1::a00:1]", "[64:ff9b:1::808:808]", "[64:ff9b:1:ffff::1]"])
      expect(isRefusedHost(host), host).toBe(true);
  });

  it("allows NAT64, 6to4 and IPv4-compatible spellings of public addresses", () => {
    for (const host of [
      "[64:ff9b::808:808]",
      "[64:ff9b::8.8.8.8]",
      "[64:ff9b::6440:1]",
      "[2002:808:808::]",
      "[2002:808:808:1::1]",
      "[::8.8.8.8]",
    ]) {
      expect(isRefusedHost(host), host).toBe(false);
    }
  });

  it("reads the 6to4 address from bits 16..47 only, not from the interface id", () => {
    expect(isRefusedHost("[2002:808:808::7f00:1]")).toBe(false);
    expect(isRefusedHost("[2002:7f00:1::808:808]")).toBe(true);
  });

  it("leaves neighbouring prefixes alone", () => {
    for (const host of ["[64:ff9a::7f00:1]", "[64:ff9b:0:0:0:1:7f00:1]", "[2003:7f00:1::]", "[1::7f00:1]"])
      expect(isRefusedHost(host), host).toBe(false);
  });
});

describe("the fetch rule for every URL the Worker fetches", () => {
  const production = { ownPublicUrl: "https://edge.example.com", allowPrivate: false };

  it("refuses private, loopback and link-local hosts in every spelling, with the private text", () => {
    for (const url of [
      "http://127.0.0.1:9/",
      "http://[64:ff9b::7f00:1]/",
      "http://[2002:7f00:1::]/",
      "http://[::127.0.0.1]/",
      "http://[::ffff:10.0.0.1]/",
      "http://[64:ff9b::a00:1]",
      "http://10.0.0.1/",
      "http://169.254.169.254/latest/meta-data",
      "http://[fe80::1]/",
      "http://localhost:8100/mcp",
      "http://2130706433/",
      "http://127.0.0.1\\@example.com/",
    ]) {
      expect(checkFetchTarget(url, production), url).toEqual({
        isAllowed: false,
        error: "URL must not target private or link-local IP addresses.",
      });
    }
  });

  it("says the same thing as the webhook refusal, without the word Webhook", () => {
    expect(WEBHOOK_BLOCKED_TEXT).toBe(
      `Webhook ${(checkFetchTarget("http://10.0.0.1/", production) as { error: string }).error}`,
    );
  });

  it("allows public hosts, names and public embedded addresses", () => {
    for (const url of [
      "https://peer.example.com/mcp",
      "http://8.8.8.8:8100/",
      "http://[64:ff9b::808:808]/",
      "http://[2002:808:808::]/",
      "https://[2606:4700::1111]/",
      "http://100.64.0.1/",
    ]) {
      expect(checkFetchTarget(url, production), url).toEqual({ isAllowed: true });
    }
  });

  it("allows this node's own origin, which is served in-process, and only that origin", () => {
    const local = { ownPublicUrl: "http://localhost:8787", allowPrivate: false };
    expect(checkFetchTarget("http://localhost:8787/agents/hub/__darkmatter__/status", local)).toEqual({
      isAllowed: true,
    });
    expect(checkFetchTarget("http://LOCALHOST:8787/agents/hub", local)).toEqual({ isAllowed: true });
    expect(checkFetchTarget("http://localhost:8788/agents/hub", local).isAllowed).toBe(false);
    expect(checkFetchTarget("https://localhost:8787/agents/hub", local).isAllowed).toBe(false);
  });

  it("allows private hosts when the policy allows private peers (a local development stack)", () => {
    const local = { ownPublicUrl: "http://localhost:8787", allowPrivate: true };
    for (const url of ["http://127.0.0.1:8101/mcp", "http://10.0.0.1/", "http://[::1]:8100/"])
      expect(checkFetchTarget(url, local), url).toEqual({ isAllowed: true });
  });

  it("refuses invalid and non-http URLs whatever the policy, with the §7.1 texts", () => {
    const permissive = { ownPublicUrl: "http://localhost:8787", allowPrivate: true };
    expect(checkFetchTarget("ftp://example.com/x", permissive)).toEqual({
      isAllowed: false,
      error: "URL scheme must be http or https, got 'ftp'.",
    });
    expect(checkFetchTarget("http:///path", permissive)).toEqual({ isAllowed: false, error: "URL has no hostname." });
    expect(checkFetchTarget(`http://h/${"a".repeat(2040)}`, permissive)).toEqual({
      isAllowed: false,
      error: "URL exceeds maximum length (2048 chars).",
    });
  });
});

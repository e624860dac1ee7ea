// The webhook SSRF rule without DNS (§7.4, §19.9) and the Python 3.11.2 address set behind it.
import { describe, expect, it } from "vitest";
import { checkWebhookTarget, isRefusedAddress, isRefusedHost, parseIpAddress } from "../../../src/core/mesh/index.js";

const noTrust = { ownPublicUrl: "https://edge.example.com", peerUrls: [] };
const isBlocked = (url: string) => !checkWebhookTarget(url, noTrust).isAllowed;

describe("§7.4 webhook SSRF rule", () => {
  it("refuses every range the reference refuses", () => {
    for (const host of ["0.0.0.0", "10.1.2.3", "127.0.0.1", "169.254.169.254", "172.16.0.1", "172.31.255.255", "192.168.1.1", "192.0.2.1", "198.18.0.1", "240.0.0.1", "255.255.255.255", "[::1]", "[fc00::1]", "[fd12::1]", "[fe80::1]", "[::ffff:10.0.0.1]", "[2001:db8::1]", "[::]"]) {
      expect(isBlocked(`http://${host}/hook`), host).toBe(true);
    }
  });

  it("allows public addresses and carrier-grade NAT, which the reference does not refuse", () => {
    for (const host of ["8.8.8.8", "100.64.0.1", "172.32.0.1", "[2606:4700::1111]", "hooks.example.com"]) {
      expect(isBlocked(`https://${host}/hook`), host).toBe(false);
    }
  });

  it("refuses localhost names without resolving them (§19.9)", () => {
    for (const url of ["http://localhost:8100/x", "http://LOCALHOST./x", "http://api.localhost/x"]) expect(isBlocked(url), url).toBe(true);
  });

  it("judges the host fetch() will actually reach: numeric IPv4 spellings are normalised first", () => {
    for (const url of ["http://2130706433/", "http://0x7f.1/", "http://0177.0.0.1/", "http://127.1/"]) expect(isBlocked(url), url).toBe(true);
  });

  it("is not fooled by a backslash that Python reads as part of the authority", () => {
    expect(isBlocked("http://127.0.0.1\\@example.com/")).toBe(true);
  });

  it("refuses URLs that fail generic validation with the §7.1 text", () => {
    expect(checkWebhookTarget("ftp://example.com/x", noTrust)).toEqual({ isAllowed: false, error: "URL scheme must be http or https, got 'ftp'." });
  });

  it("compares known-peer origins with default ports filled in, so https://x and https://x:443 are one origin", () => {
    const trust = { ownPublicUrl: "https://10.0.0.9", peerUrls: [] };
    expect(checkWebhookTarget("https://10.0.0.9:443/__darkmatter__/webhook/m", trust)).toEqual({ isAllowed: true, reason: "known-peer" });
    expect(checkWebhookTarget("http://10.0.0.9/__darkmatter__/webhook/m", trust).isAllowed).toBe(false);
  });
});

describe("IP literals as Python's ipaddress reads them", () => {
  it("parses strict dotted quads and RFC 4291 IPv6 text, refusing what Python refuses", () => {
    expect(parseIpAddress("192.168.0.1")).toEqual({ version: 4, value: 0xc0a80001n });
    expect(parseIpAddress("::ffff:1.2.3.4")).toEqual({ version: 6, value: 0xffff01020304n });
    expect(parseIpAddress("fe80::1%eth0")).toMatchObject({ version: 6 });
    for (const bad of ["010.0.0.1", "1.2.3", "256.1.1.1", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::8", "example.com", ""]) {
      expect(parseIpAddress(bad), bad).toBeUndefined();
    }
  });

  it("refuses all IPv4-mapped addresses, as Python 3.11.2 lists ::ffff:0:0/96 as private", () => {
    expect(isRefusedAddress(parseIpAddress("::ffff:8.8.8.8")!)).toBe(true);
    expect(isRefusedHost("[::ffff:808:808]")).toBe(true);
  });
});

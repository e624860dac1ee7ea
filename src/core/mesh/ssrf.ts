// The SSRF rules: the webhook rule (mesh spec §7.4) and the fetch rule every outgoing mesh call
// passes, both adapted for Workers (§19.9): a Worker cannot resolve a name before fetching it, so
// names are not resolved; `localhost` and `*.localhost` are refused instead, and IP literals are
// checked against the reference's address set (ip-address.ts). This differs from the reference's
// resolve-then-check, which itself fails open when resolution fails.
//
// The destination is judged as `fetch()` will see it — WHATWG parsing, which also turns
// `0x7f.1` or `2130706433` into 127.0.0.1 — and, where it yields an IP literal, as the
// reference's parser sees it too, so no parser differential can sneak a private address through.
import { isRefusedAddress, parseIpAddress } from "./ip-address.js";
import { pythonHostname, pythonUrlSplit } from "./python-url.js";
import { validateMeshUrl } from "./url.js";

/** The refusal of any fetched URL whose host is private, loopback or link-local. */
export const PRIVATE_TARGET_TEXT = "URL must not target private or link-local IP addresses.";

/** §7.4: the reference's text for a refused webhook. */
export const WEBHOOK_BLOCKED_TEXT = `Webhook ${PRIVATE_TARGET_TEXT}`;

export interface WebhookTrust {
  /** The node's own public URL P. */
  ownPublicUrl: string;
  /** Stored `agent_url` of every connected peer (may end in `/mcp`). */
  peerUrls: Iterable<string>;
}

export type WebhookVerdict =
  { isAllowed: true; reason: "known-peer" | "public-host" } | { isAllowed: false; error: string };

/**
 * May this node call `url` as a webhook (respond, pre-forward status GET, forwarded/expired
 * updates)? §7.4 steps: (1) generic validation; (2) a `/__darkmatter__/webhook/` path on the
 * origin of P or of a connected peer is allowed whatever its address; (3) a private, loopback
 * or link-local destination is refused; (4) anything else is allowed.
 */
export function checkWebhookTarget(url: string, trust: WebhookTrust): WebhookVerdict {
  const target = parseFetchable(url);
  if (typeof target === "string") return { isAllowed: false, error: target };
  if (target.pathname.includes("/__darkmatter__/webhook/")) {
    const origin = originOf(target);
    const trusted = [trust.ownPublicUrl, ...trust.peerUrls];
    if (trusted.some((peerUrl) => originOfText(peerUrl) === origin)) return { isAllowed: true, reason: "known-peer" };
  }
  if (isRefusedDestination(url, target)) return { isAllowed: false, error: WEBHOOK_BLOCKED_TEXT };
  return { isAllowed: true, reason: "public-host" };
}

export interface FetchPolicy {
  /** The node's own public URL P: its origin is served in-process, never by a real fetch. */
  ownPublicUrl: string;
  /** Whether private, loopback and link-local hosts may be fetched (a local development stack). */
  allowPrivate: boolean;
}

/**
 * May the Worker fetch `url` at all (peer calls, health checks, lookups, webhooks, forwarded
 * deliveries)? Checked when a URL is learned and again before each fetch, whatever its source:
 * (1) generic validation (§7.1) and an http(s) URL `fetch()` can parse; (2) this node's own
 * origin is allowed, as it is dispatched in-process; (3) a refused host (§7.4 address set,
 * `localhost` names, §19.9) is refused unless the policy allows private peers; (4) anything
 * else is allowed. Names are not resolved, so a public name pointing at a private address passes.
 */
export function checkFetchTarget(
  url: string,
  policy: FetchPolicy,
): { isAllowed: true } | { isAllowed: false; error: string } {
  const target = parseFetchable(url);
  if (typeof target === "string") return { isAllowed: false, error: target };
  if (policy.allowPrivate || originOf(target) === originOfText(policy.ownPublicUrl)) return { isAllowed: true };
  if (isRefusedDestination(url, target)) return { isAllowed: false, error: PRIVATE_TARGET_TEXT };
  return { isAllowed: true };
}

/** The WHATWG URL `fetch()` would use, or the §7.1 error text. */
function parseFetchable(url: string): URL | string {
  const invalid = validateMeshUrl(url);
  if (invalid) return invalid;
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return "Invalid URL."; // Python-valid but unfetchable
  }
  if (target.protocol !== "http:" && target.protocol !== "https:") return "Invalid URL.";
  return target;
}

/** Refused as `fetch()` reads the host, or as the reference's parser reads it (no parser differential). */
function isRefusedDestination(url: string, target: URL): boolean {
  if (isRefusedHost(target.hostname)) return true;
  const split = pythonUrlSplit(url);
  const pythonHost = split && pythonHostname(split);
  const pythonAddress = pythonHost ? parseIpAddress(pythonHost) : undefined;
  return pythonAddress !== undefined && isRefusedAddress(pythonAddress);
}

/**
 * Is a WHATWG hostname a destination the mesh refuses without DNS? IP literals by the §7.4 set;
 * `localhost` and its subdomains by name (§19.9). Also used by a Worker anchor that chooses to
 * refuse private `new_url`s (§19.7).
 */
export function isRefusedHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host.startsWith("[") && host.endsWith("]")) {
    const address = parseIpAddress(host.slice(1, -1));
    return address === undefined || isRefusedAddress(address);
  }
  const address = parseIpAddress(host);
  if (address) return isRefusedAddress(address);
  return host === "localhost" || host.endsWith(".localhost");
}

/** True when `url` parses (WHATWG) and its host is refused by `isRefusedHost`. */
export function isPrivateUrl(url: string): boolean {
  try {
    return isRefusedHost(new URL(url).hostname);
  } catch {
    return false; // not a URL at all: callers validate separately
  }
}

/**
 * §7.4 origin: `scheme://hostname:port`, hostname lower-cased, port defaulted to 443 for https
 * and 80 otherwise — so `https://x` and `https://x:443` are the same origin here (unlike the
 * acceptance match of §7.3).
 */
function originOf(url: URL): string {
  const scheme = url.protocol.slice(0, -1);
  const port = url.port || (scheme === "https" ? "443" : "80");
  return `${scheme}://${url.hostname}:${port}`;
}

function originOfText(url: string): string | undefined {
  try {
    return originOf(new URL(url));
  } catch {
    return undefined; // an unparseable stored URL vouches for nothing
  }
}

/** Loopback as `fetch()` reads the host: 127.0.0.0/8, ::1, `localhost` and its subdomains. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host === "localhost" || host.endsWith(".localhost") || host === "[::1]") return true;
  const address = parseIpAddress(host);
  return address?.version === 4 && address.value >> 24n === 127n;
}

/**
 * May a router handler (src/core/mesh/router.ts) live at `url`? Handlers are set through the
 * operator API, by the operator or the agent's own token, so the URL is input like any other:
 * (1) an http(s) URL `fetch()` can parse; (2) not this Worker's own origin (a handler that is
 * one of our agents would route into itself); (3) loopback only while the Worker itself runs on
 * loopback (`npm start`), over http or https; (4) otherwise https, and not a private, loopback or
 * link-local destination (the fetch rule's address set). Checked on PUT and again before each call.
 */
export function checkHandlerUrl(url: string, ownPublicUrl: string): string | undefined {
  const target = parseFetchable(url);
  if (typeof target === "string") return target;
  if (target.username || target.password) return "a handler URL carries no credentials (the request is signed).";
  if (originOf(target) === originOfText(ownPublicUrl)) return "a handler may not be this Worker itself.";
  const runsLocally = isLoopbackHost(new URL(ownPublicUrl).hostname);
  if (isLoopbackHost(target.hostname))
    return runsLocally ? undefined : "a loopback handler is allowed only while the Worker runs locally (npm start).";
  if (target.protocol !== "https:")
    return runsLocally
      ? "a handler URL is https, or http on loopback (127.0.0.1, ::1, localhost)."
      : "a handler URL is https (http only on loopback while the Worker runs locally).";
  if (isRefusedDestination(url, target)) return `Handler ${PRIVATE_TARGET_TEXT}`;
  return undefined;
}

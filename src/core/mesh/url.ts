// URL rules of the mesh (mesh spec §3.3, §3.4, §7.1–§7.3, §14.5, §14.6, §19.1–§19.2). Peer URLs
// are identity during the handshake (§19.1): they are compared as strings, never re-spelled, so
// these functions only do what the spec says and nothing "helpful" (no lower-casing, no port
// removal) except where a function's name says it canonicalises our own URL.
import { DEFAULT_ANCHOR, MAX_URL_CODE_POINTS } from "./limits.js";
import { codePointLength, pyStrip, stripTrailingSlashes } from "./python-semantics.js";
import { pythonHostname, pythonUrlSplit } from "./python-url.js";

export type UrlFault =
  { kind: "too-long" } | { kind: "unparseable" } | { kind: "bad-scheme"; scheme: string } | { kind: "no-hostname" };

/**
 * Mesh spec §7.1 generic validation, in the reference's order: length ≤ 2048 code points,
 * parseable, scheme exactly http/https (after the parser lower-cases it), has a hostname.
 * Nothing else: no private-IP check here (that is §7.4, webhooks only).
 */
export function findUrlFault(url: string): UrlFault | undefined {
  if (codePointLength(url) > MAX_URL_CODE_POINTS) return { kind: "too-long" };
  const split = pythonUrlSplit(url);
  if (!split) return { kind: "unparseable" };
  if (split.scheme !== "http" && split.scheme !== "https") return { kind: "bad-scheme", scheme: split.scheme };
  if (!pythonHostname(split)) return { kind: "no-hostname" };
  return undefined;
}

/** The reference's error text for a fault: the node's ends with ".", the anchor's does not (§7.1 table). */
export function urlFaultText(fault: UrlFault, dialect: "node" | "anchor" = "node"): string {
  const text = {
    "too-long": `URL exceeds maximum length (${MAX_URL_CODE_POINTS} chars)`,
    unparseable: "Invalid URL",
    "bad-scheme": `URL scheme must be http or https, got '${fault.kind === "bad-scheme" ? fault.scheme : ""}'`,
    "no-hostname": "URL has no hostname",
  }[fault.kind];
  return dialect === "node" ? `${text}.` : text;
}

/** §7.1 as the reference's `validate_url`: the error text, or undefined when the URL is valid. */
export function validateMeshUrl(url: string, dialect: "node" | "anchor" = "node"): string | undefined {
  const fault = findUrlFault(url);
  return fault && urlFaultText(fault, dialect);
}

const MESH_PREFIX = "/__darkmatter__";

/**
 * Mesh spec §7.2 base-URL normalisation: strip every trailing `/`, then at most one suffix,
 * `/mcp` first, else `/__darkmatter__`. So base, base/, base/mcp, base/mcp/ and
 * base/__darkmatter__ all name the same node. One deliberate addition: trailing `/` left
 * by the suffix removal (`http://h//mcp`) are stripped too, so joined paths never hold `//`;
 * the reference would send `http://h//__darkmatter__/…`, which no peer serves.
 */
export function meshBaseUrl(url: string): string {
  const base = stripTrailingSlashes(url);
  if (base.endsWith("/mcp")) return stripTrailingSlashes(base.slice(0, -"/mcp".length));
  if (base.endsWith(MESH_PREFIX)) return stripTrailingSlashes(base.slice(0, -MESH_PREFIX.length));
  return base;
}

/**
 * `<base>/__darkmatter__/<endpoint>[/<param>]` for any spelling of a peer URL (§7.2). A new
 * node normalises every call, including the three the reference leaves un-normalised (§7.2
 * QUIRK, §19.2). The parameter (message or agent ID) is percent-encoded as one path segment.
 */
export function meshEndpointUrl(peerUrl: string, endpoint: string, param?: string): string {
  const tail = param === undefined ? "" : `/${encodeURIComponent(param)}`;
  return `${meshBaseUrl(peerUrl)}${MESH_PREFIX}/${endpoint}${tail}`;
}

/** §3.3, §11.1: the webhook a node gives for a message it sends: `P/__darkmatter__/webhook/<id>`. */
export function webhookUrlFor(publicUrl: string, messageId: string): string {
  return meshEndpointUrl(publicUrl, "webhook", messageId);
}

/** §3.3, §19.1: what a node advertises as `agent_url` in acceptances and auto-accept replies: `P + "/mcp"`. */
export function advertisedAgentUrl(publicUrl: string): string {
  return `${publicUrl}/mcp`;
}

/**
 * Mesh spec §7.3 acceptance base: strip trailing `/`, cut at the LAST `/mcp` (everything from it
 * on goes), strip trailing `/` again. Different from §7.2 on purpose: this is what the
 * reference compares when a `connection_accepted` arrives.
 */
export function acceptanceBase(url: string): string {
  const stripped = stripTrailingSlashes(url);
  const cut = stripped.lastIndexOf("/mcp");
  return stripTrailingSlashes(cut >= 0 ? stripped.slice(0, cut) : stripped);
}

/** §7.3: the stored pending-outbound URL an acceptance's `agent_url` matches, by exact string equality of bases. */
export function matchPendingOutbound(agentUrl: string, pendingUrls: Iterable<string>): string | undefined {
  const wanted = acceptanceBase(agentUrl);
  for (const pending of pendingUrls) if (acceptanceBase(pending) === wanted) return pending;
  return undefined;
}

/** §3.3 step 1: `DARKMATTER_PUBLIC_URL` with trailing `/` removed; undefined when unset or empty. */
export function publicUrlFromSetting(setting: string | undefined): string | undefined {
  const value = stripTrailingSlashes(setting ?? "");
  return value === "" ? undefined : value;
}

/**
 * §19.1: a new node MUST advertise exactly one canonical P, spelled the way peers dial it:
 * scheme and host lower-cased, default port omitted, no trailing `/`, no query or fragment.
 * Undefined when the URL is not a valid http(s) URL.
 */
export function canonicalPublicUrl(url: string): string | undefined {
  if (validateMeshUrl(url)) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined; // valid for Python but not for WHATWG: not a URL a Worker can be reached at
  }
  return stripTrailingSlashes(`${parsed.protocol}//${parsed.host}${parsed.pathname}`);
}

/**
 * §8.1, §3.3 QUIRK: the base of `mesh_url` / `mcp_url` in the well-known document — the
 * configured public URL if any, else `<X-Forwarded-Proto or "http">://<Host>`.
 */
export function wellKnownBase(options: { publicUrl?: string; forwardedProto?: string | null; host: string }): string {
  const configured = publicUrlFromSetting(options.publicUrl);
  return configured ?? `${options.forwardedProto || "http"}://${options.host}`;
}

/**
 * §14.6 `DARKMATTER_ANCHOR_NODES`: unset → the default anchor; an empty (or blank) string
 * disables anchors; else a comma list, each entry trimmed and stripped of trailing `/`.
 */
export function parseAnchorList(setting: string | undefined): string[] {
  if (setting === undefined) return [DEFAULT_ANCHOR];
  const trimmed = pyStrip(setting);
  if (trimmed === "") return [];
  return trimmed
    .split(",")
    .map((entry) => stripTrailingSlashes(pyStrip(entry)))
    .filter((entry) => entry !== "");
}

/** An anchor's endpoint: `<anchor base>/__darkmatter__/…`, the base exactly as configured (§9.4). */
export function anchorEndpointUrl(
  anchorBase: string,
  endpoint: "peer_update" | "peer_lookup",
  agentId?: string,
): string {
  const tail = agentId === undefined ? "" : `/${encodeURIComponent(agentId)}`;
  return `${anchorBase}${MESH_PREFIX}/${endpoint}${tail}`;
}

const WEBHOOK_PATH_PREFIX = `${MESH_PREFIX}/webhook/`;

/**
 * §14.5 webhook recovery: move a webhook to the base a peer lookup returned. Only paths that
 * start with `/__darkmatter__/webhook/` are grafted (so a base with a path prefix is not
 * recoverable, §3.4); the query string is dropped. Undefined when the path does not qualify.
 */
export function graftWebhookPath(webhookUrl: string, lookedUpUrl: string): string | undefined {
  const split = pythonUrlSplit(webhookUrl);
  if (!split || !split.path.startsWith(WEBHOOK_PATH_PREFIX)) return undefined;
  return `${meshBaseUrl(lookedUpUrl)}${split.path}`;
}

// The mesh's HTTP surface as data (mesh spec §3.2, §4.1, §7.2, §8, §9, §12.2): which paths
// exist, which methods they take, which are rate-limited, and which answer under the
// `/mcp/__darkmatter__/…` aliases that Python peers reach because they skip normalisation on
// three calls (§7.2 QUIRK, §19.2). Paths are relative to an agent's base (a Worker may host
// agents under a path prefix, §3.4); the router strips that prefix first.

export type NodeEndpoint =
  | "connection_request"
  | "connection_accepted"
  | "accept_pending"
  | "message"
  | "webhook"
  | "status"
  | "network_info"
  | "impression"
  | "peer_update"
  | "peer_lookup"
  | "webrtc_offer";

export type HttpMethod = "GET" | "POST";

export interface EndpointSpec {
  /** Methods served; every GET also answers HEAD (§4.1). */
  methods: readonly HttpMethod[];
  /** Name of the single path parameter, if the endpoint takes one. */
  param?: "message_id" | "agent_id";
  /** Methods counted against the node's global rate limit (§12.2). `/message` also counts per connection. */
  rateLimited: readonly HttpMethod[];
  /** Served under `/mcp/__darkmatter__/…` too (§7.2: tool-accept notification, ask_impression, WebRTC offer). */
  hasMcpAlias: boolean;
}

/** Mesh spec §8 and §12.2 "Counted requests". */
export const NODE_ENDPOINTS: Readonly<Record<NodeEndpoint, EndpointSpec>> = {
  connection_request: { methods: ["POST"], rateLimited: ["POST"], hasMcpAlias: false },
  connection_accepted: { methods: ["POST"], rateLimited: [], hasMcpAlias: true },
  accept_pending: { methods: ["POST"], rateLimited: [], hasMcpAlias: false },
  message: { methods: ["POST"], rateLimited: ["POST"], hasMcpAlias: false },
  webhook: { methods: ["GET", "POST"], param: "message_id", rateLimited: ["POST"], hasMcpAlias: false },
  status: { methods: ["GET"], rateLimited: [], hasMcpAlias: false },
  network_info: { methods: ["GET"], rateLimited: [], hasMcpAlias: false },
  impression: { methods: ["GET"], param: "agent_id", rateLimited: ["GET"], hasMcpAlias: true },
  peer_update: { methods: ["POST"], rateLimited: ["POST"], hasMcpAlias: false },
  peer_lookup: { methods: ["GET"], param: "agent_id", rateLimited: [], hasMcpAlias: false },
  webrtc_offer: { methods: ["POST"], rateLimited: [], hasMcpAlias: true },
};

export type AnchorEndpoint = "peer_update" | "peer_lookup";

/** Mesh spec §9: an anchor serves only these two mesh paths (plus its well-known document). */
export const ANCHOR_ENDPOINTS: Readonly<Record<AnchorEndpoint, EndpointSpec>> = {
  peer_update: { methods: ["POST"], rateLimited: ["POST"], hasMcpAlias: false },
  peer_lookup: { methods: ["GET"], param: "agent_id", rateLimited: [], hasMcpAlias: false },
};

/** §8.1, §13.1: fetched only at a host's root, never under an agent's path prefix. */
export const WELL_KNOWN_PATH = "/.well-known/darkmatter.json";

export type MeshPathMatch<E extends string> =
  | { kind: "endpoint"; endpoint: E; param?: string; isMcpAlias: boolean; isRateLimited: boolean }
  | { kind: "method-not-allowed"; allow: string }
  | { kind: "not-found" };

/**
 * Resolve a request path (relative to the agent base) and method. A trailing slash or an empty
 * parameter is not found: the reference redirects (307) there, and a new node MUST NOT redirect
 * (§4.1), so 404 is the honest answer. Unknown paths and bad percent-encoding are not found too.
 */
export function matchMeshPath<E extends string>(
  method: string,
  path: string,
  table: Readonly<Record<E, EndpointSpec>>,
): MeshPathMatch<E> {
  const located = locate(path);
  if (!located) return { kind: "not-found" };
  const spec = (table as Record<string, EndpointSpec | undefined>)[located.endpoint];
  if (!spec || !Object.hasOwn(table, located.endpoint)) return { kind: "not-found" };
  if (located.isMcpAlias && !spec.hasMcpAlias) return { kind: "not-found" };
  if ((spec.param !== undefined) !== (located.param !== undefined)) return { kind: "not-found" };
  const verb = method.toUpperCase() === "HEAD" ? "GET" : (method.toUpperCase() as HttpMethod);
  if (!spec.methods.includes(verb)) return { kind: "method-not-allowed", allow: allowHeader(spec) };
  return {
    kind: "endpoint",
    endpoint: located.endpoint as E,
    ...(located.param !== undefined && { param: located.param }),
    isMcpAlias: located.isMcpAlias,
    isRateLimited: spec.rateLimited.includes(verb),
  };
}

/** `matchMeshPath` over the node table. */
export function matchNodePath(method: string, path: string): MeshPathMatch<NodeEndpoint> {
  return matchMeshPath(method, path, NODE_ENDPOINTS);
}

/** `matchMeshPath` over the anchor table. */
export function matchAnchorPath(method: string, path: string): MeshPathMatch<AnchorEndpoint> {
  return matchMeshPath(method, path, ANCHOR_ENDPOINTS);
}

function locate(path: string): { endpoint: string; param?: string; isMcpAlias: boolean } | undefined {
  let rest: string;
  let isMcpAlias = false;
  if (path.startsWith("/__darkmatter__/")) rest = path.slice("/__darkmatter__/".length);
  else if (path.startsWith("/mcp/__darkmatter__/")) {
    rest = path.slice("/mcp/__darkmatter__/".length);
    isMcpAlias = true;
  } else return undefined;
  const segments = rest.split("/");
  if (segments.length > 2 || segments.some((segment) => segment === "")) return undefined;
  const [endpoint, rawParam] = segments as [string, string | undefined];
  if (rawParam === undefined) return { endpoint, isMcpAlias };
  try {
    return { endpoint, param: decodeURIComponent(rawParam), isMcpAlias };
  } catch {
    return undefined; // malformed percent-encoding: no such resource
  }
}

function allowHeader(spec: EndpointSpec): string {
  const methods: string[] = [];
  if (spec.methods.includes("GET")) methods.push("GET", "HEAD");
  if (spec.methods.includes("POST")) methods.push("POST");
  return methods.join(", ");
}

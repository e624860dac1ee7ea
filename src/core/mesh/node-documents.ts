// The read-only documents a node serves (mesh spec §8.1, §8.8–§8.10, §8.12, §8.13, §13.3).
// Each builder returns exactly the keys the spec lists: peers and the §20 checklist look for
// those sets, and `agent_id` is always the public key hex (§5.2).
import type {
  ImpressionReply,
  LanBeacon,
  NetworkInfoDocument,
  NodePeerLookupReply,
  NodeStatusDocument,
  NodeWellKnown,
} from "../../schemas/mesh.js";
import type { MeshConnection } from "../../schemas/mesh-state.js";
import { DEFAULT_MAX_CONNECTIONS, MAX_BEACON_BIO_CODE_POINTS, PROTOCOL_VERSION } from "./limits.js";
import { meshErrors, success, type MeshRejection, type MeshReply } from "./mesh-reply.js";
import type { Passport } from "./passport.js";
import { truncateCodePoints } from "./python-semantics.js";

/** A node's public profile: what it says about itself on every surface. */
export interface NodeIdentity {
  /** = publicKeyHex, always (§5.2). */
  agentId: string;
  publicKeyHex: string;
  displayName: string | null;
  bio: string;
  status: "active" | "inactive";
  /** P: the one canonical base URL the node advertises, no trailing `/` (§3.3, §19.1). */
  publicUrl: string;
}

/** The profile of a passport: agent ID and key come from the keys, never from configuration. */
export function nodeIdentity(
  passport: Passport,
  profile: Omit<NodeIdentity, "agentId" | "publicKeyHex">,
): NodeIdentity {
  return { agentId: passport.agentId, publicKeyHex: passport.publicKeyHex, ...profile };
}

/** §8.1, §10.6: accepting iff fewer connections than the maximum (default 50). */
export function isAcceptingConnections(connectionCount: number, maxConnections = DEFAULT_MAX_CONNECTIONS): boolean {
  return connectionCount < maxConnections;
}

/**
 * §8.1: the 11-key well-known document. `base` is `wellKnownBase(...)` (the configured public
 * URL, else the request's proto and Host — §3.3 QUIRK). A Workers node has no WebRTC (§15).
 */
export function nodeWellKnown(
  node: NodeIdentity,
  options: { base: string; connectionCount: number; maxConnections?: number },
): NodeWellKnown {
  return {
    darkmatter: true,
    protocol_version: PROTOCOL_VERSION,
    agent_id: node.agentId,
    display_name: node.displayName,
    public_key_hex: node.publicKeyHex,
    bio: node.bio,
    status: node.status,
    accepting_connections: isAcceptingConnections(options.connectionCount, options.maxConnections),
    mesh_url: `${options.base}/__darkmatter__`,
    mcp_url: `${options.base}/mcp`,
    webrtc_enabled: false,
  };
}

/** §8.8 GET /__darkmatter__/status: health checks only look at the 200. */
export function nodeStatusDocument(
  node: NodeIdentity,
  connectionCount: number,
  maxConnections?: number,
): NodeStatusDocument {
  return {
    agent_id: node.agentId,
    display_name: node.displayName,
    public_key_hex: node.publicKeyHex,
    bio: node.bio,
    status: node.status,
    num_connections: connectionCount,
    accepting_connections: isAcceptingConnections(connectionCount, maxConnections),
  };
}

/**
 * Who asks a node endpoint: the operator (its token as `Authorization: Bearer`, as for
 * accept_pending) or anyone else. Mesh GETs are unsigned (§6.3), so a connected peer cannot be
 * told from a stranger: every caller without the token is anonymous.
 */
export interface MeshViewer {
  isOperator: boolean;
}

/**
 * §8.9 GET /__darkmatter__/network_info. The spec's document "reveals all connections"; here an
 * agent's connections are private (README, issue 12), so `peers` lists them, URLs verbatim (they
 * may end in /mcp), only to the operator, and is `[]` for anyone else. The keys stay those of
 * §8.9 and `accepting_connections` still counts every connection (as the well-known document
 * does). No peer operation reads another node's network_info (delivery, healing and discovery use
 * peer_lookup, status and the well-known document, §13, §14), so interop is unchanged.
 */
export function networkInfoDocument(
  node: NodeIdentity,
  connections: readonly Pick<MeshConnection, "agent_id" | "agent_url" | "agent_bio">[],
  viewer: MeshViewer,
  maxConnections?: number,
): NetworkInfoDocument {
  return {
    agent_id: node.agentId,
    display_name: node.displayName,
    public_key_hex: node.publicKeyHex,
    agent_url: node.publicUrl,
    bio: node.bio,
    accepting_connections: isAcceptingConnections(connections.length, maxConnections),
    peers: viewer.isOperator
      ? connections.map((c) => ({ agent_id: c.agent_id, agent_url: c.agent_url, agent_bio: c.agent_bio }))
      : [],
  };
}

/** §8.10 GET /__darkmatter__/impression/{agent_id} (after the global rate limit), and the operator's darkmatter_get_impression. */
export function impressionReply(agentId: string, impression: string | undefined): ImpressionReply {
  return impression === undefined
    ? { agent_id: agentId, has_impression: false }
    : { agent_id: agentId, has_impression: true, impression };
}

/**
 * §8.10 for a caller. The spec lets any caller read any impression; that would let a stranger
 * probe, id by id, which agents this one keeps notes on — former peers included — though an
 * agent's connections are private. So without the operator token an impression is answered only
 * when its subject is a current connection, which peer_lookup already confirms to anyone who names
 * the id (§8.12, needed for healing, §14.3): the answer reveals no relation peer_lookup does not.
 * A peer's ask_impression (§17) still reads this agent's view of its connections; any other
 * impression reads `has_impression: false`, the spec's answer for "none stored".
 */
export function impressionFor(
  agentId: string,
  impression: string | undefined,
  options: MeshViewer & { isConnection: boolean },
): ImpressionReply {
  return impressionReply(agentId, options.isOperator || options.isConnection ? impression : undefined);
}

/** §8.12 GET /__darkmatter__/peer_lookup/{agent_id}: the stored URL verbatim, or 404 for strangers. */
export function nodePeerLookupReply(
  agentId: string,
  connection: Pick<MeshConnection, "agent_url"> | undefined,
): MeshReply<NodePeerLookupReply> {
  return connection
    ? success({ agent_id: agentId, url: connection.agent_url, status: "connected" })
    : meshErrors.notConnectedToAgent();
}

/** §8.13, §15: a Workers node has no WebRTC; answer 501 before reading the body, so Python peers fall back to HTTP. */
export function webrtcOfferReply(): MeshRejection {
  return meshErrors.webrtcUnavailable();
}

/** §13.3: the LAN beacon a node would multicast (informative: a Worker cannot send UDP). */
export function lanBeacon(
  node: NodeIdentity,
  options: { port: number; connectionCount: number; now: number; maxConnections?: number },
): LanBeacon {
  return {
    proto: "darkmatter",
    v: PROTOCOL_VERSION,
    agent_id: node.agentId,
    display_name: node.displayName,
    public_key_hex: node.publicKeyHex,
    bio: truncateCodePoints(node.bio, MAX_BEACON_BIO_CODE_POINTS),
    port: options.port,
    status: node.status,
    accepting: isAcceptingConnections(options.connectionCount, options.maxConnections),
    ts: Math.floor(options.now / 1000),
  };
}

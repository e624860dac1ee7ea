// The connection handshake (mesh spec §8.2–§8.4, §10, §19.1), both sides. Nothing here is
// signed (§6.3): a handshake is matched by URL strings, so the rules about which URL is sent
// and which is stored are the whole protocol.
import type {
  AcceptPendingReply,
  ConnectionAcceptedBody,
  ConnectionAutoAcceptedReply,
  ConnectionQueuedReply,
  ConnectionRequestBody,
  SuccessReply,
} from "../../schemas/mesh.js";
import type { MeshConnection, PendingConnectionRequest } from "../../schemas/mesh-state.js";
import {
  ConnectionAcceptedBody as ConnectionAcceptedSchema,
  ConnectionRequestBody as ConnectionRequestSchema,
  PeerConnectionReply,
} from "../../schemas/mesh.js";
import {
  MAX_AGENT_ID_CODE_POINTS,
  MAX_BIO_CODE_POINTS,
  PENDING_REQUESTS_CAPACITY,
  PENDING_REQUESTS_PER_CLIENT,
  PENDING_REQUEST_TTL_SECONDS,
} from "./limits.js";
import {
  isJsonObject,
  meshErrors,
  success,
  type MeshRejection,
  type MeshReply,
  type ParsedBody,
} from "./mesh-reply.js";
import type { NodeIdentity } from "./node-documents.js";
import { codePointLength, isTruthy, truncateCodePoints } from "./python-semantics.js";
import { boundedDisplayName, checkClaimedIdentity, reconcileWithStoredKey } from "./peer-identity.js";
import { formatMeshTimestamp } from "./timestamp.js";
import { acceptanceBase, advertisedAgentUrl, meshBaseUrl, meshEndpointUrl, validateMeshUrl } from "./url.js";

/** Appendix A: `req-` + 8 lowercase hex. */
export function newRequestId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  return `req-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** §10.2 step 1: a requester refuses to ask when it already has the maximum number of connections. */
export function canRequestConnection(connectionCount: number, maxConnections: number): boolean {
  return connectionCount < maxConnections;
}

// ---- requester side ------------------------------------------------------------------------

/** §8.2, §19.1: what a node sends — its BARE P as `from_agent_url` (never with /mcp); `mutual` only when true. */
export function connectionRequestBody(self: NodeIdentity, options: { mutual?: boolean } = {}): ConnectionRequestBody {
  return {
    from_agent_id: self.agentId,
    from_agent_url: self.publicUrl,
    from_agent_bio: self.bio,
    from_agent_public_key_hex: self.publicKeyHex,
    from_agent_display_name: self.displayName,
    ...(options.mutual && { mutual: true }),
  };
}

/**
 * A request the node is waiting on. `url` is the dialled target normalised by §7.2;
 * `expectedAgentId` is the `agent_id` of the target's well-known document, fetched before
 * dialling (§19.1), when the node did so.
 */
export interface PendingOutbound {
  url: string;
  expectedAgentId?: string;
}

export type ConnectionRequestResult =
  | { kind: "connected"; connection: MeshConnection }
  | { kind: "pending"; requestId: string | null; pendingOutbound: PendingOutbound }
  | { kind: "refused"; status: number; error: string }
  | { kind: "not-darkmatter" };

/** Where a URL learned from a peer may be fetched later: an error text, or undefined when it may. */
export type UrlRefusal = (url: string) => string | undefined;

/**
 * §8.2 requester side. Python requesters read the reply whatever its status; a new node also
 * looks at the status, so a 429/503 is a refusal rather than a phantom "pending" with a null ID
 * (§10.3). An auto-accept reply creates an outbound connection from the reply's fields — only
 * when it names the agent we asked (issue 11: `expectedAgentId`, and agent_id = key), and with
 * the URL we dialled unless the reply's has the same acceptance base (§7.3), so a reply cannot
 * redirect traffic. A reply about an agent we already know is reconciled by the caller.
 */
export function interpretConnectionRequestReply(
  targetUrl: string,
  status: number,
  body: unknown,
  options: { now: number; expectedAgentId?: string; urlRefusal?: UrlRefusal },
): ConnectionRequestResult {
  if (!isJsonObject(body)) return { kind: "not-darkmatter" };
  const reply = PeerConnectionReply.safeParse(body);
  if (!reply.success) return { kind: "not-darkmatter" };
  const { data } = reply;
  if (isTruthy(data.auto_accepted)) {
    if (!data.agent_id || !data.agent_url) return { kind: "not-darkmatter" };
    if (codePointLength(data.agent_id) > MAX_AGENT_ID_CODE_POINTS)
      return { kind: "refused", status, error: "agent_id too long" };
    const identity = checkClaimedIdentity({
      agentId: data.agent_id,
      keyField: "agent_public_key_hex",
      key: data.agent_public_key_hex,
      expectedAgentId: options.expectedAgentId,
    });
    if (!identity.ok) return { kind: "refused", status: identity.status, error: identity.error };
    const sameBase = !validateMeshUrl(data.agent_url) && acceptanceBase(data.agent_url) === acceptanceBase(targetUrl);
    const agentUrl = sameBase ? data.agent_url : targetUrl;
    const refused = options.urlRefusal?.(agentUrl);
    if (refused) return { kind: "refused", status, error: refused };
    const connection = newConnection({
      agent_id: data.agent_id,
      agent_url: agentUrl,
      agent_bio: truncateCodePoints(data.agent_bio ?? "", MAX_BIO_CODE_POINTS),
      agent_public_key_hex: identity.key,
      agent_display_name: boundedDisplayName(data.agent_display_name),
      direction: "outbound",
      now: options.now,
    });
    return { kind: "connected", connection };
  }
  if (status !== 200)
    return {
      kind: "refused",
      status,
      error: typeof body.error === "string" ? body.error.slice(0, 1000) : `HTTP ${status}`,
    };
  const pendingOutbound: PendingOutbound = {
    url: meshBaseUrl(targetUrl),
    ...(options.expectedAgentId && { expectedAgentId: options.expectedAgentId }),
  };
  return {
    kind: "pending",
    requestId: typeof data.request_id === "string" ? data.request_id.slice(0, 64) : null,
    pendingOutbound,
  };
}

/**
 * A handshake told us of a connection (auto-accept reply, acceptance, operator accept). A new
 * agent gets the record as learned; an agent we already know keeps its record (URL included),
 * gaining at most a key it had none of — and a different key is refused.
 */
export function mergeLearnedConnection(
  existing: MeshConnection | undefined,
  learned: MeshConnection,
): { ok: true; connection: MeshConnection; isNew: boolean } | MeshRejection {
  if (!existing) return { ok: true, connection: learned, isNew: true };
  const reconciled = reconcileWithStoredKey(existing.agent_public_key_hex, learned.agent_public_key_hex);
  if (!reconciled.ok) return reconciled;
  return {
    ok: true,
    connection: reconciled.pinKey ? { ...existing, agent_public_key_hex: reconciled.pinKey } : existing,
    isNew: false,
  };
}

export interface AcceptedOutcome {
  reply: MeshReply<SuccessReply>;
  /** The pending-outbound entry to delete. */
  consumed?: PendingOutbound;
  /** The outbound connection to create or overwrite (no connection-limit check, §10.6). */
  connection?: MeshConnection;
}

/**
 * §8.3 POST /__darkmatter__/connection_accepted (no rate limit in the reference; the caller
 * charges the client's anonymous budget, issue 11). Matched by the §7.3 acceptance base and, when
 * the node learned whom it dialled (§19.1), only for that agent; in addition an acceptance from
 * that agent ID is accepted when its key equals that ID — then the DIALLED URL is stored, so a
 * presented `agent_url` cannot redirect traffic. The outcome's connection is what was learned;
 * the caller merges it with any record it has (`mergeLearnedConnection`).
 */
export function receiveConnectionAccepted(
  body: ParsedBody,
  ctx: { now: number; pendingOutbound: readonly PendingOutbound[]; urlRefusal?: UrlRefusal },
): AcceptedOutcome {
  if (!body.ok) return { reply: meshErrors.invalidJsonBody() };
  if (!isJsonObject(body.value)) return { reply: meshErrors.notAnObject() };
  if (!isTruthy(body.value.agent_id) || !isTruthy(body.value.agent_url))
    return { reply: meshErrors.missingRequiredFields() };
  const parsed = ConnectionAcceptedSchema.safeParse(body.value);
  if (!parsed.success) return { reply: meshErrors.invalidFields(parsed.error) };
  const accepted: ConnectionAcceptedBody = parsed.data;
  if (codePointLength(accepted.agent_id) > MAX_AGENT_ID_CODE_POINTS) return { reply: meshErrors.agentIdTooLong() };
  const urlError = validateMeshUrl(accepted.agent_url);
  if (urlError) return { reply: meshErrors.invalidUrl(urlError) };
  const identity = checkClaimedIdentity({
    agentId: accepted.agent_id,
    keyField: "agent_public_key_hex",
    key: accepted.agent_public_key_hex,
  });
  if (!identity.ok) return { reply: identity };

  const wanted = acceptanceBase(accepted.agent_url);
  const byUrl = ctx.pendingOutbound.find(
    (pending) =>
      acceptanceBase(pending.url) === wanted &&
      (pending.expectedAgentId === undefined || pending.expectedAgentId === accepted.agent_id),
  );
  const byIdentity = byUrl
    ? undefined
    : ctx.pendingOutbound.find(
        (pending) => pending.expectedAgentId === accepted.agent_id && identity.key === accepted.agent_id,
      );
  const consumed = byUrl ?? byIdentity;
  if (!consumed) return { reply: meshErrors.noPendingOutbound() };
  const agentUrl = byUrl ? accepted.agent_url : consumed.url; // verbatim (usually with /mcp) on a URL match
  const refused = ctx.urlRefusal?.(agentUrl);
  if (refused) return { reply: meshErrors.invalidUrl(refused) };
  const connection = newConnection({
    agent_id: accepted.agent_id,
    agent_url: agentUrl,
    agent_bio: truncateCodePoints(accepted.agent_bio ?? "", MAX_BIO_CODE_POINTS),
    agent_public_key_hex: identity.key, // pinned unverified (§5.6), but only a key that is the agent ID
    agent_display_name: boundedDisplayName(accepted.agent_display_name),
    direction: "outbound",
    now: ctx.now,
  });
  return { reply: success({ success: true }), consumed, connection };
}

// ---- target side ---------------------------------------------------------------------------

export interface ConnectionRequestContext {
  now: number;
  isActive: boolean;
  self: NodeIdentity;
  /** Issue 11: charge the client's anonymous budget; a refusal when it is spent. Replaces the reference's global limit here. */
  admitClient(): MeshRejection | undefined;
  /** The existing connection to the requester, if any. */
  connection(agentId: string): Pick<MeshConnection, "agent_public_key_hex"> | undefined;
  pendingCount: number;
  /** Pending requests already held from this client address. */
  pendingFromClient: number;
  urlRefusal?: UrlRefusal;
  newRequestId?: () => string;
}

export interface ConnectionRequestOutcome {
  reply: MeshReply<ConnectionAutoAcceptedReply | ConnectionQueuedReply>;
  /** An already-connected, key-less connection gets this key (it equals the agent ID) and display name. */
  pinKey?: { agentId: string; publicKeyHex: string; displayName: string | null };
  /** §8.2 step 10: the request to queue, until `expiresAt` (the reference keeps it in memory until restart). */
  pending?: PendingConnectionRequest;
  expiresAt?: number;
}

/**
 * §8.2 POST /__darkmatter__/connection_request, steps 1–10 in the reference's order, with what a
 * public node adds (issue 11): the client's budget instead of the global one, a key that must
 * be the agent ID, a URL the node would fetch, a stored key never replaced, and pending
 * requests bounded per client and expiring after PENDING_REQUEST_TTL_SECONDS.
 */
export function receiveConnectionRequest(body: ParsedBody, ctx: ConnectionRequestContext): ConnectionRequestOutcome {
  if (!ctx.isActive) return { reply: meshErrors.inactive() }; // 1
  const limited = ctx.admitClient(); // 2
  if (limited) return { reply: limited };

  if (!body.ok) return { reply: meshErrors.invalidJsonBody() }; // 3
  if (!isJsonObject(body.value)) return { reply: meshErrors.notAnObject() };
  if (!isTruthy(body.value.from_agent_id) || !isTruthy(body.value.from_agent_url))
    return { reply: meshErrors.missingRequiredFields() }; // 4
  const parsed = ConnectionRequestSchema.safeParse(body.value);
  if (!parsed.success) return { reply: meshErrors.invalidFields(parsed.error) };
  const request = parsed.data;
  if (codePointLength(request.from_agent_id) > MAX_AGENT_ID_CODE_POINTS) return { reply: meshErrors.agentIdTooLong() }; // 5
  const bio = truncateCodePoints(request.from_agent_bio ?? "", MAX_BIO_CODE_POINTS); // 6
  const urlError = validateMeshUrl(request.from_agent_url) ?? ctx.urlRefusal?.(request.from_agent_url); // 7
  if (urlError) return { reply: meshErrors.invalidUrl(urlError) };
  const identity = checkClaimedIdentity({
    agentId: request.from_agent_id,
    keyField: "from_agent_public_key_hex",
    key: request.from_agent_public_key_hex,
  });
  if (!identity.ok) return { reply: identity };
  const displayName = boundedDisplayName(request.from_agent_display_name);

  const existing = ctx.connection(request.from_agent_id); // 8
  if (existing) {
    const reconciled = reconcileWithStoredKey(existing.agent_public_key_hex, identity.key);
    if (!reconciled.ok) return { reply: reconciled };
    const pinKey = reconciled.pinKey
      ? { agentId: request.from_agent_id, publicKeyHex: reconciled.pinKey, displayName }
      : undefined;
    return { reply: success(autoAcceptedReply(ctx.self)), ...(pinKey && { pinKey }) };
  }
  if (ctx.pendingCount >= PENDING_REQUESTS_CAPACITY || ctx.pendingFromClient >= PENDING_REQUESTS_PER_CLIENT)
    return { reply: meshErrors.tooManyPendingRequests() }; // 9
  const pending: PendingConnectionRequest = {
    request_id: (ctx.newRequestId ?? newRequestId)(),
    from_agent_id: request.from_agent_id,
    from_agent_url: request.from_agent_url, // stored verbatim
    from_agent_bio: bio,
    from_agent_public_key_hex: identity.key,
    from_agent_display_name: displayName,
    mutual: request.mutual === true,
    requested_at: formatMeshTimestamp(ctx.now),
  };
  const queued: ConnectionQueuedReply = {
    auto_accepted: false,
    request_id: pending.request_id,
    message: "Connection request queued. Awaiting agent decision.",
  };
  return { reply: success(queued), pending, expiresAt: ctx.now + PENDING_REQUEST_TTL_SECONDS * 1000 }; // 10
}

/** §8.2 step 8: the reply to an already-connected requester; `agent_url` is P + /mcp (§3.3). */
export function autoAcceptedReply(self: NodeIdentity): ConnectionAutoAcceptedReply {
  return { auto_accepted: true, ...acceptanceBody(self), message: "Already connected." };
}

/** The §8.3 body as an acceptor sends it (a `ConnectionAcceptedBody` with every field filled). */
export type AcceptanceNotice = Omit<ConnectionAutoAcceptedReply, "auto_accepted" | "message">;

/** §8.3 body the acceptor sends to the requester: `agent_url` = P + "/mcp". */
export function acceptanceBody(self: NodeIdentity): AcceptanceNotice {
  return {
    agent_id: self.agentId,
    agent_url: advertisedAgentUrl(self.publicUrl),
    agent_bio: self.bio,
    agent_public_key_hex: self.publicKeyHex,
    agent_display_name: self.displayName,
  };
}

export interface AcceptPendingOutcome {
  reply: MeshReply<AcceptPendingReply>;
  /** The inbound connection to create (URL verbatim, key and display name from the request). */
  connection?: MeshConnection;
  /** §8.4 step 6: POST this acceptance (timeout 15 s, result and errors ignored). Always to the §7.2-normalised URL. */
  notify?: { url: string; body: AcceptanceNotice };
  /** §8.4 step 7: for `mutual: true`, a non-mutual request back (errors ignored; handle its reply as a requester). */
  reverseRequest?: { url: string; targetUrl: string; body: ConnectionRequestBody };
  /** §8.4 step 9: the pending request to delete. */
  removePending?: string;
}

/**
 * §8.4 POST /__darkmatter__/accept_pending, and the accept action of the connection tool (which
 * differs only in how errors are shown). Unauthenticated in the reference (⚠ §8.4): a Worker
 * node should put this behind operator auth or refuse it on the public mesh path.
 */
export function acceptPendingRequest(
  body: ParsedBody,
  ctx: {
    now: number;
    self: NodeIdentity;
    pending(requestId: string): PendingConnectionRequest | undefined;
    connectionCount: number;
    maxConnections: number;
  },
): AcceptPendingOutcome {
  if (!body.ok) return { reply: meshErrors.invalidJsonBody() };
  if (!isJsonObject(body.value)) return { reply: meshErrors.notAnObject() };
  const requestId = body.value.request_id;
  if (!isTruthy(requestId)) return { reply: meshErrors.missingRequestId() };
  const pending = typeof requestId === "string" ? ctx.pending(requestId) : undefined;
  if (!pending) return { reply: meshErrors.noPendingRequest(requestId) };
  if (ctx.connectionCount >= ctx.maxConnections) return { reply: meshErrors.connectionLimit(ctx.maxConnections) };
  const connection = newConnection({
    agent_id: pending.from_agent_id,
    agent_url: pending.from_agent_url,
    agent_bio: pending.from_agent_bio,
    agent_public_key_hex: pending.from_agent_public_key_hex,
    agent_display_name: pending.from_agent_display_name,
    direction: "inbound",
    now: ctx.now,
  });
  return {
    reply: success({ success: true, accepted: true, agent_id: pending.from_agent_id }),
    connection,
    notify: { url: meshEndpointUrl(pending.from_agent_url, "connection_accepted"), body: acceptanceBody(ctx.self) },
    ...(pending.mutual && {
      reverseRequest: {
        url: meshEndpointUrl(pending.from_agent_url, "connection_request"),
        targetUrl: pending.from_agent_url,
        body: connectionRequestBody(ctx.self),
      },
    }),
    removePending: pending.request_id,
  };
}

function newConnection(fields: Omit<MeshConnection, "connected_at" | "rate_limit"> & { now: number }): MeshConnection {
  const { now, ...rest } = fields;
  return { ...rest, connected_at: formatMeshTimestamp(now), rate_limit: 0 };
}

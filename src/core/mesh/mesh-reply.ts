// What a mesh endpoint answers (mesh spec §4.3): a status and a JSON object. Errors are exactly
// `{"error": "<text>"}` — Python peers parse every reply as JSON whatever the status (§11.7),
// so the mesh surface does NOT use problem+json (a deliberate exception to DESIGN "Errors"; the
// §20 checklist requires a single `error` key). Each error carries a stable `code` for our logs
// and tests; only `error` goes on the wire. Texts are the reference's, byte for byte.
import type { ZodError } from "zod";
import { pyStr } from "./python-semantics.js";

export interface MeshRejection {
  readonly ok: false;
  readonly status: number;
  readonly code: string;
  readonly error: string;
}

export interface MeshSuccess<T> {
  readonly ok: true;
  readonly status: 200;
  readonly body: T;
}

export type MeshReply<T> = MeshSuccess<T> | MeshRejection;

export function success<T>(body: T): MeshSuccess<T> {
  return { ok: true, status: 200, body };
}

function reject(status: number, code: string, error: string): MeshRejection {
  return { ok: false, status, code, error };
}

/** The JSON body to send for a reply: the success document, or `{"error": …}` and nothing else. */
export function replyBody<T>(reply: MeshReply<T>): T | { error: string } {
  return reply.ok ? reply.body : { error: reply.error };
}

/** Every error the mesh endpoints produce (mesh spec §8, §9, §12.2). */
export const meshErrors = {
  notInitialized: () => reject(503, "not-initialized", "Agent not initialized"),
  inactive: () => reject(503, "inactive", "Agent is currently inactive"),
  invalidJsonBody: () => reject(400, "invalid-json", "Invalid JSON body"),
  /** §8.11: node peer_update words it differently. */
  invalidJson: () => reject(400, "invalid-json", "Invalid JSON"),
  /** §4.2: the reference crashes (500) on a non-object body; a new node SHOULD answer 400. */
  notAnObject: () => reject(400, "not-an-object", "Request body must be a JSON object"),
  /** §4.2: wrong field types crash the reference (500); a new node SHOULD answer 400. */
  invalidFields: (error: ZodError) => reject(400, "invalid-field-type", `Invalid field type: ${fieldList(error)}`),
  /** Issue 11: mesh bodies are read with a byte cap; the reference has none. */
  bodyTooLarge: (limit: number) => reject(413, "body-too-large", `Request body too large (limit ${limit} bytes)`),
  /** Issue 11: every string a node stores is bounded; the reference bounds only some (§12.1). */
  fieldTooLong: (field: string) => reject(400, "field-too-long", `${field} too long`),
  /** Issue 11: a handshake must come from the agent the node asked (§19.1); the text is ours. */
  unexpectedAgent: () => reject(403, "unexpected-agent", "agent_id is not the agent this node asked to connect to"),
  /** Issue 11: unauthenticated requests are limited per client address before anything else. */
  clientRateLimit: (limit: number) =>
    reject(429, "client-rate-limit", `Rate limit exceeded for your address (${limit} requests per 60s)`),
  missingRequiredFields: () => reject(400, "missing-fields", "Missing required fields"),
  agentIdTooLong: () => reject(400, "agent-id-too-long", "agent_id too long"),
  fromAgentIdTooLong: () => reject(400, "agent-id-too-long", "from_agent_id too long"),
  invalidUrl: (text: string) => reject(400, "invalid-url", text),
  invalidWebhook: (text: string) => reject(400, "invalid-webhook", `Invalid webhook: ${text}`),

  // §8.2–§8.4 connections
  tooManyPendingRequests: () => reject(429, "too-many-pending", "Too many pending requests"),
  noPendingOutbound: () => reject(403, "no-pending-outbound", "No pending outbound connection request for this agent."),
  missingRequestId: () => reject(400, "missing-request-id", "Missing request_id"),
  noPendingRequest: (requestId: unknown) =>
    reject(404, "unknown-request", `No pending request with ID '${pyStr(requestId)}'`),
  connectionLimit: (max: number) => reject(429, "connection-limit", `Connection limit reached (${max})`),

  // §8.5 messages
  messageQueueFull: () => reject(429, "queue-full", "Message queue full"),
  duplicateMessage: () => reject(409, "duplicate-message", "Duplicate message — already received"),
  // The text says bytes; the measure is code points (§8.5 step 5, §18 #10).
  contentTooLong: () => reject(413, "content-too-long", "Content exceeds 65536 bytes"),
  notConnected: () => reject(403, "not-connected", "Not connected — only connected agents can send messages."),
  messageKeyMismatch: () =>
    reject(403, "key-mismatch", "Public key mismatch — sender key does not match stored key for this connection."),
  messageSignatureRequired: () =>
    reject(403, "signature-required", "Signature required — this connection has a known public key."),
  messageSignatureInvalid: () =>
    reject(403, "invalid-signature", "Invalid signature — message authenticity could not be verified."),
  messageStale: () => reject(403, "stale-timestamp", "Message timestamp too old — possible replay"),

  // §12.2 rate limits (no Retry-After header exists)
  globalRateLimit: (limit: number) =>
    reject(429, "rate-limited", `Global rate limit exceeded (${limit} requests per 60s)`),
  connectionRateLimit: (limit: number) =>
    reject(429, "rate-limited", `Rate limit exceeded for this connection (${limit} requests per 60s)`),

  // §8.6, §8.7 webhooks
  noSentMessage: (messageId: string) => reject(404, "unknown-message", `No sent message with ID '${messageId}'`),
  unknownUpdateType: (type: unknown) => reject(400, "unknown-update-type", `Unknown update type: '${pyStr(type)}'`),

  // §8.11, §8.12 node peer_update / peer_lookup
  missingPeerUpdateFields: () => reject(400, "missing-fields", "Missing agent_id or new_url"),
  unknownAgent: () => reject(404, "unknown-agent", "Unknown agent"),
  peerUpdateTimestampExpired: () => reject(403, "stale-timestamp", "Timestamp expired"),
  publicKeyMismatch: () => reject(403, "key-mismatch", "Public key mismatch"),
  peerUpdateSignatureRequired: () => reject(403, "signature-required", "Signature required — known public key on file"),
  invalidSignature: () => reject(403, "invalid-signature", "Invalid signature"),
  notConnectedToAgent: () => reject(404, "not-connected", "Not connected to that agent"),

  // §8.13 WebRTC (a Workers node has none: answer 501 before reading the body)
  webrtcUnavailable: () => reject(501, "webrtc-unavailable", "WebRTC not available (aiortc not installed)"),

  // §9.1 anchor
  anchorRateLimited: () => reject(429, "rate-limited", "Rate limit exceeded"),
  anchorJsonRequired: () => reject(400, "invalid-json", "JSON body required"),
  anchorMissingProof: () => reject(400, "missing-fields", "Missing public_key_hex, signature, or timestamp"),
  anchorTimestampInvalid: () => reject(403, "stale-timestamp", "Timestamp expired or invalid"),
  directoryFull: () => reject(429, "directory-full", "Directory full"),
  /** §5.2, §19.7: the agent ID is the key; the reference never checks it, so the text is ours (anchor and handshakes). */
  identityMismatch: () => reject(403, "identity-mismatch", "agent_id must equal public_key_hex"),
  /** Issue 11: a key or signature that cannot be Ed25519 is refused before any verification; the text is ours. */
  malformedHex: (field: string, hexChars: number) =>
    reject(400, "malformed-proof", `${field} must be ${hexChars} hex characters`),
  /** §19.7: a Worker anchor MAY refuse loopback/private URLs; the text is ours. */
  anchorPrivateUrl: () => reject(400, "private-url", "new_url must not target private or loopback addresses"),
} as const;

export type MeshErrorCode = ReturnType<(typeof meshErrors)[keyof typeof meshErrors]>["code"];

function fieldList(error: ZodError): string {
  const paths = [...new Set(error.issues.map((issue) => issue.path.join(".") || "(body)"))];
  return paths.join(", ");
}

/** A request body as the handler read it: parsed JSON, or the fact that it was not JSON. */
export type ParsedBody = { ok: true; value: unknown } | { ok: false };

/**
 * Node handlers parse the raw body as JSON regardless of Content-Type (mesh spec §4.2). The
 * verdict is passed on rather than acted on here, because where "invalid JSON" is reported in
 * the processing order differs per endpoint (after the rate limit on connection_request…).
 */
export function parseJsonBody(text: string): ParsedBody {
  if (text.trim() === "") return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false }; // not JSON: reported by the endpoint with its own wording
  }
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

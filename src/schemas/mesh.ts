// Wire bodies of the DarkMatter mesh protocol (mesh spec §8, §9, §13.3, §15), field names
// exactly as on the wire (snake_case). Two kinds of schema:
//  - bodies we RECEIVE are `z.object` (extra fields accepted and dropped, §8.6) and lenient
//    where the reference is: optional strings may be absent or null (read with `.get()`).
//    Length limits are NOT here — they are counted in code points with exact error texts by
//    src/core/mesh, and zod's `.max()` counts UTF-16 units;
//  - documents we EMIT are `z.strictObject`, pinning the exact key set peers and the §20
//    checklist expect.
import { z } from "zod";

/** Absent and null mean the same for optional peer-supplied strings (the reference reads them with `.get()`). */
const optionalString = z.string().nullish();
/** `metadata` and the like: "any JSON (object expected)". */
export const JsonObject = z.record(z.string(), z.unknown());

export const AgentStatus = z.enum(["active", "inactive"]);
export type AgentStatus = z.infer<typeof AgentStatus>;

/** §2, §4.3: every mesh error body. */
export const MeshErrorBody = z.strictObject({ error: z.string() });
export type MeshErrorBody = z.infer<typeof MeshErrorBody>;

// ---- §8.1 / §9.3 well-known documents ----------------------------------------------------

export const NodeWellKnown = z.strictObject({
  darkmatter: z.literal(true),
  protocol_version: z.string(),
  agent_id: z.string(),
  display_name: z.string().nullable(),
  public_key_hex: z.string(),
  bio: z.string(),
  status: AgentStatus,
  accepting_connections: z.boolean(),
  mesh_url: z.string(),
  mcp_url: z.string(),
  webrtc_enabled: z.boolean(),
});
export type NodeWellKnown = z.infer<typeof NodeWellKnown>;

export const AnchorWellKnown = z.strictObject({
  darkmatter: z.literal(true),
  anchor: z.literal(true),
  protocol_version: z.string(),
  agents_registered: z.number().int().nonnegative(),
});
export type AnchorWellKnown = z.infer<typeof AnchorWellKnown>;

/** §13.1: what discovery reads from someone else's well-known document (consumers need a truthy `darkmatter` and a non-empty `agent_id`). */
export const DiscoveredWellKnown = z.looseObject({
  darkmatter: z.unknown(),
  agent_id: z.string().optional(),
  bio: z.string().nullish(),
  status: z.string().nullish(),
  accepting_connections: z.boolean().nullish(),
});
export type DiscoveredWellKnown = z.infer<typeof DiscoveredWellKnown>;

// ---- §8.2 connection_request -------------------------------------------------------------

export const ConnectionRequestBody = z.object({
  from_agent_id: z.string(),
  from_agent_url: z.string(),
  from_agent_bio: optionalString,
  from_agent_public_key_hex: optionalString,
  from_agent_display_name: optionalString,
  /** Only sent when true (§8.2). */
  mutual: z.boolean().optional(),
});
export type ConnectionRequestBody = z.infer<typeof ConnectionRequestBody>;

export const ConnectionAutoAcceptedReply = z.strictObject({
  auto_accepted: z.literal(true),
  agent_id: z.string(),
  agent_url: z.string(),
  agent_bio: z.string(),
  agent_public_key_hex: z.string().nullable(),
  agent_display_name: z.string().nullable(),
  message: z.string(),
});
export type ConnectionAutoAcceptedReply = z.infer<typeof ConnectionAutoAcceptedReply>;

export const ConnectionQueuedReply = z.strictObject({
  auto_accepted: z.literal(false),
  request_id: z.string(),
  message: z.string(),
});
export type ConnectionQueuedReply = z.infer<typeof ConnectionQueuedReply>;

export const ConnectionRequestReply = z.union([ConnectionAutoAcceptedReply, ConnectionQueuedReply]);
export type ConnectionRequestReply = z.infer<typeof ConnectionRequestReply>;

/** §8.2 requester side: what a reference requester reads from any target's reply, whatever the status. */
export const PeerConnectionReply = z.looseObject({
  auto_accepted: z.unknown().optional(),
  request_id: optionalString,
  agent_id: optionalString,
  agent_url: optionalString,
  agent_bio: optionalString,
  agent_public_key_hex: optionalString,
  agent_display_name: optionalString,
});
export type PeerConnectionReply = z.infer<typeof PeerConnectionReply>;

// ---- §8.3 connection_accepted, §8.4 accept_pending ---------------------------------------

export const ConnectionAcceptedBody = z.object({
  agent_id: z.string(),
  agent_url: z.string(),
  agent_bio: optionalString,
  agent_public_key_hex: optionalString,
  agent_display_name: optionalString,
});
export type ConnectionAcceptedBody = z.infer<typeof ConnectionAcceptedBody>;

export const SuccessReply = z.strictObject({ success: z.literal(true) });
export type SuccessReply = z.infer<typeof SuccessReply>;

export const AcceptPendingBody = z.object({ request_id: z.string() });
export type AcceptPendingBody = z.infer<typeof AcceptPendingBody>;

export const AcceptPendingReply = z.strictObject({
  success: z.literal(true),
  accepted: z.literal(true),
  agent_id: z.string(),
});
export type AcceptPendingReply = z.infer<typeof AcceptPendingReply>;

// ---- §8.5 message ------------------------------------------------------------------------

/** A message as a new node sends it (§11.1): always signed. */
export const MessageBody = z.object({
  message_id: z.string(),
  content: z.string(),
  webhook: z.string(),
  hops_remaining: z.number().int().nonnegative(),
  from_agent_id: z.string(),
  metadata: JsonObject,
  timestamp: z.string(),
  from_public_key_hex: z.string(),
  signature_hex: z.string(),
});
export type MessageBody = z.infer<typeof MessageBody>;

/** A message as a node must accept it (§8.5): unsigned is allowed, hops and metadata are defaulted, not checked. */
export const ReceivedMessageBody = MessageBody.extend({
  hops_remaining: z.unknown().optional(),
  from_agent_id: optionalString,
  metadata: z.unknown().optional(),
  timestamp: optionalString,
  from_public_key_hex: optionalString,
  signature_hex: optionalString,
});
export type ReceivedMessageBody = z.infer<typeof ReceivedMessageBody>;

export const MessageQueuedReply = z.strictObject({
  success: z.literal(true),
  queued: z.literal(true),
  queue_position: z.number().int().positive(),
});
export type MessageQueuedReply = z.infer<typeof MessageQueuedReply>;

// ---- §8.6 / §8.7 webhooks ----------------------------------------------------------------

export const ForwardedUpdateBody = z.object({
  type: z.literal("forwarded"),
  agent_id: z.string(),
  target_agent_id: z.string(),
  note: z.string().nullable(),
});
export type ForwardedUpdateBody = z.infer<typeof ForwardedUpdateBody>;

export const ExpiredUpdateBody = z.object({
  type: z.literal("expired"),
  agent_id: z.string(),
  note: z.string().nullable(),
});
export type ExpiredUpdateBody = z.infer<typeof ExpiredUpdateBody>;

/** Signed like a message, over the response text (§6.1); the reference never verifies it (§8.6). */
export const ResponseUpdateBody = z.object({
  type: z.literal("response"),
  agent_id: z.string(),
  response: z.string(),
  metadata: z.unknown(),
  timestamp: z.string(),
  from_public_key_hex: z.string(),
  signature_hex: z.string(),
});
export type ResponseUpdateBody = z.infer<typeof ResponseUpdateBody>;

export const WebhookUpdateBody = z.discriminatedUnion("type", [
  ForwardedUpdateBody,
  ExpiredUpdateBody,
  ResponseUpdateBody,
]);
export type WebhookUpdateBody = z.infer<typeof WebhookUpdateBody>;

/** What a webhook POST must accept: `type` is dispatched on by value (unknown → 400), the rest defaulted. */
export const ReceivedWebhookUpdate = z.object({
  type: z.unknown().optional(),
  agent_id: optionalString,
  target_agent_id: optionalString,
  note: optionalString,
  response: optionalString,
  metadata: z.unknown().optional(),
});
export type ReceivedWebhookUpdate = z.infer<typeof ReceivedWebhookUpdate>;

/** Entries of a sent message's `updates`; `timestamp` is always the receiver's clock (§8.6). */
export const ForwardedUpdateRecord = z.strictObject({
  type: z.literal("forwarded"),
  agent_id: z.string().nullable(),
  target_agent_id: z.string().nullable(),
  note: z.string().nullable(),
  timestamp: z.string(),
});
export const ExpiredUpdateRecord = z.strictObject({
  type: z.literal("expired"),
  agent_id: z.string().nullable(),
  note: z.string().nullable(),
  timestamp: z.string(),
});
export const WebhookUpdateRecord = z.discriminatedUnion("type", [ForwardedUpdateRecord, ExpiredUpdateRecord]);
export type WebhookUpdateRecord = z.infer<typeof WebhookUpdateRecord>;

export const SentMessageStatus = z.enum(["active", "responded", "expired"]);
export type SentMessageStatus = z.infer<typeof SentMessageStatus>;

/** §8.7: exactly these five keys — no hops_remaining, no response (§18 #2). */
export const WebhookStatusDocument = z.strictObject({
  message_id: z.string(),
  status: SentMessageStatus,
  initial_hops: z.number().int(),
  created_at: z.string(),
  updates: z.array(WebhookUpdateRecord),
});
export type WebhookStatusDocument = z.infer<typeof WebhookStatusDocument>;

/** §11.5 step 2: what a holder reads from the originator's webhook GET (any node's; lenient). */
export const PeerWebhookStatus = z.looseObject({
  status: z.string().nullish(),
  updates: z.array(z.looseObject({ target_agent_id: z.unknown().optional() })).nullish(),
});
export type PeerWebhookStatus = z.infer<typeof PeerWebhookStatus>;

export const WebhookRecordedReply = z.strictObject({
  success: z.literal(true),
  recorded: z.enum(["forwarded", "response", "expired"]),
});
export type WebhookRecordedReply = z.infer<typeof WebhookRecordedReply>;

// ---- §8.8 status, §8.9 network_info, §8.10 impression ------------------------------------

export const NodeStatusDocument = z.strictObject({
  agent_id: z.string(),
  display_name: z.string().nullable(),
  public_key_hex: z.string(),
  bio: z.string(),
  status: AgentStatus,
  num_connections: z.number().int().nonnegative(),
  accepting_connections: z.boolean(),
});
export type NodeStatusDocument = z.infer<typeof NodeStatusDocument>;

export const NetworkPeer = z.strictObject({ agent_id: z.string(), agent_url: z.string(), agent_bio: z.string() });
export type NetworkPeer = z.infer<typeof NetworkPeer>;

export const NetworkInfoDocument = z.strictObject({
  agent_id: z.string(),
  display_name: z.string().nullable(),
  public_key_hex: z.string(),
  agent_url: z.string(),
  bio: z.string(),
  accepting_connections: z.boolean(),
  peers: z.array(NetworkPeer),
});
export type NetworkInfoDocument = z.infer<typeof NetworkInfoDocument>;

export const ImpressionReply = z.union([
  z.strictObject({ agent_id: z.string(), has_impression: z.literal(false) }),
  z.strictObject({ agent_id: z.string(), has_impression: z.literal(true), impression: z.string() }),
]);
export type ImpressionReply = z.infer<typeof ImpressionReply>;

// ---- §8.11 / §9.1 peer_update, §8.12 / §9.2 peer_lookup ----------------------------------

/** As a node sends it (§14.2): always signed. */
export const PeerUpdateBody = z.object({
  agent_id: z.string(),
  new_url: z.string(),
  timestamp: z.string(),
  public_key_hex: z.string(),
  signature: z.string(),
});
export type PeerUpdateBody = z.infer<typeof PeerUpdateBody>;

/** As a node must accept it (§8.11): the proof fields are optional. */
export const ReceivedPeerUpdate = PeerUpdateBody.extend({
  timestamp: optionalString,
  public_key_hex: optionalString,
  signature: optionalString,
});
export type ReceivedPeerUpdate = z.infer<typeof ReceivedPeerUpdate>;

/** As an anchor reads it (§9.1 step 3): every field a string, missing = "" (null crashes the reference; 400 here). */
export const AnchorRegistrationBody = z.object({
  agent_id: z.string().optional(),
  new_url: z.string().optional(),
  public_key_hex: z.string().optional(),
  signature: z.string().optional(),
  timestamp: z.string().optional(),
});
export type AnchorRegistrationBody = z.infer<typeof AnchorRegistrationBody>;

export const PeerUpdatedReply = z.strictObject({ success: z.literal(true), updated: z.literal(true) });
export type PeerUpdatedReply = z.infer<typeof PeerUpdatedReply>;

export const AnchorRegisteredReply = z.strictObject({ success: z.literal(true), registered: z.boolean() });
export type AnchorRegisteredReply = z.infer<typeof AnchorRegisteredReply>;

export const NodePeerLookupReply = z.strictObject({
  agent_id: z.string(),
  url: z.string(),
  status: z.literal("connected"),
});
export type NodePeerLookupReply = z.infer<typeof NodePeerLookupReply>;

/** `last_seen`: float seconds since the Unix epoch (§9.2). */
export const AnchorPeerLookupReply = z.strictObject({
  agent_id: z.string(),
  url: z.string(),
  last_seen: z.number(),
});
export type AnchorPeerLookupReply = z.infer<typeof AnchorPeerLookupReply>;

/** §14.3: a lookup reply from an anchor or a peer; only `url` is read. */
export const PeerLookupResult = z.looseObject({ url: z.unknown().optional() });

// ---- §8.13 / §15 WebRTC, §13.3 LAN beacon -------------------------------------------------

export const WebRtcOfferBody = z.object({ from_agent_id: z.string(), sdp_offer: z.string() });
export type WebRtcOfferBody = z.infer<typeof WebRtcOfferBody>;

export const WebRtcAnswerReply = z.strictObject({ success: z.literal(true), sdp_answer: z.string() });
export type WebRtcAnswerReply = z.infer<typeof WebRtcAnswerReply>;

/** §15: a data-channel frame; only this path is processed, and there is no reply frame. */
export const WebRtcFrame = z.object({ path: z.literal("/__darkmatter__/message"), payload: ReceivedMessageBody });
export type WebRtcFrame = z.infer<typeof WebRtcFrame>;

/** §13.3: UDP multicast beacon, fields in this order; unsigned. Workers cannot send or receive it. */
export const LanBeacon = z.object({
  proto: z.literal("darkmatter"),
  v: z.string(),
  agent_id: z.string().min(1),
  display_name: z.string().nullable(),
  public_key_hex: z.string(),
  bio: z.string(),
  port: z.number().int(),
  status: AgentStatus,
  accepting: z.boolean(),
  ts: z.number().int(),
});
export type LanBeacon = z.infer<typeof LanBeacon>;

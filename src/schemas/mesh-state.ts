// Node and anchor state the mesh endpoints read and write (mesh spec §8.2, §8.5, §9, §10.1,
// §11.1). Not wire bodies as such — they are what a Durable Object persists — but their field
// names are the reference's, since the MCP tools of §17 show them as they are.
import { z } from "zod";
import { RoutingRecord } from "./router.js";
import { SentMessageStatus, WebhookUpdateRecord } from "./mesh.js";

export const ResponseRecord = z.strictObject({
  agent_id: z.string().nullable(),
  response: z.string().nullable(),
  metadata: z.unknown(),
  timestamp: z.string(),
});
export type ResponseRecord = z.infer<typeof ResponseRecord>;

/** §11.1 sent-message record (what `darkmatter_get_sent_message` shows, minus derived counts). */
export const SentMessage = z.strictObject({
  message_id: z.string(),
  content: z.string(),
  status: SentMessageStatus,
  initial_hops: z.number().int(),
  routed_to: z.array(z.string()),
  created_at: z.string(),
  updates: z.array(WebhookUpdateRecord),
  response: ResponseRecord.nullable(),
});
export type SentMessage = z.infer<typeof SentMessage>;

/** §8.2 step 10: a queued incoming request. Pending requests never expire (§10.6). */
export const PendingConnectionRequest = z.strictObject({
  request_id: z.string(),
  from_agent_id: z.string(),
  from_agent_url: z.string(),
  from_agent_bio: z.string(),
  from_agent_public_key_hex: z.string().nullable(),
  from_agent_display_name: z.string().nullable(),
  mutual: z.boolean(),
  requested_at: z.string(),
});
export type PendingConnectionRequest = z.infer<typeof PendingConnectionRequest>;

export const ConnectionDirection = z.enum(["inbound", "outbound"]);
export type ConnectionDirection = z.infer<typeof ConnectionDirection>;

/** §10.1: a connection record, keyed by the peer's agent ID; `agent_url` verbatim as learned. */
export const MeshConnection = z.strictObject({
  agent_id: z.string(),
  agent_url: z.string(),
  agent_bio: z.string(),
  direction: ConnectionDirection,
  connected_at: z.string(),
  agent_public_key_hex: z.string().nullable(),
  agent_display_name: z.string().nullable(),
  /** 0 = default 30, −1 = unlimited, n > 0 (§10.1). */
  rate_limit: z.number().int(),
});
export type MeshConnection = z.infer<typeof MeshConnection>;

/** §8.5 step 13: an inbox entry (the inbox is capped at 50 and purged after an hour). */
export const InboxMessage = z.strictObject({
  message_id: z.string(),
  content: z.string(),
  webhook: z.string(),
  hops_remaining: z.number().int().nonnegative(),
  metadata: z.unknown(),
  from_agent_id: z.string(),
  verified: z.boolean(),
  received_at: z.string(),
  /** What the agent's router decided (src/core/mesh/router.ts), while the message stays in the inbox. */
  routing: RoutingRecord.optional(),
});
export type InboxMessage = z.infer<typeof InboxMessage>;

/** §9: one anchor directory entry; `last_seen` in float epoch seconds. */
export const AnchorEntry = z.strictObject({ url: z.string(), public_key_hex: z.string(), last_seen: z.number() });
export type AnchorEntry = z.infer<typeof AnchorEntry>;

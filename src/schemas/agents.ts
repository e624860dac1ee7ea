// Operator API of hosted agents (mirrors the MCP tools of mesh spec §17). Tool parameters are
// the mesh-tools schemas themselves, so the API and the tools validate identically.
import { z } from "zod";
import { InboxMessage, MeshConnection, PendingConnectionRequest, SentMessage } from "./mesh-state.js";
import { CONNECTION_ACTIONS, requireActionField } from "./mesh-tools.js";
import {
  MAX_BIO_CODE_POINTS,
  MAX_IMPRESSION_CODE_POINTS,
  MAX_INACTIVE_MINUTES,
  MIN_INACTIVE_MINUTES,
} from "../core/mesh/limits.js";

export const AgentName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,62}$/,
    "agent names are 1–63 characters of a–z 0–9 and -, starting with a letter or digit",
  );

export const CreateAgent = z
  .object({
    name: AgentName,
    bio: z.string().min(1).max(MAX_BIO_CODE_POINTS).optional(),
    display_name: z.string().min(1).max(128).optional(),
  })
  .meta({ id: "CreateAgent" });

/** An agent this Worker hosts, as the Directory lists it (GET /api/v1/agents, the anchor's well-known document). */
export const HostedAgent = z
  .object({ name: z.string(), agent_id: z.string(), url: z.string(), created_at: z.number() })
  .meta({ id: "HostedAgent" });
export type HostedAgent = z.infer<typeof HostedAgent>;

export const AgentIdentity = z
  .object({
    name: z.string(),
    agent_id: z.string(),
    public_key_hex: z.string(),
    display_name: z.string().nullable(),
    bio: z.string(),
    url: z.string(),
    status: z.enum(["active", "inactive"]),
    inactive_until: z.string().nullable(),
    num_connections: z.number().int(),
    num_pending_requests: z.number().int(),
    message_queue_size: z.number().int(),
    sent_messages_count: z.number().int(),
    messages_handled: z.number().int(),
    global_rate_limit: z.number().int(),
    created_at: z.string(),
  })
  .meta({
    id: "AgentIdentity",
    description: "agent_id is the Ed25519 public key (hex); url is the agent's base URL on the mesh",
  });

/** POST /api/v1/agents: the identity and, shown this once, the agent's token (src/core/agent-token.ts). */
export const CreatedAgent = AgentIdentity.extend({
  token: z.string().optional().meta({
    description:
      "the agent's bearer token for /agents/{name}/mcp and /api/v1/agents/{name}/…; shown once, stored only as its SHA-256 (the hub has none: its token is DM_HUB_TOKEN)",
  }),
}).meta({ id: "CreatedAgent" });

/** POST /api/v1/agents/{name}/token: the new token, shown once; the previous one no longer works. */
export const AgentToken = z
  .strictObject({ name: z.string(), agent_id: z.string(), token: z.string() })
  .meta({ id: "AgentToken" });
export type AgentToken = z.infer<typeof AgentToken>;

export const UpdateBio = z.object({ bio: z.string().min(1).max(MAX_BIO_CODE_POINTS) }).meta({ id: "UpdateBio" });
export const BioResult = z.strictObject({ success: z.literal(true), bio: z.string() }).meta({ id: "BioResult" });
export type BioResult = z.infer<typeof BioResult>;

export const ConnectionAction = z
  .object({
    action: z.enum(CONNECTION_ACTIONS),
    target_url: z.string().min(1).max(2048).optional().meta({
      description: "for request / request_mutual: the peer's base URL in any spelling (…, …/, …/mcp, …/__darkmatter__)",
    }),
    request_id: z.string().min(1).max(64).optional().meta({ description: "for accept / reject" }),
    agent_id: z.string().min(1).max(128).optional().meta({ description: "for disconnect" }),
  })
  .superRefine(requireActionField)
  .meta({ id: "ConnectionAction" });

export const SendMessage = z
  .object({
    content: z.string().min(1).optional().meta({ description: "a new message (≤ 65 536 code points)" }),
    message_id: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .meta({ description: "forward (or fork) a message held in the inbox" }),
    target_agent_id: z.string().min(1).max(128).optional(),
    target_agent_ids: z
      .array(z.string().min(1).max(128))
      .min(1)
      .max(50)
      .optional()
      .meta({ description: "fork to several connections" }),
    metadata: z.record(z.string(), z.unknown()).default({}),
    hops_remaining: z.number().int().min(1).max(50).default(10),
    note: z.string().max(1000).optional(),
    force: z.boolean().default(false).meta({ description: "forward even when loop detection objects" }),
  })
  .refine((params) => Boolean(params.content) !== Boolean(params.message_id), {
    message: "give exactly one of content (a new message) or message_id (a forward)",
    path: ["content"],
  })
  .meta({ id: "SendMessage" });

export const Respond = z.object({ response: z.string().min(1).max(65_536) }).meta({ id: "Respond" });
export const SetImpression = z
  .object({ impression: z.string().max(MAX_IMPRESSION_CODE_POINTS).meta({ description: '"" deletes it' }) })
  .meta({ id: "SetImpression" });
export const AskImpression = z
  .object({ peer: z.string().min(1).max(128).meta({ description: "the connected agent to ask" }) })
  .meta({ id: "AskImpression" });
export const SetRateLimit = z
  .object({
    agent_id: z.string().min(1).max(128).optional().meta({ description: "omit for the agent's global limit" }),
    limit: z
      .number()
      .int()
      .min(-1)
      .meta({ description: "0 = default (30 per connection, 200 global), -1 = unlimited" }),
  })
  .meta({ id: "SetRateLimit" });
export const SetStatus = z
  .object({
    active: z.boolean(),
    duration_minutes: z.number().int().min(MIN_INACTIVE_MINUTES).max(MAX_INACTIVE_MINUTES).optional(),
  })
  .meta({ id: "SetAgentStatus" });

// What the operator API answers when it lists an agent's state (the Agent Durable Object's records, §10.1, §8.2, §8.5, §11.1).
export const ConnectionList = z
  .object({
    total: z.number().int(),
    max_connections: z.number().int(),
    connections: z.array(
      MeshConnection.extend({
        messages_sent: z.number().int(),
        messages_received: z.number().int(),
        messages_declined: z.number().int(),
        last_activity: z.number().nullable().meta({ description: "ms since the epoch of the last message either way" }),
        health_failures: z.number().int(),
        impression: z.string().optional().meta({ description: "this agent's impression of the peer, when it has one" }),
      }),
    ),
  })
  .meta({ id: "ConnectionList" });
export const PendingRequestList = z
  .object({ total: z.number().int(), requests: z.array(PendingConnectionRequest) })
  .meta({ id: "PendingRequestList" });
export const InboxList = z.object({ items: z.array(InboxMessage) }).meta({ id: "InboxList" });
export const SentList = z.object({ items: z.array(SentMessage) }).meta({ id: "SentList" });

// What the operator actions answer: the §17 tool results, strict so a drift fails the tests.
export const ConnectionResult = z
  .union([
    z.strictObject({ success: z.literal(true), status: z.literal("connected"), agent_id: z.string() }),
    z.strictObject({ success: z.literal(true), status: z.literal("pending"), request_id: z.string().nullable() }),
    z.strictObject({ success: z.literal(true), accepted: z.literal(true), agent_id: z.string() }),
    z.strictObject({ success: z.literal(true), rejected: z.string() }),
    z.strictObject({ success: z.literal(true), disconnected_from: z.string() }),
  ])
  .meta({
    id: "ConnectionResult",
    description: "request / request_mutual (connected at once or pending), accept, reject, disconnect",
  });
export type ConnectionResult = z.infer<typeof ConnectionResult>;

export const SendResult = z
  .union([
    z.strictObject({
      success: z.boolean().meta({ description: "true when at least one target took the message" }),
      message_id: z.string(),
      routed_to: z.array(z.string()),
      hops_remaining: z.number().int(),
      webhook: z.string(),
      failed: z.array(z.strictObject({ agent_id: z.string(), error: z.string() })).optional(),
    }),
    z.strictObject({
      success: z.boolean(),
      message_id: z.string(),
      hops_remaining_for_targets: z.number().int(),
      results: z.array(z.strictObject({ agent_id: z.string(), success: z.boolean(), error: z.string().optional() })),
      note: z.string().optional(),
    }),
  ])
  .meta({ id: "SendResult", description: "a new message, or a held one forwarded / forked" });
export type SendResult = z.infer<typeof SendResult>;

export const RespondResult = z
  .strictObject({
    success: z.boolean(),
    message_id: z.string(),
    webhook_called: z.string(),
    response_time_ms: z.number(),
    error: z.string().nullable(),
  })
  .meta({ id: "RespondResult" });
export type RespondResult = z.infer<typeof RespondResult>;

export const ExpireResult = z
  .strictObject({ success: z.literal(true), message_id: z.string(), status: z.enum(["expired", "already expired"]) })
  .meta({ id: "ExpireResult" });
export type ExpireResult = z.infer<typeof ExpireResult>;

export const DropResult = z.strictObject({ dropped: z.number().int() }).meta({ id: "DropResult" });

export const ImpressionSetResult = z
  .strictObject({
    success: z.literal(true),
    agent_id: z.string(),
    action: z.enum(["created", "updated", "deleted"]),
    impression: z.string().optional(),
  })
  .meta({ id: "ImpressionSetResult" });
export type ImpressionSetResult = z.infer<typeof ImpressionSetResult>;

export const AskImpressionResult = z
  .strictObject({
    success: z.literal(true),
    asked: z.string(),
    about: z.string(),
    has_impression: z.boolean(),
    impression: z.string().nullable(),
  })
  .meta({ id: "AskImpressionResult" });
export type AskImpressionResult = z.infer<typeof AskImpressionResult>;

const EffectiveRateLimit = z
  .union([z.number().int(), z.literal("unlimited")])
  .meta({ description: "requests per minute the setting allows (0 is the default: 30 per connection, 200 global)" });
export const RateLimitResult = z
  .union([
    z.strictObject({
      success: z.literal(true),
      agent_id: z.string(),
      rate_limit: z.number().int(),
      effective: EffectiveRateLimit,
    }),
    z.strictObject({
      success: z.literal(true),
      scope: z.literal("global"),
      rate_limit: z.number().int(),
      effective: EffectiveRateLimit,
    }),
  ])
  .meta({ id: "RateLimitResult" });
export type RateLimitResult = z.infer<typeof RateLimitResult>;

export const StatusResult = z
  .strictObject({
    success: z.literal(true),
    status: z.enum(["active", "inactive"]),
    inactive_until: z.string().optional(),
    duration_minutes: z
      .number()
      .int()
      .optional()
      .meta({ description: "when going inactive: the minutes until reactivation (default 60)" }),
  })
  .meta({ id: "StatusResult" });
export type StatusResult = z.infer<typeof StatusResult>;

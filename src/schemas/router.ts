// A hosted agent's message router (seed 002 "Extensible Message Router" and "Agent Auto-Spawn";
// mesh spec §11.8): the configuration the operator reads and replaces, the decision recorded for
// each routed message, and the handler's request and answer. The rules that use them are
// src/core/mesh/router.ts; the agent carries decisions out in src/mesh/agent/router.ts.
import { z } from "zod";
import {
  MAX_AGENT_ID_CODE_POINTS,
  MAX_CONTENT_CODE_POINTS,
  MAX_NOTE_CODE_POINTS,
  MAX_URL_CODE_POINTS,
} from "../core/mesh/limits.js";

/** Seed 002's configuration table: DARKMATTER_AGENT_MAX_CONCURRENT, …_MAX_PER_HOUR, …_TIMEOUT. */
export const HANDLER_DEFAULTS = { maxConcurrent: 2, maxPerHour: 6, timeoutSeconds: 300 } as const;
/** Bounds of what an operator may set (a handler call holds the agent's object open while it runs). */
export const HANDLER_BOUNDS = { maxConcurrent: 16, maxPerHour: 3600, timeoutSeconds: 900 } as const;
export const MAX_ROUTING_RULES = 64;
export const MAX_RULE_KEYWORDS = 32;
export const MAX_METADATA_MATCHES = 16;
export const MAX_FORWARD_TARGETS = 50;

export const RouterMode = z.enum(["queue_only", "rules_only", "rules_first", "spawn"]).meta({
  id: "RouterMode",
  description:
    "queue_only: keep every message in the inbox (the default); rules_only: rules, else keep; rules_first: rules, else the handler; spawn: every message to the handler",
});
export type RouterMode = z.infer<typeof RouterMode>;

export const RuleAction = z.enum(["HANDLE", "FORWARD", "RESPOND", "DROP", "PASS"]);
export type RuleAction = z.infer<typeof RuleAction>;

const MetadataValue = z.union([z.string().max(1024), z.number(), z.boolean(), z.null()]);

export const RuleMatch = z
  .strictObject({
    keywords: z
      .array(z.string().min(1).max(200))
      .min(1)
      .max(MAX_RULE_KEYWORDS)
      .optional()
      .meta({ description: "any of them, as a case-insensitive substring of the content" }),
    from_agent_id: z.string().min(1).max(MAX_AGENT_ID_CODE_POINTS).optional().meta({ description: "the exact sender" }),
    metadata: z
      .record(z.string().min(1).max(128), MetadataValue)
      .refine((record) => Object.keys(record).length <= MAX_METADATA_MATCHES, {
        message: `at most ${MAX_METADATA_MATCHES} metadata keys`,
      })
      .optional()
      .meta({ description: "every key present in the message's metadata with exactly this value" }),
  })
  .meta({ id: "RuleMatch", description: "every given condition must hold; an empty match matches every message" });

export const RoutingRule = z
  .strictObject({
    match: RuleMatch.default({}),
    action: RuleAction,
    targets: z
      .array(z.string().min(1).max(MAX_AGENT_ID_CODE_POINTS))
      .min(1)
      .max(MAX_FORWARD_TARGETS)
      .optional()
      .meta({ description: "FORWARD: the connected agents to forward to" }),
    response: z.string().min(1).max(MAX_CONTENT_CODE_POINTS).optional().meta({
      description:
        "RESPOND: the answer; {{content}}, {{from_agent_id}}, {{message_id}}, {{hops_remaining}} and {{metadata.<key>}} quote the message",
    }),
    note: z
      .string()
      .max(MAX_NOTE_CODE_POINTS)
      .optional()
      .meta({ description: "why the rule exists; FORWARD sends it as the forward note" }),
  })
  .superRefine((rule, context) => {
    if (rule.action === "FORWARD" && !rule.targets)
      context.addIssue({ code: "custom", path: ["targets"], message: "FORWARD needs targets" });
    if (rule.action !== "FORWARD" && rule.targets)
      context.addIssue({ code: "custom", path: ["targets"], message: "only FORWARD takes targets" });
    if (rule.action === "RESPOND" && !rule.response)
      context.addIssue({ code: "custom", path: ["response"], message: "RESPOND needs a response" });
    if (rule.action !== "RESPOND" && rule.response)
      context.addIssue({ code: "custom", path: ["response"], message: "only RESPOND takes a response" });
  })
  .meta({ id: "RoutingRule" });
export type RoutingRule = z.infer<typeof RoutingRule>;

export const RouterHandler = z
  .strictObject({
    url: z
      .string()
      .min(1)
      .max(MAX_URL_CODE_POINTS)
      .meta({ description: "https; http only on loopback while the Worker runs locally" }),
    maxConcurrent: z.number().int().min(1).max(HANDLER_BOUNDS.maxConcurrent).default(HANDLER_DEFAULTS.maxConcurrent),
    maxPerHour: z.number().int().min(1).max(HANDLER_BOUNDS.maxPerHour).default(HANDLER_DEFAULTS.maxPerHour),
    timeoutSeconds: z.number().int().min(1).max(HANDLER_BOUNDS.timeoutSeconds).default(HANDLER_DEFAULTS.timeoutSeconds),
  })
  .meta({ id: "RouterHandler" });
export type RouterHandler = z.infer<typeof RouterHandler>;

export const RouterConfig = z
  .strictObject({
    mode: RouterMode,
    rules: z.array(RoutingRule).max(MAX_ROUTING_RULES).default([]),
    handler: RouterHandler.optional(),
  })
  .superRefine((router, context) => {
    if (router.mode === "spawn" && !router.handler)
      context.addIssue({ code: "custom", path: ["handler"], message: "spawn mode needs a handler" });
    router.rules.forEach((rule, index) => {
      if (rule.action === "HANDLE" && !router.handler)
        context.addIssue({ code: "custom", path: ["rules", index, "action"], message: "HANDLE needs a handler" });
    });
  })
  .meta({ id: "RouterConfig" });
export type RouterConfig = z.infer<typeof RouterConfig>;

export const StoredRouter = z
  .strictObject({
    version: z.number().int().min(0).meta({ description: "0 for the default router; +1 on every PUT (the ETag)" }),
    updated_at: z.number().int().nullable(),
    router: RouterConfig,
  })
  .meta({ id: "StoredRouter" });
export type StoredRouter = z.infer<typeof StoredRouter>;

// ---- decisions ------------------------------------------------------------------------------

export const RoutingAction = z
  .enum(["queue", "handle", "forward", "respond", "drop"])
  .meta({ description: "queue: left in the inbox (no rule decided, or queue_only)" });
export type RoutingAction = z.infer<typeof RoutingAction>;

export const RoutingOutcome = z.enum(["done", "kept", "handling", "failed"]).meta({
  description:
    "done: carried out (the message left the inbox); kept: left in the inbox by decision (queue, defer); handling: a handler call is running; failed: left in the inbox, see `reason`",
});

/** What the router decided for one message, recorded on it (while it stays in the inbox) and in the agent's decision log. */
export const RoutingRecord = z
  .strictObject({
    at: z.number().int(),
    mode: RouterMode,
    rule: z
      .number()
      .int()
      .min(0)
      .nullable()
      .meta({ description: "the index of the deciding rule; null when none did" }),
    action: RoutingAction,
    outcome: RoutingOutcome,
    reason: z.string().max(1024).optional(),
    handler: z
      .enum(["response", "forward", "drop", "defer"])
      .optional()
      .meta({ description: "what the handler answered, when it was called" }),
    targets: z.array(z.string()).optional(),
  })
  .meta({ id: "RoutingRecord" });
export type RoutingRecord = z.infer<typeof RoutingRecord>;

export const RoutingLogEntry = RoutingRecord.extend({
  message_id: z.string(),
  from_agent_id: z.string(),
}).meta({ id: "RoutingLogEntry" });
export type RoutingLogEntry = z.infer<typeof RoutingLogEntry>;

export const RoutingLog = z
  .strictObject({ items: z.array(RoutingLogEntry) })
  .meta({ id: "RoutingLog", description: "the latest decisions, newest first" });

// ---- the handler's side ---------------------------------------------------------------------

/** The header that carries the agent's Ed25519 signature (hex) over the exact request body bytes. */
export const HANDLER_SIGNATURE_HEADER = "x-darkmatter-signature";
export const HANDLER_AGENT_HEADER = "x-darkmatter-agent-id";

export const HandlerRequest = z
  .strictObject({
    darkmatter: z.literal("handler-request"),
    timestamp: z.string().meta({ description: "when the agent made the call (the handler may refuse stale ones)" }),
    agent: z.strictObject({ name: z.string(), agent_id: z.string(), public_key_hex: z.string(), url: z.string() }),
    rule: z.number().int().nullable(),
    message: z.strictObject({
      message_id: z.string(),
      content: z.string(),
      metadata: z.unknown(),
      from_agent_id: z.string(),
      hops_remaining: z.number().int(),
      verified: z.boolean(),
      received_at: z.string(),
    }),
  })
  .meta({
    id: "HandlerRequest",
    description: `POSTed to the handler, signed: ${HANDLER_SIGNATURE_HEADER} is the agent's Ed25519 signature (hex) over these exact bytes`,
  });
export type HandlerRequest = z.infer<typeof HandlerRequest>;

export const HandlerAnswer = z
  .union([
    z.strictObject({ response: z.string().min(1).max(MAX_CONTENT_CODE_POINTS) }),
    z.strictObject({
      forward: z.array(z.string().min(1).max(MAX_AGENT_ID_CODE_POINTS)).min(1).max(MAX_FORWARD_TARGETS),
      note: z.string().max(MAX_NOTE_CODE_POINTS).optional(),
    }),
    z.strictObject({ drop: z.literal(true) }),
    z.strictObject({ defer: z.literal(true) }),
  ])
  .meta({ id: "HandlerAnswer", description: "what the agent does with the message" });
export type HandlerAnswer = z.infer<typeof HandlerAnswer>;

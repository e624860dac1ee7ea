// Parameters of the DarkMatter MCP tools (mesh spec §17). A tool with parameters takes ONE
// argument named `params` (MCP `arguments` = `{"params": {…}}`, §18 #22). Tools marked
// *strip* in the spec trim surrounding whitespace of every string (pydantic
// `str_strip_whitespace`, i.e. Python `str.strip`, BEFORE length checks) and refuse unknown
// fields (`extra="forbid"`); `darkmatter_set_rate_limit` does neither. Lengths are code points.
import { z } from "zod";
import {
  MAX_BIO_CODE_POINTS,
  MAX_CONTENT_CODE_POINTS,
  MAX_IMPRESSION_CODE_POINTS,
  MAX_INACTIVE_MINUTES,
  MAX_NOTE_CODE_POINTS,
  MAX_SEND_HOPS,
  MIN_INACTIVE_MINUTES,
  MIN_SEND_HOPS,
} from "../core/mesh/limits.js";
import { codePointLength, pyStrip } from "../core/mesh/python-semantics.js";

/** A stripped string, optionally bounded in code points. */
function stripped(bounds: { min?: number; max?: number } = {}) {
  return z
    .string()
    .transform(pyStrip)
    .refine((s) => bounds.min === undefined || codePointLength(s) >= bounds.min, {
      message: `at least ${bounds.min} characters`,
    })
    .refine((s) => bounds.max === undefined || codePointLength(s) <= bounds.max, {
      message: `at most ${bounds.max} characters`,
    });
}

/** The connection actions (§17 `darkmatter_connection`) and the field each one needs. */
export const CONNECTION_ACTIONS = ["request", "request_mutual", "accept", "reject", "disconnect"] as const;
const FIELD_OF_ACTION = {
  request: "target_url",
  request_mutual: "target_url",
  accept: "request_id",
  reject: "request_id",
  disconnect: "agent_id",
} as const;

/** Refuses a connection action without the field it needs (the tool's and the operator API's one rule). */
export function requireActionField(
  params: {
    action: (typeof CONNECTION_ACTIONS)[number];
    target_url?: unknown;
    request_id?: unknown;
    agent_id?: unknown;
  },
  ctx: z.RefinementCtx,
): void {
  const field = FIELD_OF_ACTION[params.action];
  if (!params[field])
    ctx.addIssue({ code: "custom", path: [field], message: `${field} is required for action '${params.action}'` });
}

export const ConnectionToolParams = z
  .strictObject({
    action: z.enum(CONNECTION_ACTIONS),
    target_url: stripped().nullish(),
    request_id: stripped().nullish(),
    agent_id: stripped().nullish(),
  })
  .superRefine(requireActionField);

export const SendMessageToolParams = z
  .strictObject({
    content: stripped({ max: MAX_CONTENT_CODE_POINTS }).nullish(),
    message_id: stripped().nullish(),
    target_agent_id: stripped().nullish(),
    target_agent_ids: z.array(stripped()).nullish(),
    metadata: z.record(z.string(), z.unknown()).default({}),
    hops_remaining: z.number().int().min(MIN_SEND_HOPS).max(MAX_SEND_HOPS).default(10),
    note: stripped({ max: MAX_NOTE_CODE_POINTS }).nullish(),
    force: z.boolean().default(false),
  })
  .refine((params) => Boolean(params.content) !== Boolean(params.message_id), {
    message: "give exactly one of content (a new message) or message_id (a forward)",
  });

export const RespondMessageToolParams = z.strictObject({ message_id: stripped(), response: stripped() });
export const MessageIdToolParams = z.strictObject({ message_id: stripped() });
export const UpdateBioToolParams = z.strictObject({ bio: stripped({ min: 1, max: MAX_BIO_CODE_POINTS }) });
export const SetStatusToolParams = z.strictObject({
  status: z.enum(["active", "inactive"]),
  duration_minutes: z.number().int().min(MIN_INACTIVE_MINUTES).max(MAX_INACTIVE_MINUTES).nullish(),
});
export const DiscoverDomainToolParams = z.strictObject({ domain: stripped() });
/** `impression: ""` deletes the stored impression. */
export const SetImpressionToolParams = z.strictObject({
  agent_id: stripped(),
  impression: stripped({ max: MAX_IMPRESSION_CODE_POINTS }),
});
export const GetImpressionToolParams = z.strictObject({ agent_id: stripped() });
export const AskImpressionToolParams = z.strictObject({ ask_agent_id: stripped(), about_agent_id: stripped() });
/** No strip, no forbid (§17). Omit `agent_id` for the global limit; 0 = default, −1 = unlimited. */
export const SetRateLimitToolParams = z.object({ agent_id: z.string().nullish(), limit: z.number().int() });

/** §17: tool name → its `params` schema. */
export const MESH_TOOL_PARAMS = {
  darkmatter_connection: ConnectionToolParams,
  darkmatter_send_message: SendMessageToolParams,
  darkmatter_respond_message: RespondMessageToolParams,
  darkmatter_get_message: MessageIdToolParams,
  darkmatter_get_sent_message: MessageIdToolParams,
  darkmatter_expire_message: MessageIdToolParams,
  darkmatter_update_bio: UpdateBioToolParams,
  darkmatter_set_status: SetStatusToolParams,
  darkmatter_discover_domain: DiscoverDomainToolParams,
  darkmatter_set_impression: SetImpressionToolParams,
  darkmatter_get_impression: GetImpressionToolParams,
  darkmatter_ask_impression: AskImpressionToolParams,
  darkmatter_set_rate_limit: SetRateLimitToolParams,
} as const;

/** §17: tools that take no arguments. */
export const MESH_TOOLS_WITHOUT_PARAMS = [
  "darkmatter_list_inbox",
  "darkmatter_list_messages",
  "darkmatter_get_identity",
  "darkmatter_list_connections",
  "darkmatter_list_pending_requests",
  "darkmatter_network_info",
  "darkmatter_get_server_template",
  "darkmatter_discover_local",
  "darkmatter_status",
] as const;

/** §17: the 22 tools, in the spec's order. */
export const MESH_TOOLS = [
  "darkmatter_connection",
  "darkmatter_send_message",
  "darkmatter_respond_message",
  "darkmatter_get_message",
  "darkmatter_list_inbox",
  "darkmatter_list_messages",
  "darkmatter_get_sent_message",
  "darkmatter_expire_message",
  "darkmatter_update_bio",
  "darkmatter_set_status",
  "darkmatter_get_identity",
  "darkmatter_list_connections",
  "darkmatter_list_pending_requests",
  "darkmatter_network_info",
  "darkmatter_get_server_template",
  "darkmatter_discover_domain",
  "darkmatter_discover_local",
  "darkmatter_set_impression",
  "darkmatter_get_impression",
  "darkmatter_ask_impression",
  "darkmatter_set_rate_limit",
  "darkmatter_status",
] as const satisfies ReadonlyArray<keyof typeof MESH_TOOL_PARAMS | (typeof MESH_TOOLS_WITHOUT_PARAMS)[number]>;
export type MeshToolName = (typeof MESH_TOOLS)[number];

/** The MCP `arguments` object of a tool with parameters: `{"params": {…}}`. */
export function toolArguments<S extends z.ZodType>(params: S) {
  return z.object({ params });
}

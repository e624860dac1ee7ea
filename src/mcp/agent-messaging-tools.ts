// The messaging tools of a hosted agent's MCP server (mesh spec §11, §17): send (or forward / fork),
// respond through the webhook, read the inbox and the sent messages, expire. Each calls the Agent
// object method the operator API calls (src/routes/agents.ts) and answers the §17 document.
import { inboxSummary } from "../core/mesh/inbox.js";
import { sentDetail, sentSummary } from "../core/mesh/sent-message.js";
import { unwrap } from "../core/problem.js";
import type { InboxMessage, SentMessage } from "../schemas/mesh-state.js";
import { MessageIdToolParams, RespondMessageToolParams, SendMessageToolParams } from "../schemas/mesh-tools.js";
import { READS, withoutParams, withParams, type AgentTool } from "./agent-tool.js";

export const MESSAGING_TOOLS: AgentTool[] = [
  withParams({
    name: "darkmatter_send_message",
    title: "Send Message",
    description:
      "Send a new signed message into the mesh, or forward (fork) a message held in your inbox.\n\n" +
      "New message: give `content` (≤ 65 536 characters) and optionally `target_agent_id` (one connection) or " +
      "`target_agent_ids` (several); with neither it goes to every connection. `hops_remaining` (1–50, default 10) " +
      "bounds how far it travels; `metadata` rides along. The answer has the `message_id` and the `webhook` where " +
      "forwards and the response arrive (darkmatter_get_sent_message shows them).\n\n" +
      "Forward: give `message_id` of an inbox message and the target(s); `note` (≤ 1000) says why. Loop detection " +
      "refuses a target the message already went through unless `force` is true. The message leaves your inbox.",
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    params: SendMessageToolParams,
    run: async (context, params) => unwrap(await (await context.agent()).send(params)),
  }),
  withParams({
    name: "darkmatter_respond_message",
    title: "Respond to Message",
    description:
      "Answer a message in your inbox: the response is signed and posted to the sender's webhook, and the message " +
      "leaves your inbox. The answer says whether the webhook took it (`success`, `error`).",
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    params: RespondMessageToolParams,
    run: async (context, params) => unwrap(await (await context.agent()).respond(params.message_id, params.response)),
  }),
  withParams({
    name: "darkmatter_get_message",
    title: "Get Inbox Message",
    description: "One message of your inbox with its full content, sender, webhook, hops and metadata.",
    annotations: READS,
    params: MessageIdToolParams,
    run: async (context, params) => unwrap(await (await context.agent()).inbox(params.message_id)) as InboxMessage,
  }),
  withoutParams({
    name: "darkmatter_list_inbox",
    title: "List Inbox",
    description:
      "The messages waiting for you (at most 50; each is held for one hour, then purged). Content is cut to 200 " +
      "characters (darkmatter_get_message has it whole); `can_forward` says whether hops remain to forward it.",
    annotations: READS,
    run: async (context) => {
      const inbox = unwrap(await (await context.agent()).inbox()) as InboxMessage[];
      return { total: inbox.length, messages: inbox.map(inboxSummary) };
    },
  }),
  withoutParams({
    name: "darkmatter_list_messages",
    title: "List Sent Messages",
    description:
      "The messages you sent (the latest 100), newest first, with their status (active, responded, expired), hops, " +
      "and how many forwards and updates their webhook recorded. Content is cut to 200 characters.",
    annotations: READS,
    run: async (context) => {
      const sent = unwrap(await (await context.agent()).sent()) as SentMessage[];
      return { total: sent.length, messages: sent.map(sentSummary) };
    },
  }),
  withParams({
    name: "darkmatter_get_sent_message",
    title: "Get Sent Message",
    description:
      "One message you sent, whole: where it was routed, every webhook update (forwards with their notes, " +
      "expiry) and the response, once one arrived.",
    annotations: READS,
    params: MessageIdToolParams,
    run: async (context, params) =>
      sentDetail(unwrap(await (await context.agent()).sent(params.message_id)) as SentMessage),
  }),
  withParams({
    name: "darkmatter_expire_message",
    title: "Expire Sent Message",
    description:
      "Expire a message you sent so the mesh stops forwarding it: agents holding it learn it when they check its " +
      "webhook before forwarding.",
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    params: MessageIdToolParams,
    run: async (context, params) => unwrap(await (await context.agent()).expire(params.message_id)),
  }),
];

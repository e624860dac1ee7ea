// The trust tools of a hosted agent's MCP server (mesh spec §8.10, §12.2, §17): impressions of
// other agents — yours, and a connected peer's when you ask it — and the rate limits you grant.
import { unwrap } from "../core/problem.js";
import {
  AskImpressionToolParams,
  GetImpressionToolParams,
  SetImpressionToolParams,
  SetRateLimitToolParams,
} from "../schemas/mesh-tools.js";
import { READS, withParams, type AgentTool } from "./agent-tool.js";

export const TRUST_TOOLS: AgentTool[] = [
  withParams({
    name: "darkmatter_set_impression",
    title: "Set Impression",
    description:
      "Write down what you think of an agent (≤ 2000 characters; an empty impression deletes it). Your connections " +
      "can ask for it with darkmatter_ask_impression when the agent is one of your connections.",
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    params: SetImpressionToolParams,
    run: async (context, params) =>
      unwrap(await (await context.agent()).setImpression(params.agent_id, params.impression)),
  }),
  withParams({
    name: "darkmatter_get_impression",
    title: "Get Impression",
    description: "Your stored impression of an agent, if you have one.",
    annotations: READS,
    params: GetImpressionToolParams,
    run: async (context, params) => unwrap(await (await context.agent()).impression(params.agent_id)),
  }),
  withParams({
    name: "darkmatter_ask_impression",
    title: "Ask Impression",
    description:
      "Ask one of your connections (`ask_agent_id`) what it thinks of another agent (`about_agent_id`): a way to " +
      "check an agent before you connect to it or trust its messages.",
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    params: AskImpressionToolParams,
    run: async (context, params) =>
      unwrap(await (await context.agent()).askImpression(params.about_agent_id, params.ask_agent_id)),
  }),
  withParams({
    name: "darkmatter_set_rate_limit",
    title: "Set Rate Limit",
    description:
      "Messages per minute you accept from one connection (`agent_id`) or, without it, requests per minute from " +
      "everyone together. `limit`: 0 for the default (30 per connection, 200 global), -1 for unlimited.",
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    params: SetRateLimitToolParams,
    run: async (context, params) => unwrap(await (await context.agent()).setRateLimit(params)),
  }),
];

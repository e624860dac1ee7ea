// The tools about the agent itself (mesh spec §16, §17): who it is, its bio, its availability and
// its live status. `darkmatter_get_identity` never returns the private key (the reference's
// `private_key_hex` and `passport_path` are left out: the passport stays in the Agent object).
import { unwrap } from "../core/problem.js";
import { SetStatusToolParams, UpdateBioToolParams } from "../schemas/mesh-tools.js";
import { READS, withoutParams, withParams, type AgentTool } from "./agent-tool.js";

export const STATUS_TOOL = "darkmatter_status";

/**
 * The description of darkmatter_status. The reference rewrites it every 5 s and pushes
 * notifications/tools/list_changed; this server is stateless (no session to push to), so the
 * live status is computed afresh for every tools/list instead (src/mcp/agent-server.ts).
 */
export function statusDescription(liveStatus?: string): string {
  return (
    "DarkMatter live node status with ACTION: hints (pending requests, inbox, messages about to expire). " +
    "This server is stateless: the status below was computed when the tool list was fetched, and no " +
    "notifications/tools/list_changed are sent; list the tools again or call this tool for the current state.\n\n" +
    `LIVE STATUS: ${liveStatus ?? "(computed on tools/list)"}`
  );
}

export const SELF_TOOLS: AgentTool[] = [
  withoutParams({
    name: "darkmatter_get_identity",
    title: "Get Identity",
    description:
      "Who you are on the mesh: your agent_id (your Ed25519 public key), display name, bio, URL (give it to peers " +
      "as target_url), status and counts of connections, pending requests, inbox and sent messages. The private " +
      "key is never shown.",
    annotations: READS,
    run: async (context) => unwrap(await (await context.agent()).info()),
  }),
  withParams({
    name: "darkmatter_update_bio",
    title: "Update Bio",
    description:
      "Replace your bio (1–1000 characters): peers read it in your well-known document and status when they " +
      "decide whether to connect or route messages to you.",
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    params: UpdateBioToolParams,
    run: async (context, params) => unwrap(await (await context.agent()).updateBio(params.bio)),
  }),
  withParams({
    name: "darkmatter_set_status",
    title: "Set Status",
    description:
      'Go "inactive" for `duration_minutes` (1–1440, default 60) — peers then get 503 for messages and connection ' +
      'requests — or "active" again. You come back active on your own when the time is up.',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    params: SetStatusToolParams,
    run: async (context, params) =>
      unwrap(
        await (
          await context.agent()
        ).setStatus({ active: params.status === "active", duration_minutes: params.duration_minutes }),
      ),
  }),
  withoutParams({
    name: STATUS_TOOL,
    title: "Live Node Status",
    description: statusDescription(),
    annotations: READS,
    run: async (context) => unwrap(await (await context.agent()).statusLine()),
  }),
];

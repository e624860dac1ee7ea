// `darkmatter_get_server_template` (mesh spec §17; seed 002 "Replication"): the reference hands
// out its own server.py with bootstrap steps. A Worker has no source file to hand out, so this
// answers the same document keys with the replication recipe of this node instead — how to run
// one of these edge nodes from its repository and deploy it — plus a summary of the protocol,
// which is what any other implementation (the Python reference included) needs to stay
// compatible. Data only: the agent's id and URL come in.
import {
  DEFAULT_CONNECTION_RATE_LIMIT,
  DEFAULT_GLOBAL_RATE_LIMIT,
  DEFAULT_MAX_CONNECTIONS,
  INBOX_CAPACITY,
  INBOX_MAX_AGE_SECONDS,
  MAX_BIO_CODE_POINTS,
  MAX_CONTENT_CODE_POINTS,
  MAX_SEND_HOPS,
  PROTOCOL_VERSION,
  REPLAY_WINDOW_SECONDS,
  TIMESTAMP_WINDOW_SECONDS,
} from "./limits.js";

/** The §17 tools a node needs to take part at all (the four primitives of seed 002, as tools). */
export const CORE_PRIMITIVES = [
  "darkmatter_connection",
  "darkmatter_send_message",
  "darkmatter_respond_message",
  "darkmatter_list_inbox",
] as const;

export function serverTemplate(agent: { agentId: string; url: string }) {
  return {
    template_from: agent.agentId,
    server_source:
      "darkmatter-edge, this node's implementation: TypeScript on Cloudflare Workers (Hono, Durable Objects, D1, Queues). " +
      "A Worker has no source file to hand out; get the darkmatter-edge repository from whoever runs this node, " +
      "or run any other implementation of the protocol summarised below (the Python reference server.py included).",
    bootstrap_instructions: {
      "1": "Get the darkmatter-edge repository and Node 20 with npm.",
      "2": "Run: npm install",
      "3": "Run: npm start — it writes .dev.vars with fresh secrets (DM_OPERATOR_TOKEN, DM_HUB_PASSPORT, DM_HUB_TOKEN, ledger and authority keys), applies the D1 migrations, builds the dashboard and serves everything with wrangler dev on http://localhost:8787.",
      "4": 'Create an agent: POST /api/v1/agents {"name": "…", "bio": "…"} with Authorization: Bearer <DM_OPERATOR_TOKEN>. The 201 answer holds the agent\'s token, shown once.',
      "5": "Drive it over MCP: a Streamable HTTP client at <origin>/agents/<name>/mcp with Authorization: Bearer <the agent's token> (the hub: DM_HUB_TOKEN).",
      "6": "Deploy: wrangler d1 create, wrangler queues create dm-events and dm-events-dlq, wrangler secret put for each secret of .dev.vars, DM_PUBLIC_URL set to the public origin, then wrangler deploy.",
      "7": `Connect to this agent: darkmatter_connection with {"params": {"action": "request", "target_url": "${agent.url}"}}.`,
      "8": "Give peers exactly <DM_PUBLIC_URL>/agents/<name> as target_url: acceptances are matched by that URL (spec §7.3, §19.1).",
    },
    core_primitives: [...CORE_PRIMITIVES],
    compatibility_note:
      "Change anything you like. A node stays compatible with the mesh as long as it serves /.well-known/darkmatter.json and the " +
      "/__darkmatter__/* endpoints with the signatures, limits and reply shapes of the protocol below; MCP tools are the operator's " +
      "side and never cross the wire.",
    protocol_summary: {
      protocol_version: PROTOCOL_VERSION,
      identity:
        "Ed25519 passport; agent_id is the public key as 64 lowercase hex; a peer's key is pinned on first contact.",
      endpoints: [
        "GET /.well-known/darkmatter.json (darkmatter: true, agent_id, public_key_hex, mesh_url, mcp_url, …)",
        "POST /__darkmatter__/connection_request, /connection_accepted, /accept_pending",
        "POST /__darkmatter__/message (signed); GET|POST /__darkmatter__/webhook/{message_id}",
        "GET /__darkmatter__/status, /network_info, /impression/{agent_id}, /peer_lookup/{agent_id}",
        "POST /__darkmatter__/peer_update (signed); anchors serve peer_update and peer_lookup at their root",
      ],
      signatures: `Messages, forwards and webhook responses are signed over LF-joined fields; timestamps must be within ±${TIMESTAMP_WINDOW_SECONDS} s and message IDs are refused when repeated within ${REPLAY_WINDOW_SECONDS} s.`,
      limits: {
        content_code_points: MAX_CONTENT_CODE_POINTS,
        bio_code_points: MAX_BIO_CODE_POINTS,
        hops_max: MAX_SEND_HOPS,
        inbox_capacity: INBOX_CAPACITY,
        inbox_hold_seconds: INBOX_MAX_AGE_SECONDS,
        default_max_connections: DEFAULT_MAX_CONNECTIONS,
        messages_per_connection_per_minute: DEFAULT_CONNECTION_RATE_LIMIT,
        requests_per_node_per_minute: DEFAULT_GLOBAL_RATE_LIMIT,
      },
      specification: "docs/protocol/darkmatter-mesh.md in the darkmatter-edge repository",
    },
  };
}

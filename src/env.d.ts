// Secrets and variables that `wrangler types` cannot see (they live in .dev.vars or are set with
// `wrangler secret put`). Merged into the generated Env.
declare namespace Cloudflare {
  interface Env {
    /** Bearer token for every mutating /api/v1 call. */
    DM_OPERATOR_TOKEN: string;
    /** Origin of a dashboard served elsewhere (Pages); the only origin CORS allows. */
    DM_DASHBOARD_ORIGIN?: string;
    /** Comma-separated Ed25519 public keys (64 lowercase hex) of the ledger's authorities, fixed in genesis. */
    DM_AUTHORITIES?: string;
    /** k of the k-of-n authority quorum; default ceil(2n/3). */
    DM_QUORUM?: string;
    /** The ledger's Ed25519 private key (64 hex): signs checkpoints. */
    DM_LEDGER_KEY?: string;
    /** Checkpoint origin line and key name; default "darkmatter-edge/ledger". */
    DM_LEDGER_ORIGIN?: string;
    /** Origin this Worker advertises to the mesh (agents live at <DM_PUBLIC_URL>/agents/<name>); default http://localhost:8787. */
    DM_PUBLIC_URL?: string;
    /** The hub agent's Ed25519 passport (private key, 64 hex). */
    DM_HUB_PASSPORT?: string;
    /** The hub agent's own bearer token: opens /agents/hub/mcp and /api/v1/agents/hub/… (unset: only the operator token does). */
    DM_HUB_TOKEN?: string;
    /** Where alert notices go (critical HALO weak points, dead letters, quarantines), signed with the hub's passport; unset: none are sent. */
    DM_ALERT_WEBHOOK?: string;
    /** Bearer token of GET /metrics (Prometheus: `authorization: {credentials: …}`); unset: /metrics answers 404. */
    DM_METRICS_TOKEN?: string;
    /** Whether mesh calls may reach private, loopback and link-local hosts: "allow", "refuse", or unset (allowed only when DM_PUBLIC_URL is itself such a host). */
    DM_PRIVATE_PEERS?: string;
    /** Connection cap of every hosted agent, the hub included (spec §10.6 DARKMATTER_MAX_CONNECTIONS; default 50, at most 10000). */
    DM_MAX_CONNECTIONS?: string;
    /** Comma-separated anchor base URLs used for peer lookup and peer_update broadcasts (spec §14.6). */
    DM_ANCHORS?: string;
    /** Floor of the arbiter's beat interval in ms (default 1000); the next alarm is max(T_Λ, this, the world line's intervalMs). */
    DM_ARBITER_MIN_INTERVAL_MS?: string;
    /** Anchor each arbiter journal's root into the consensus ledger every this many beats (default 100), besides every ALERT/QUARANTINE. */
    DM_ARBITER_ANCHOR_EVERY?: string;
    /** Seconds before the first retry of a failed event; doubles per attempt (default 2). */
    DM_EVENTS_RETRY_BASE_SECONDS?: string;
    /** How far back a HALO cycle reads events, in seconds (default 900). */
    DM_HALO_WINDOW_SECONDS?: string;
    /** Seconds before a failed squad-task attempt is retried; doubles per attempt (default 30). */
    DM_TASK_RETRY_BASE_SECONDS?: string;
  }
}

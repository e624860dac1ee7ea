// Secrets and variables that `wrangler types` cannot see (they live in .dev.vars or are set with
// `wrangler secret put`). Merged into the generated Env.
declare namespace Cloudflare {
  interface Env {
    /** Bearer token for every mutating /api/v1 call. */
    DM_OPERATOR_TOKEN: string;
    /** Origin of a dashboard served elsewhere (Pages); the only origin CORS allows. */
    DM_DASHBOARD_ORIGIN?: string;
  }
}

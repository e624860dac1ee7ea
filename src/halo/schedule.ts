// The Worker's `scheduled` handler (wrangler.toml `[triggers] crons`): a HALO cycle every five
// minutes, so weak points that no error event announces (a quarantined world line, an agent
// whose health checks fail, alerts piling up) are found, and resolved ones noticed.
import { unwrap } from "../core/problem.js";
import { haloStub } from "../stubs.js";

export async function scheduled(_controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
  ctx.waitUntil(runScheduledCycle(env));
}

export async function runScheduledCycle(env: Env) {
  return unwrap(await haloStub(env).cycle({ trigger: "schedule" }));
}

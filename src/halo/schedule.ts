// The Worker's `scheduled` handler (wrangler.toml `[triggers] crons`): a HALO cycle every five
// minutes, so weak points that no error event announces (a quarantined world line, an agent
// whose health checks fail, alerts piling up) are found, and resolved ones noticed.
import { unwrap } from "../core/problem.js";
import { loggedStep } from "../http/log.js";
import { haloStub } from "../stubs.js";

export async function scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
  ctx.waitUntil(
    loggedStep(
      "cron",
      { cron: controller.cron, scheduledTime: controller.scheduledTime },
      () => runScheduledCycle(env),
      (cycle) => ({ cycle: cycle.id, weakPoints: cycle.found.length }),
    ),
  );
}

export async function runScheduledCycle(env: Env) {
  return unwrap(await haloStub(env).cycle({ trigger: "schedule" }));
}

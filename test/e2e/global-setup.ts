// One real `wrangler dev` for the whole e2e run (see scripts/wrangler-dev.ts).
import type { TestProject } from "vitest/node";
import { freePort, startWranglerDev, type DevServer } from "../../scripts/wrangler-dev.js";
import { startHandlerServer, type HandlerServer } from "../../scripts/router-handler.js";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    operatorToken: string;
    /** DM_HUB_TOKEN: the hub agent's own token (its MCP server, /agents/hub/mcp). */
    hubToken: string;
    persistDir: string;
    /** The origin the API admits as its dashboard's (DM_DASHBOARD_ORIGIN): a stand-in for a Pages deployment, served by the tests. */
    dashboardOrigin: string;
    /** DM_METRICS_TOKEN: GET /metrics. */
    metricsToken: string;
    /** A recording HTTP server on loopback (scripts/router-handler.ts); DM_ALERT_WEBHOOK is its /e2e-alerts. */
    webhookOrigin: string;
  }
}

let server: DevServer | undefined;
let webhook: HandlerServer | undefined;

export async function setup(project: TestProject) {
  const dashboardOrigin = `http://127.0.0.1:${await freePort()}`;
  webhook = await startHandlerServer();
  server = await startWranglerDev({
    vars: { DM_DASHBOARD_ORIGIN: dashboardOrigin, DM_ALERT_WEBHOOK: `${webhook.origin}/e2e-alerts` },
  });
  project.provide("baseUrl", server.baseUrl);
  project.provide("operatorToken", server.vars.DM_OPERATOR_TOKEN!);
  project.provide("hubToken", server.vars.DM_HUB_TOKEN!);
  project.provide("persistDir", server.persistDir);
  project.provide("dashboardOrigin", dashboardOrigin);
  project.provide("metricsToken", server.vars.DM_METRICS_TOKEN!);
  project.provide("webhookOrigin", webhook.origin);
}

export async function teardown() {
  server?.stop();
  await webhook?.close();
}

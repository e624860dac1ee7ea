// One real `wrangler dev` for the whole e2e run (see scripts/wrangler-dev.ts).
import type { TestProject } from "vitest/node";
import { freePort, startWranglerDev, type DevServer } from "../../scripts/wrangler-dev.js";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    operatorToken: string;
    /** DM_HUB_TOKEN: the hub agent's own token (its MCP server, /agents/hub/mcp). */
    hubToken: string;
    persistDir: string;
    /** The origin the API admits as its dashboard's (DM_DASHBOARD_ORIGIN): a stand-in for a Pages deployment, served by the tests. */
    dashboardOrigin: string;
  }
}

let server: DevServer | undefined;

export async function setup(project: TestProject) {
  const dashboardOrigin = `http://127.0.0.1:${await freePort()}`;
  server = await startWranglerDev({ vars: { DM_DASHBOARD_ORIGIN: dashboardOrigin } });
  project.provide("baseUrl", server.baseUrl);
  project.provide("operatorToken", server.vars.DM_OPERATOR_TOKEN!);
  project.provide("hubToken", server.vars.DM_HUB_TOKEN!);
  project.provide("persistDir", server.persistDir);
  project.provide("dashboardOrigin", dashboardOrigin);
}

export async function teardown() {
  server?.stop();
}

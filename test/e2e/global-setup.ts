// One real `wrangler dev` for the whole e2e run (see scripts/wrangler-dev.ts).
import type { TestProject } from "vitest/node";
import { startWranglerDev, type DevServer } from "../../scripts/wrangler-dev.js";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    operatorToken: string;
    persistDir: string;
  }
}

let server: DevServer | undefined;

export async function setup(project: TestProject) {
  server = await startWranglerDev();
  project.provide("baseUrl", server.baseUrl);
  project.provide("operatorToken", server.vars.DM_OPERATOR_TOKEN!);
  project.provide("persistDir", server.persistDir);
}

export async function teardown() {
  server?.stop();
}

// The router handler process the workerd tests call (test/mesh/router*.test.ts): the real
// scripts/router-handler.ts on loopback, started once for the run. Workerd's fetch reaches it
// over the network like any handler; its origin reaches the tests through provide/inject.
import type { TestProject } from "vitest/node";
import { startHandlerServer, type HandlerServer } from "../scripts/router-handler.js";

declare module "vitest" {
  export interface ProvidedContext {
    handlerOrigin: string;
  }
}

let server: HandlerServer | undefined;

export async function setup(project: TestProject) {
  server = await startHandlerServer();
  project.provide("handlerOrigin", server.origin);
}

export async function teardown() {
  await server?.close();
}

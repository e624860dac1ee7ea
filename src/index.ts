// Worker entry: HTTP through the Hono app; Durable Object classes exported for their bindings.
import { createApp } from "./app.js";

export { WorldLine } from "../durable-objects/world-line.js";
export { Ledger } from "../durable-objects/ledger.js";
export { Agent } from "../durable-objects/agent.js";
export { Directory } from "../durable-objects/directory.js";

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;

// Worker entry: HTTP through the Hono app; the event queues through src/events/consumer.ts; Durable Object classes exported for their bindings.
import { createApp } from "./app.js";
import { queue } from "./events/consumer.js";

export { WorldLine } from "../durable-objects/world-line.js";
export { Ledger } from "../durable-objects/ledger.js";
export { Agent } from "../durable-objects/agent.js";
export { Directory } from "../durable-objects/directory.js";
export { Arbiter } from "../durable-objects/arbiter.js";
export { ApiRollup } from "../durable-objects/api-rollup.js";

const app = createApp();

export default {
  fetch: app.fetch,
  queue,
} satisfies ExportedHandler<Env>;

// Worker entry: HTTP through the Hono app; the event queues through src/events/consumer.ts; the HALO cron through src/halo/schedule.ts; Durable Object classes exported for their bindings.
import { createApp } from "./app.js";
import { queue } from "./events/consumer.js";
import { scheduled } from "./halo/schedule.js";

export { WorldLine } from "../durable-objects/world-line.js";
export { Ledger } from "../durable-objects/ledger.js";
export { Agent } from "../durable-objects/agent.js";
export { Directory } from "../durable-objects/directory.js";
export { Arbiter } from "../durable-objects/arbiter.js";
export { ApiRollup } from "../durable-objects/api-rollup.js";
export { Halo } from "../durable-objects/halo.js";
export { Dispatcher } from "../durable-objects/dispatcher.js";
export { Live } from "../durable-objects/live.js";

const app = createApp();

export default {
  fetch: app.fetch,
  queue,
  scheduled,
} satisfies ExportedHandler<Env>;

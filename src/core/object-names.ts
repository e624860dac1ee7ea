// The names Durable Objects are addressed by (`env.X.getByName(name)`), in one place so an object
// and everyone who calls it share one spelling without importing the object's module (import
// boundaries: only src/index.ts imports Durable Object classes as values). The objects that exist
// once are named here; the ones that exist per thing are named by that thing's id or name.

/** The one consensus Ledger (durable-objects/ledger.ts). */
export const LEDGER_NAME = "consensus-ledger";
/** The one anchor Directory: registrations and the list of hosted agents (durable-objects/directory.ts). */
export const DIRECTORY_NAME = "anchor-directory";
/** The one Halo object: every HALO cycle runs in it (durable-objects/halo.ts). */
export const HALO_NAME = "halo";
/** The one squad-task Dispatcher (durable-objects/dispatcher.ts). */
export const DISPATCHER_NAME = "dispatcher";
/** The one Live object holding the dashboards' WebSockets (durable-objects/live.ts). */
export const LIVE_NAME = "live";
/** The hosted agent every deployment has: it speaks for the Worker (squad tasks, arbiter broadcasts). */
export const HUB_AGENT = "hub";

/** An API route as the per-route counters know it: method and route pattern (never a raw path). */
export interface RouteKey {
  method: string;
  route: string;
}

/** One ApiRollup object per API route (durable-objects/api-rollup.ts). */
export const apiRollupName = (key: RouteKey) => `${key.method} ${key.route}`;

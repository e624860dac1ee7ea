// API events (seed 003, "API Forge → Event Wormholes"): every 5xx is reported at once as
// `api.endpoint.failed`; every other response is only counted, per route pattern, and the
// route's ApiRollup Durable Object turns the counts into one `api.endpoint.success` rollup per
// window and an `api.endpoint.failed` when the route's 4xx share spikes. Never one event per
// successful request.
//
// Counts are batched in the isolate and sent to the Durable Objects by a flush that the first
// request of a batch schedules and keeps alive with waitUntil (the isolate has no timers of its
// own): at most one RPC per route per FLUSH_DELAY_MS per isolate, and no count is stranded in an
// isolate that goes idle, because the request that scheduled the flush holds it open until it ran.
import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import { countResponse, emptyCounts, UNMATCHED_ROUTE, type RouteCounts } from "../core/api-rollup.js";
import { describeError } from "../core/events.js";
import { emitEvent } from "../events/producer.js";
import { apiRollupName, type RouteKey } from "../core/object-names.js";
import { apiRollupStub } from "../stubs.js";
import type { AppEnv } from "./app-env.js";

const FLUSH_DELAY_MS = 1000;

const pending = new Map<string, { key: RouteKey; counts: RouteCounts }>();
let flushScheduled = false;

export const apiEvents = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const started = Date.now();
  await next();
  const status = c.res.status;
  const key = routeKey(c);
  if (status >= 500) {
    background(
      c,
      emitEvent(c.env, {
        type: "api.endpoint.failed",
        data: { reason: "server-error", method: key.method, route: key.route, status, ...(await problemCode(c.res)) },
      }),
    );
  }
  const name = apiRollupName(key);
  const entry = pending.get(name) ?? { key, counts: emptyCounts() };
  entry.counts = countResponse(entry.counts, status, Date.now() - started);
  pending.set(name, entry);
  if (!flushScheduled) {
    flushScheduled = true;
    background(c, flushSoon(c.env));
  }
};

/** Sends every route's batched counts to its ApiRollup object (used by tests to flush at once). */
export async function flushApiCounts(env: Env): Promise<void> {
  const batch = [...pending.values()];
  pending.clear();
  flushScheduled = false; // counts arriving from now on schedule the next flush
  await Promise.all(
    batch.map(async ({ key, counts }) => {
      try {
        await apiRollupStub(env, key).record(key, counts);
      } catch (error) {
        // Counts are monitoring, not state: losing one batch must not fail anything.
        console.error("api rollup: counts not recorded", apiRollupName(key), counts.requests, describeError(error));
      }
    }),
  );
}

async function flushSoon(env: Env): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, FLUSH_DELAY_MS));
  await flushApiCounts(env);
}

/** Method and route pattern (`/api/v1/worldlines/:id`) of the handler that matched, never the raw path. */
function routeKey(c: Context): RouteKey {
  const handler = [...matchedRoutes(c)].reverse().find((route) => route.method !== "ALL");
  return { method: c.req.method, route: handler?.path ?? UNMATCHED_ROUTE };
}

async function problemCode(response: Response): Promise<{ code?: string }> {
  if (!(response.headers.get("content-type") ?? "").includes("problem+json")) return {};
  try {
    const body = (await response.clone().json()) as { code?: unknown };
    return typeof body.code === "string" ? { code: body.code.slice(0, 128) } : {};
  } catch {
    return {}; // an unreadable problem body: report the status alone
  }
}

function background(c: Context, work: Promise<unknown>): void {
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // no ExecutionContext (app.request in a unit test): the promise still runs, nobody waits for it
  }
}

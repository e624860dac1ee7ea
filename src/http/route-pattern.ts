// The route pattern a request matched (`/api/v1/worldlines/:id`), never the raw path: logs and
// API counters group by it, and a raw path would carry ids (and whatever a client put in it).
import type { Context } from "hono";
import { matchedRoutes } from "hono/route";
import { UNMATCHED_ROUTE } from "../core/api-rollup.js";

/** The pattern of the handler that answered (middleware matches as ALL and does not count). */
export function routePattern(c: Context): string {
  const handler = [...matchedRoutes(c)].reverse().find((route) => route.method !== "ALL");
  return handler?.path ?? UNMATCHED_ROUTE;
}

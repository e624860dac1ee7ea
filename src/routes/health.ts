// GET /healthz (issue 16). Deep by default: D1 answers a trivial query, the Ledger object answers
// its status RPC, and the event queue accepts a probe message (which the consumer acks without
// storing: src/events/consumer.ts), each bounded by HEALTH_CHECK_TIMEOUT_MS. 200 when all are up,
// 503 naming the ones down with their error text. `?deep=false` is liveness only: no calls.
import { Hono } from "hono";
import { checkHealth, healthProbe } from "../core/health.js";
import { unwrap } from "../core/problem.js";
import type { AppEnv } from "../http/app-env.js";
import { ledgerStub } from "../stubs.js";

export const healthChecks = (env: Env) => ({
  d1: () => env.DB.prepare("SELECT 1 AS up").first(),
  ledger: async () => unwrap(await ledgerStub(env).status()),
  queue: () => env.EVENTS.send(healthProbe(), { contentType: "json" }),
});

export const healthRoutes = (version: string) =>
  new Hono<AppEnv>().get("/healthz", async (c) => {
    const service = { service: "darkmatter-edge", version, time: Date.now() };
    const headers = { "cache-control": "no-store" };
    if (c.req.query("deep") === "false") return c.json({ ok: true, ...service }, 200, headers);
    const report = await checkHealth(healthChecks(c.env));
    return c.json({ ...report, ...service }, report.ok ? 200 : 503, headers);
  });

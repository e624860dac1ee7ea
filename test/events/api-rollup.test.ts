// API events: every 5xx at once, everything else counted per route pattern and rolled up by the
// route's ApiRollup Durable Object (window closed by its alarm), 4xx spikes reported once.
import { createExecutionContext, runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import {
  countResponse,
  emptyCounts,
  isClientErrorSpike,
  nextBaseline,
  successRollup,
  type RouteCounts,
} from "../../src/core/api-rollup.js";
import { DomainError } from "../../src/core/problem.js";
import { apiEvents, flushApiCounts } from "../../src/http/api-events.js";
import { errorResponse } from "../../src/http/problem.js";
import type { AppEnv } from "../../src/http/app-env.js";
import { apiRollupName, type RouteKey } from "../../src/core/object-names.js";
import { allEvents, eventually } from "./helpers.js";

const counts = (statuses: number[], ms = 10): RouteCounts =>
  statuses.reduce((c, status) => countResponse(c, status, ms), emptyCounts());
const repeat = (status: number, n: number) => Array.from({ length: n }, () => status);
const rollupStub = (key: RouteKey) => env.API_ROLLUP.get(env.API_ROLLUP.idFromName(apiRollupName(key)));
const uniqueRoute = () => `/test/${crypto.randomUUID()}/:id`;

describe("the 4xx spike rule", () => {
  it("needs enough requests, at least half of them 4xx, and twice the route's usual share", () => {
    expect(isClientErrorSpike(counts(repeat(404, 19)), null)).toBe(false); // too few to mean anything
    expect(isClientErrorSpike(counts([...repeat(404, 10), ...repeat(200, 10)]), null)).toBe(true);
    expect(isClientErrorSpike(counts([...repeat(404, 9), ...repeat(200, 11)]), null)).toBe(false);
    expect(isClientErrorSpike(counts([...repeat(400, 12), ...repeat(200, 8)]), 0.4)).toBe(false); // 0.6 < 2 × 0.4
    expect(isClientErrorSpike(counts([...repeat(400, 17), ...repeat(200, 3)]), 0.4)).toBe(true);
    expect(isClientErrorSpike(counts([...repeat(500, 15), ...repeat(200, 5)]), null)).toBe(false); // 5xx are reported one by one instead
  });

  it("moves the baseline towards each full window's share, ignoring windows too small to count", () => {
    expect(nextBaseline(null, counts(repeat(404, 5)))).toBeNull();
    expect(nextBaseline(null, counts([...repeat(404, 5), ...repeat(200, 15)]))).toBe(0.25);
    expect(nextBaseline(0.25, counts(repeat(404, 20)))).toBeCloseTo(0.3 * 1 + 0.7 * 0.25);
  });

  it("rolls a window up into counts, mean and max latency", () => {
    const window = counts([200, 201, 404, 503], 10);
    window.maxMs = 40;
    expect(successRollup({ method: "GET", route: "/r" }, 1000, 61_000, window)).toEqual({
      method: "GET",
      route: "/r",
      windowStart: 1000,
      windowEnd: 61_000,
      requests: 4,
      successes: 2,
      clientErrors: 1,
      serverErrors: 1,
      meanMs: 10,
      maxMs: 40,
    });
  });
});

describe("the ApiRollup Durable Object", () => {
  it("adds up counts from several isolates and emits one api.endpoint.success per window when its alarm fires", async () => {
    const key = { method: "GET", route: uniqueRoute() };
    const stub = rollupStub(key);
    await stub.record(key, counts(repeat(200, 30)));
    await stub.record(key, counts([...repeat(200, 5), 404, 500]));
    expect((await stub.peek())!.window!.counts).toMatchObject({
      requests: 37,
      successes: 35,
      clientErrors: 1,
      serverErrors: 1,
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const rollups = await eventually(async () => {
      const found = (await allEvents({ type: "api.endpoint.success" })).filter((e) => e.data.route === key.route);
      return found.length > 0 && found;
    }, "the rollup");
    expect(rollups).toHaveLength(1);
    expect(rollups[0]).toMatchObject({
      severity: "info",
      data: { method: "GET", route: key.route, requests: 37, successes: 35, clientErrors: 1, serverErrors: 1 },
    });
    expect(await stub.peek()).toMatchObject({ window: null, baseline: 1 / 37 });
  });

  it("reports a 4xx spike once per window as api.endpoint.failed, and no rollup for a window without successes", async () => {
    const key = { method: "POST", route: uniqueRoute() };
    const stub = rollupStub(key);
    expect(await stub.record(key, counts(repeat(401, 15)))).toEqual({ spike: false });
    expect(await stub.record(key, counts(repeat(401, 10)))).toEqual({ spike: true });
    expect(await stub.record(key, counts(repeat(401, 10)))).toEqual({ spike: false });
    const spikes = await eventually(async () => {
      const found = (await allEvents({ type: "api.endpoint.failed" })).filter((e) => e.data.route === key.route);
      return found.length > 0 && found;
    }, "the spike");
    expect(spikes).toHaveLength(1);
    expect(spikes[0]).toMatchObject({
      severity: "error",
      data: {
        reason: "client-error-spike",
        method: "POST",
        route: key.route,
        requests: 25,
        clientErrors: 25,
        rate: 1,
        baseline: null,
      },
    });
    await runDurableObjectAlarm(stub);
    expect((await allEvents({ type: "api.endpoint.success" })).filter((e) => e.data.route === key.route)).toEqual([]);
    // the next window starts from the new baseline: an all-401 route is no longer "spiking"
    expect(await stub.record(key, counts(repeat(401, 30)))).toEqual({ spike: false });
  });
});

describe("the API events middleware", () => {
  const app = new Hono<AppEnv>();
  app.use("*", apiEvents());
  app.get("/probe/:id/ok", (c) => c.json({ ok: true }));
  app.get("/probe/:id/missing", () => {
    throw new DomainError("not-found", "no such probe");
  });
  app.get("/probe/:id/boom", () => {
    throw new Error("kaboom");
  });
  app.onError(errorResponse);
  // The background work (emits, the delayed flush) runs on; tests poll for its effects.
  const call = (path: string) => app.fetch(new Request(`http://localhost${path}`), env, createExecutionContext());

  it("emits api.endpoint.failed for every 5xx, naming the route pattern and the problem code", async () => {
    const before = (await allEvents({ type: "api.endpoint.failed" })).filter(
      (e) => e.data.route === "/probe/:id/boom",
    ).length;
    for (const id of ["a", "b", "c"]) expect((await call(`/probe/${id}/boom`)).status).toBe(500);
    const failures = await eventually(async () => {
      const found = (await allEvents({ type: "api.endpoint.failed" })).filter(
        (e) => e.data.route === "/probe/:id/boom",
      );
      return found.length >= before + 3 && found;
    }, "three failure events");
    expect(failures.length).toBe(before + 3);
    expect(failures[0]).toMatchObject({
      severity: "error",
      data: { reason: "server-error", method: "GET", route: "/probe/:id/boom", status: 500, code: "internal-error" },
    });
    const halo = await env.DB.prepare("SELECT count(*) AS n FROM halo_triggers WHERE event_id = ?")
      .bind(failures[0]!.id)
      .first<{ n: number }>();
    expect(halo!.n).toBe(1);
  });

  it("only counts other responses, per route pattern rather than raw path, and never emits one event per request", async () => {
    const key = { method: "GET", route: "/probe/:id/ok" };
    await runDurableObjectAlarm(rollupStub(key)); // close whatever an earlier run left open
    for (let i = 0; i < 25; i++) expect((await call(`/probe/${i}/ok`)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await call(`/probe/${i}/missing`)).status).toBe(404);
    await flushApiCounts(env); // what the delayed flush would do a second later
    const windowOf = async (route: string) => (await rollupStub({ method: "GET", route }).peek())?.window?.counts;
    expect(
      await eventually(async () => (await windowOf(key.route))?.requests === 25 && windowOf(key.route), "the counts"),
    ).toMatchObject({ requests: 25, successes: 25 });
    expect(
      await eventually(
        async () => (await windowOf("/probe/:id/missing"))?.requests === 3 && windowOf("/probe/:id/missing"),
        "the 404 counts",
      ),
    ).toMatchObject({ clientErrors: 3 });
    const okEvents = async () => (await allEvents({ type: "api.*" })).filter((e) => e.data.route === key.route);
    expect(await okEvents()).toEqual([]);
    await runDurableObjectAlarm(rollupStub(key));
    const rollup = await eventually(async () => (await okEvents()).length > 0 && (await okEvents()), "the rollup");
    expect(rollup).toHaveLength(1);
    expect(rollup[0]!.data).toMatchObject({ requests: 25, successes: 25, clientErrors: 0 });
  });
});

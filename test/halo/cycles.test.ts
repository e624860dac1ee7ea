// HALO cycles against real D1, queues and Durable Objects: on demand, on the cron trigger, from
// error events; what they find, the tasks they propose (deduplicated), and Memory DNA.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index.js";
import { api, createWorldLine } from "../api.js";
import { allEvents, eventually } from "../events/helpers.js";
import { tag, taskFor, tasksFor } from "./helpers.js";

const runCycle = async () => {
  const ran = await api("POST", "/api/v1/halo/cycles");
  expect(ran.status).toBe(201);
  return ran.body as { id: string; found: Array<{ fingerprint: string; [key: string]: any }>; [key: string]: any };
};
const trait = async (fingerprint: string) => {
  const items = (await api("GET", "/api/v1/halo/traits?limit=500")).body.items as Array<{
    fingerprint: string;
    [key: string]: any;
  }>;
  return items.find((t) => t.fingerprint === fingerprint);
};
const postEvents = async (events: Array<Record<string, unknown>>) => {
  const posted = await api("POST", "/api/v1/events", {
    body: { events: events.map((e) => ({ source: "test", ...e })) },
  });
  expect(posted.status).toBe(202);
  return posted.body.ids as string[];
};
/** Waits until every event was routed (its HALO cycle, if any, has run). */
const routed = (ids: string[]) =>
  eventually(async () => {
    const stored = await Promise.all(ids.map(async (id) => (await api("GET", `/api/v1/events/${id}`)).body));
    return stored.every((e) => e.routedAt) && stored;
  }, "the events to be routed");

describe("HALO cycles", { timeout: 60_000 }, () => {
  it("runs a cycle on demand and keeps it, with its weak points, for the operator only", async () => {
    const cycle = await runCycle();
    expect(cycle).toMatchObject({
      trigger: "manual",
      triggerEvents: [],
      weakPoints: cycle.found.length,
      durationMs: expect.any(Number),
      eventsRead: expect.any(Number),
    });
    expect(cycle.windowStart).toBeLessThan(cycle.startedAt);
    expect((await api("GET", `/api/v1/halo/cycles/${cycle.id}`)).body).toEqual(cycle);
    expect(
      (await api("GET", "/api/v1/halo/cycles?trigger=manual")).body.items.map((c: { id: string }) => c.id),
    ).toContain(cycle.id);
    const completed = await eventually(
      async () => (await allEvents({ type: "halo.cycle.completed" })).find((e) => e.data.cycleId === cycle.id),
      "halo.cycle.completed",
    );
    expect(completed.data).toEqual({
      cycleId: cycle.id,
      weakPoints: cycle.weakPoints,
      tasksCreated: cycle.tasksCreated,
      durationMs: cycle.durationMs,
    });

    const missing = await api("GET", "/api/v1/halo/cycles/hc_nope");
    expect([missing.status, missing.contentType, missing.body.code]).toEqual([
      404,
      "application/problem+json",
      "not-found",
    ]);
    for (const [method, path] of [
      ["GET", "/api/v1/halo/cycles"],
      ["GET", `/api/v1/halo/cycles/${cycle.id}`],
      ["GET", "/api/v1/halo/traits"],
      ["GET", "/api/v1/halo/resonance"],
      ["POST", "/api/v1/halo/cycles"],
    ] as const) {
      const anonymous = await api(method, path, { token: null });
      expect([anonymous.status, anonymous.body.code], `${method} ${path}`).toEqual([401, "unauthorized"]);
      expect((await api(method, path, { token: "wrong" })).status).toBe(403);
    }
    expect((await api("GET", "/api/v1/halo/cycles?cursor=garbage")).body.code).toBe("invalid-cursor");
    expect((await api("GET", "/api/v1/halo/cycles?trigger=sometimes")).body.errors[0]).toMatchObject({
      in: "query",
      path: "/trigger",
    });
  });

  it("runs a cycle from the cron trigger", async () => {
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/5 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    const latest = (await api("GET", "/api/v1/halo/cycles?trigger=schedule&limit=1")).body.items[0];
    expect(latest).toMatchObject({ trigger: "schedule", triggerEvents: [] });
    expect(Date.now() - latest.completedAt).toBeLessThan(10_000);
  });

  it("handles a burst of error events in one or two cycles, with one task for them all", async () => {
    const type = `sim.${tag()}.overflow`;
    const ids = await postEvents(Array.from({ length: 20 }, (_, i) => ({ type, severity: "error", data: { i } })));
    await routed(ids);
    // routing hands the events to HALO; its alarm runs the cycles that cover them
    const cycles = await eventually(async () => {
      const covering = (await api("GET", "/api/v1/halo/cycles?trigger=event&limit=500")).body.items.filter(
        (c: { triggerEvents: string[] }) => c.triggerEvents.some((id) => ids.includes(id)),
      );
      return (
        covering.flatMap((c: { triggerEvents: string[] }) => c.triggerEvents).filter((id: string) => ids.includes(id))
          .length === ids.length && covering
      );
    }, "cycles covering every event of the burst");
    expect(cycles.length).toBeLessThanOrEqual(2);
    const tasks = await tasksFor(`error-events:event:${type}`);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.severity).toBe("error");
  });

  it("reports a route only once it fails repeatedly, and counts its failures in Memory DNA", async () => {
    const route = `/api/v1/${tag()}/:id`;
    const failure = (status: number) => ({
      type: "api.endpoint.failed",
      severity: "error",
      data: { reason: "server-error", method: "GET", route, status, code: "internal-error" },
    });
    const fingerprint = `route-failing:GET ${route}`;
    await routed(await postEvents([failure(500), failure(502)]));
    expect((await runCycle()).found.map((w) => w.fingerprint)).not.toContain(fingerprint);
    await routed(await postEvents([failure(503)]));
    const task = await taskFor(fingerprint);
    expect(task).toMatchObject({
      kind: "route-failing",
      severity: "error",
      subject: `GET ${route}`,
      status: "pending-approval",
    });
    expect(task.description).toContain("3 failures");
    expect(task.description).toContain("503 internal-error");
    expect(task.evidence.events).toHaveLength(3);
    expect(await trait(fingerprint)).toMatchObject({
      kind: "route-failing",
      isActive: true,
      failures: 3,
      tasks: 1,
      resolutions: 0,
    });
  });

  it("proposes no task again for a weak point whose task was rejected, until it happens again", async () => {
    const type = `sim.${tag()}.diverged`;
    const fingerprint = `error-events:event:${type}`;
    await routed(await postEvents([{ type, severity: "critical", data: {} }]));
    const first = await taskFor(fingerprint);
    expect(first.severity).toBe("critical");
    expect(
      (await api("POST", `/api/v1/tasks/${first.id}/reject`, { body: { reason: "known flake" } })).body.status,
    ).toBe("rejected");
    const quiet = (await runCycle()).found.find((w) => w.fingerprint === fingerprint);
    expect(quiet).toMatchObject({ isNew: false, taskId: null });
    expect(await tasksFor(fingerprint)).toHaveLength(1);
    await postEvents([{ type, severity: "critical", data: { again: true } }]);
    const tasks = await eventually(async () => {
      const found = await tasksFor(fingerprint);
      return found.length === 2 && found;
    }, "a second task");
    expect(tasks.map((t) => t.status)).toEqual(["pending-approval", "rejected"]);
  });

  it("treats a quarantined world line as critical (task and halo.weakpoint.critical) and resolves it once released", async () => {
    const wl = await createWorldLine({ entities: { reactor: { load: 1 } } });
    await api("POST", `/api/v1/worldlines/${wl.id}/telemetry`, { body: { anoms: 15 } });
    expect(
      (await api("POST", `/api/v1/worldlines/${wl.id}/arbiter/beats`, { body: { count: 1 } })).body.decisions[0].action,
    ).toBe("QUARANTINE");
    const fingerprint = `worldline-quarantined:worldline:${wl.id}`;
    const task = await taskFor(fingerprint); // arbiter.quarantine is an error event: it triggers the cycle
    expect(task).toMatchObject({ kind: "worldline-quarantined", severity: "critical", status: "pending-approval" });
    expect(task.action).toContain(`/api/v1/worldlines/${wl.id}/release`);
    const critical = await eventually(
      async () =>
        (await allEvents({ type: "halo.weakpoint.critical" })).find(
          (e) => e.data.weakPoint === task.evidence.weakPointId,
        ),
      "halo.weakpoint.critical",
    );
    expect(critical).toMatchObject({
      severity: "critical",
      data: { cycleId: task.evidence.cycleId, subsystem: "worldline", score: expect.any(Number) },
    });
    expect(critical.data.score).toBeGreaterThanOrEqual(0.85);

    expect((await api("POST", `/api/v1/worldlines/${wl.id}/release`)).status).toBe(200);
    expect((await runCycle()).found.map((w) => w.fingerprint)).not.toContain(fingerprint);
    const resolved = await trait(fingerprint);
    expect(resolved).toMatchObject({ isActive: false, resolutions: 1, lastResolvedAt: expect.any(Number) });
    expect(resolved!.meanResolveMs).toBeGreaterThanOrEqual(0);
    expect(
      (await api("GET", "/api/v1/halo/traits?active=false&kind=worldline-quarantined")).body.items.map(
        (t: { fingerprint: string }) => t.fingerprint,
      ),
    ).toContain(fingerprint);
  });
});

// The HALO rules of src/core/halo.ts as pure functions: which observations are weak points, with
// what severity, evidence and fingerprint; when a weak point deserves a new task; Memory DNA.
import { describe, expect, it } from "vitest";
import {
  findWeakPoints,
  HALO_THRESHOLDS,
  isNewWeakPoint,
  meanResolveMs,
  observeTrait,
  resolveTrait,
  weakPointScore,
  type HaloEvent,
  type HaloObservations,
} from "../../src/core/halo.js";

let n = 0;
const event = (type: string, overrides: Partial<HaloEvent> = {}): HaloEvent => ({
  id: `ev_${String(n++).padStart(26, "0")}`,
  type,
  severity: "error",
  time: 1_000 + n,
  data: {},
  ...overrides,
});
const observe = (partial: Partial<HaloObservations>): HaloObservations => ({
  events: [],
  quarantined: [],
  peers: [],
  ...partial,
});
const serverError = (route: string, status = 500) =>
  event("api.endpoint.failed", { data: { reason: "server-error", method: "GET", route, status } });

describe("finding weak points", () => {
  it("finds nothing in a quiet system", () => {
    expect(
      findWeakPoints(
        observe({
          events: [event("sim.run.finished", { severity: "warning" })],
          peers: [{ agentId: "a", url: "http://a", healthFailures: 0 }],
        }),
      ),
    ).toEqual([]);
  });

  it("reports a route once it failed three times, and as critical from ten", () => {
    expect(findWeakPoints(observe({ events: [serverError("/x"), serverError("/x")] }))).toEqual([]);
    const three = findWeakPoints(observe({ events: [serverError("/x"), serverError("/x"), serverError("/x", 503)] }));
    expect(three).toEqual([
      expect.objectContaining({
        kind: "route-failing",
        fingerprint: "route-failing:GET /x",
        subject: "GET /x",
        subsystem: "api",
        severity: "error",
        evidenceCount: 3,
      }),
    ]);
    expect(three[0]!.detail).toContain("3 failures");
    const ten = findWeakPoints(
      observe({ events: Array.from({ length: HALO_THRESHOLDS.routeFailuresCritical }, () => serverError("/x")) }),
    );
    expect(ten[0]!.severity).toBe("critical");
  });

  it("lists evidence newest first and dates the weak point by its newest event", () => {
    const events = [serverError("/y"), serverError("/y"), serverError("/y")];
    const [point] = findWeakPoints(observe({ events: [...events].reverse() }));
    expect(point!.evidence.map((e) => e.id)).toEqual(events.map((e) => e.id).reverse());
    expect(point!.newestEvidenceAt).toBe(events[2]!.time);
  });

  it("makes a quarantined world line critical, with its quarantine events as evidence, and silences its alerts", () => {
    const quarantine = event("worldline.quarantined", {
      worldline: "wl_q",
      severity: "warning",
      data: { threat: 0.9, reason: "runaway entropy" },
    });
    const alerts = [1, 2, 3].map(() =>
      event("arbiter.alert", { worldline: "wl_q", severity: "warning", data: { threat: 0.7 } }),
    );
    const points = findWeakPoints(
      observe({ events: alerts, quarantined: [{ id: "wl_q", name: "reactor", evidence: [quarantine] }] }),
    );
    expect(points).toEqual([
      expect.objectContaining({
        kind: "worldline-quarantined",
        subject: "worldline:wl_q",
        severity: "critical",
        evidence: [{ id: quarantine.id, time: quarantine.time }],
      }),
    ]);
    expect(points[0]!.detail).toContain("runaway entropy");
    expect(points[0]!.score).toBeGreaterThanOrEqual(0.85);
  });

  it("reports a world line that keeps alerting as a warning, and drops quarantine events of a released one", () => {
    const alerts = [1, 2, 3].map(() =>
      event("arbiter.alert", { worldline: "wl_a", severity: "warning", data: { threat: 0.7 } }),
    );
    const released = event("arbiter.quarantine", { worldline: "wl_r", data: { threat: 0.9, beat: 3 } });
    expect(findWeakPoints(observe({ events: [...alerts, released] }))).toEqual([
      expect.objectContaining({ kind: "worldline-alerting", subject: "worldline:wl_a", severity: "warning" }),
    ]);
    expect(findWeakPoints(observe({ events: alerts.slice(0, 2) }))).toEqual([]);
  });

  it("reports a task that gave up, and one failing attempt after attempt", () => {
    const final = event("squad.task.failed", {
      data: { taskId: "task_a", error: "no answer within 5 s", retryable: false },
    });
    const retrying = [1, 2].map(() =>
      event("squad.task.failed", { data: { taskId: "task_b", error: "x", retryable: true } }),
    );
    const points = findWeakPoints(observe({ events: [final, ...retrying] }));
    expect(points.map((p) => [p.fingerprint, p.severity])).toEqual([["task-failing:task:task_a", "error"]]);
    const third = event("squad.task.failed", { data: { taskId: "task_b", error: "x", retryable: true } });
    expect(findWeakPoints(observe({ events: [...retrying, third] })).map((p) => [p.fingerprint, p.severity])).toEqual([
      ["task-failing:task:task_b", "warning"],
    ]);
  });

  it("reports an agent unreachable by its health checks or by failed task deliveries", () => {
    const peers = [
      { agentId: "ag_sick", url: "http://sick", healthFailures: 3 },
      { agentId: "ag_fine", url: "http://fine", healthFailures: 1 },
    ];
    const deliveries = [1, 2].map((i) =>
      event("squad.task.failed", {
        agent: "ag_gone",
        data: { taskId: `task_${i}`, error: "delivery failed: unreachable", retryable: true },
      }),
    );
    const timeout = event("squad.task.failed", {
      agent: "ag_slow",
      data: { taskId: "task_s", error: "no answer within 5 s", retryable: true },
    });
    const points = findWeakPoints(observe({ events: [...deliveries, timeout], peers })).filter(
      (p) => p.kind === "agent-unreachable",
    );
    expect(points.map((p) => p.subject).sort()).toEqual(["agent:ag_gone", "agent:ag_sick"]);
    expect(points.find((p) => p.subject === "agent:ag_sick")!.detail).toContain("3 failed health checks");
    expect(points.find((p) => p.subject === "agent:ag_gone")!.evidenceCount).toBe(2);
  });

  it("reports other error and critical events by type and subject, never HALO's own", () => {
    const crashes = [
      event("sim.episode.crashed", { worldline: "wl_1" }),
      event("sim.episode.crashed", { worldline: "wl_1", severity: "critical" }),
      event("sim.episode.crashed", { worldline: "wl_2" }),
    ];
    const ours = event("halo.weakpoint.critical", {
      severity: "critical",
      data: { cycleId: "c", weakPoint: "w", subsystem: "x", score: 1, detail: "d" },
    });
    const points = findWeakPoints(
      observe({ events: [...crashes, ours, event("sim.episode.slow", { severity: "warning" })] }),
    );
    expect(points.map((p) => [p.subject, p.severity, p.subsystem])).toEqual([
      ["event:sim.episode.crashed@wl_1", "critical", "sim"],
      ["event:sim.episode.crashed@wl_2", "error", "sim"],
    ]);
  });

  it("orders weak points worst first and scores repetitions a little higher, within the severity's band", () => {
    expect(weakPointScore("error", 1)).toBe(0.6);
    expect(weakPointScore("error", 4)).toBe(0.66);
    expect(weakPointScore("error", 1000)).toBeLessThan(weakPointScore("critical", 1));
    expect(weakPointScore("critical", 1000)).toBeLessThanOrEqual(1);
  });
});

describe("deciding whether a weak point is new", () => {
  const point = { newestEvidenceAt: 5_000 };
  it("is new the first time it is seen", () => expect(isNewWeakPoint(point, undefined)).toBe(true));
  it("is not new while a task for it is open", () =>
    expect(isNewWeakPoint(point, { openTaskId: "task_x", lastClosedAt: null, wasActive: true })).toBe(false));
  it("is not new after its task closed, for the same old evidence", () =>
    expect(isNewWeakPoint(point, { openTaskId: null, lastClosedAt: 6_000, wasActive: true })).toBe(false));
  it("is new when it happened again after its task closed", () =>
    expect(isNewWeakPoint(point, { openTaskId: null, lastClosedAt: 4_000, wasActive: true })).toBe(true));
  it("is new when it went away and came back", () =>
    expect(
      isNewWeakPoint({ newestEvidenceAt: null }, { openTaskId: null, lastClosedAt: 6_000, wasActive: false }),
    ).toBe(true));
  it("is not new for state alone (no events) while it never went away", () =>
    expect(isNewWeakPoint({ newestEvidenceAt: null }, { openTaskId: null, lastClosedAt: 6_000, wasActive: true })).toBe(
      false,
    ));
});

describe("Memory DNA", () => {
  it("counts cycles and tasks, and measures time to resolve from when it appeared to when it was gone", () => {
    const [point] = findWeakPoints(observe({ events: [serverError("/z"), serverError("/z"), serverError("/z")] }));
    const first = observeTrait(undefined, point!, { now: 100, failures: 3, taskCreated: true });
    expect(first).toMatchObject({
      isActive: true,
      failures: 3,
      cycles: 1,
      tasks: 1,
      firstSeenAt: 100,
      activeSince: 100,
      resolutions: 0,
    });
    const second = observeTrait(first, point!, { now: 200, failures: 5, taskCreated: false });
    expect(second).toMatchObject({ cycles: 2, tasks: 1, failures: 5, lastSeenAt: 200, activeSince: 100 });
    const resolved = resolveTrait(second, 1_100);
    expect(resolved).toMatchObject({ isActive: false, resolutions: 1, totalResolveMs: 1_000, lastResolvedAt: 1_100 });
    const back = observeTrait(resolved, point!, { now: 2_000, failures: 6, taskCreated: true });
    expect(back).toMatchObject({ isActive: true, activeSince: 2_000, firstSeenAt: 100, tasks: 2 });
    expect(meanResolveMs(resolveTrait(back, 5_000))).toBe(2_000); // (1 000 + 3 000) / 2
    expect(meanResolveMs(first)).toBeNull();
  });
});

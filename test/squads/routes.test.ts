// /api/v1/squads and /api/v1/tasks: every call's happy path and its failure paths (401, 403,
// 400 with field paths, 404, 409 illegal transitions, 422 unknown members and squads).
import { describe, expect, it } from "vitest";
import { api } from "../api.js";
import { createAgent } from "../mesh/mesh-helpers.js";
import { approvedTask, squadOf, tag } from "../halo/helpers.js";

const problem = (call: { status: number; contentType: string; body: any }) => [
  call.status,
  call.contentType,
  call.body.code,
];

describe("squads", () => {
  it("creates a squad of hosted agents and connects each to the hub", async () => {
    const t = tag();
    const a = await createAgent(`sqa-${t}`);
    const b = await createAgent(`sqb-${t}`);
    const created = await api("POST", "/api/v1/squads", {
      body: { name: `squad-${t}`, members: [a.agent_id, b.agent_id], capabilities: ["route-failing", "error-events"] },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("location")).toBe(`/api/v1/squads/${created.body.id}`);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^sq_/),
      name: `squad-${t}`,
      members: [a.agent_id, b.agent_id],
      capabilities: ["route-failing", "error-events"],
    });
    const hubConnections = (await api("GET", "/api/v1/agents/hub/connections")).body.connections.map(
      (c: { agent_id: string }) => c.agent_id,
    );
    expect(hubConnections).toEqual(expect.arrayContaining([a.agent_id, b.agent_id]));
    expect((await api("GET", `/api/v1/squads/${created.body.id}`)).body).toEqual(created.body);
    expect((await api("GET", "/api/v1/squads?limit=500")).body.items.map((s: { id: string }) => s.id)).toContain(
      created.body.id,
    );
    // capabilities default to any kind
    expect(
      (await api("POST", "/api/v1/squads", { body: { name: `any-${t}`, members: [a.agent_id] } })).body.capabilities,
    ).toEqual(["*"]);
  });

  it("changes and deletes a squad", async () => {
    const t = tag();
    const { squad } = await squadOf([`chg-${t}`], ["error-events"]);
    const other = await createAgent(`chg2-${t}`);
    const changed = await api("PATCH", `/api/v1/squads/${squad.id}`, {
      body: { members: [other.agent_id], capabilities: ["*"] },
    });
    expect(changed.body).toMatchObject({ id: squad.id, members: [other.agent_id], capabilities: ["*"] });
    expect(changed.body.updatedAt).toBeGreaterThanOrEqual(changed.body.createdAt);
    expect(problem(await api("PATCH", `/api/v1/squads/${squad.id}`, { body: {} }))).toEqual([
      400,
      "application/problem+json",
      "validation-failed",
    ]);
    expect((await api("DELETE", `/api/v1/squads/${squad.id}`)).status).toBe(204);
    expect(problem(await api("GET", `/api/v1/squads/${squad.id}`))).toEqual([
      404,
      "application/problem+json",
      "not-found",
    ]);
    expect(problem(await api("DELETE", `/api/v1/squads/${squad.id}`))).toEqual([
      404,
      "application/problem+json",
      "not-found",
    ]);
    expect(problem(await api("PATCH", `/api/v1/squads/${squad.id}`, { body: { name: "x" } }))).toEqual([
      404,
      "application/problem+json",
      "not-found",
    ]);
  });

  it("refuses members the hub cannot reach, naming each one, and creates nothing", async () => {
    const t = tag();
    const hosted = await createAgent(`ok-${t}`);
    const hub = (await api("GET", "/api/v1/agents/hub")).body;
    const refused = await api("POST", "/api/v1/squads", {
      body: { name: `bad-${t}`, members: [hosted.agent_id, "a".repeat(64), hub.agent_id] },
    });
    expect(problem(refused)).toEqual([422, "application/problem+json", "unknown-member"]);
    expect(refused.body.errors.map((e: { path: string }) => e.path)).toEqual(["/members/1", "/members/2"]);
    expect(
      (await api("GET", "/api/v1/squads?limit=500")).body.items.map((s: { name: string }) => s.name),
    ).not.toContain(`bad-${t}`);
    const hubConnections = (await api("GET", "/api/v1/agents/hub/connections")).body.connections.map(
      (c: { agent_id: string }) => c.agent_id,
    );
    expect(hubConnections).not.toContain(hosted.agent_id); // validated in full before anything was connected
  });

  it("refuses malformed squads with the fields at fault, and a taken name with 409", async () => {
    const t = tag();
    const a = await createAgent(`dup-${t}`);
    const cases: Array<[unknown, string]> = [
      [{ members: [a.agent_id] }, "/name"],
      [{ name: "x", members: [] }, "/members"],
      [{ name: "x", members: [a.agent_id, a.agent_id] }, "/members/1"],
      [{ name: "x", members: [a.agent_id], capabilities: ["Not A Kind"] }, "/capabilities/0"],
      [{ name: "x", members: "everyone" }, "/members"],
    ];
    for (const [body, path] of cases) {
      const refused = await api("POST", "/api/v1/squads", { body });
      expect(problem(refused), JSON.stringify(body)).toEqual([400, "application/problem+json", "validation-failed"]);
      expect(refused.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    expect((await api("POST", "/api/v1/squads", { body: { name: `dup-${t}`, members: [a.agent_id] } })).status).toBe(
      201,
    );
    const taken = await api("POST", "/api/v1/squads", { body: { name: `dup-${t}`, members: [a.agent_id] } });
    expect(problem(taken)).toEqual([409, "application/problem+json", "squad-exists"]);
  });

  it("is the operator's only, reads included", async () => {
    for (const [method, path] of [
      ["GET", "/api/v1/squads"],
      ["GET", "/api/v1/squads/sq_x"],
      ["POST", "/api/v1/squads"],
      ["GET", "/api/v1/tasks"],
      ["GET", "/api/v1/tasks/task_x"],
      ["POST", "/api/v1/tasks/task_x/approve"],
      ["POST", "/api/v1/tasks/task_x/reject"],
      ["POST", "/api/v1/tasks/task_x/dispatch"],
    ] as const) {
      const anonymous = await api(method, path, { token: null });
      expect(problem(anonymous), `${method} ${path}`).toEqual([401, "application/problem+json", "unauthorized"]);
      expect((await api(method, path, { token: "not-the-token" })).status).toBe(403);
    }
  });
});

describe("the OpenAPI document", () => {
  it("describes every HALO, squad, task, spore and graft call, each needing the operator token", async () => {
    const doc = (await api("GET", "/api/openapi.json")).body;
    const expected = {
      "/api/v1/halo/cycles": ["get", "post"],
      "/api/v1/halo/cycles/{id}": ["get"],
      "/api/v1/halo/traits": ["get"],
      "/api/v1/halo/resonance": ["get"],
      "/api/v1/squads": ["get", "post"],
      "/api/v1/squads/{id}": ["delete", "get", "patch"],
      "/api/v1/tasks": ["get", "post"],
      "/api/v1/tasks/{id}": ["get"],
      "/api/v1/tasks/{id}/approve": ["post"],
      "/api/v1/tasks/{id}/reject": ["post"],
      "/api/v1/tasks/{id}/cancel": ["post"],
      "/api/v1/tasks/{id}/dispatch": ["post"],
      "/api/v1/spores": ["get", "post"],
      "/api/v1/spores/{id}": ["get", "patch"],
      "/api/v1/spores/{id}/publish": ["post"],
      "/api/v1/spores/{id}/retire": ["post"],
      "/api/v1/spores/{id}/deploy": ["post"],
      "/api/v1/grafts": ["get"],
      "/api/v1/grafts/{id}": ["get"],
      "/api/v1/grafts/{id}/install": ["post"],
      "/api/v1/grafts/{id}/uninstall": ["post"],
    };
    for (const [path, methods] of Object.entries(expected)) {
      expect(Object.keys(doc.paths[path] ?? {}).sort(), path).toEqual(methods);
      for (const method of methods)
        expect(doc.paths[path][method].security, `${method} ${path}`).toEqual([{ operatorToken: [] }]);
    }
    for (const schema of [
      "SquadTask",
      "SquadTaskDetail",
      "TaskTransition",
      "Squad",
      "HaloCycleDetail",
      "WeakPoint",
      "HaloTrait",
      "Spore",
      "Graft",
    ])
      expect(doc.components.schemas[schema], schema).toBeDefined();
  });
});

describe("tasks", () => {
  it("lets the operator create a task, which waits for approval like HALO's", async () => {
    const created = await api("POST", "/api/v1/tasks", {
      body: {
        kind: "investigate",
        title: "look at the reactor",
        description: "load spikes at night",
        subject: "worldline:wl_x",
        severity: "warning",
        timeoutSeconds: 60,
        maxAttempts: 4,
      },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("location")).toBe(`/api/v1/tasks/${created.body.id}`);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^task_/),
      status: "pending-approval",
      origin: "operator",
      kind: "investigate",
      fingerprint: null,
      severity: "warning",
      timeoutSeconds: 60,
      maxAttempts: 4,
      attempts: 0,
      agent: null,
      squadId: null,
      result: null,
      error: null,
      closedAt: null,
      evidence: { cycleId: null, weakPointId: null, events: [] },
      history: [{ status: "pending-approval", from: null, at: created.body.createdAt, by: "operator" }],
    });
    const detail = (await api("GET", `/api/v1/tasks/${created.body.id}`)).body;
    expect(detail).toEqual({ ...created.body, dispatches: [] });
    const listed = (
      await api("GET", "/api/v1/tasks?status=pending-approval&origin=operator&kind=investigate&limit=500")
    ).body.items;
    expect(listed.map((t: { id: string }) => t.id)).toContain(created.body.id);
  });

  it("moves only along the lifecycle: approve once, then no reject; reject once, then no approve (409)", async () => {
    const approved = await approvedTask({ kind: "chore" });
    expect(approved.history.map((h: { status: string }) => h.status)).toEqual(["pending-approval", "approved"]);
    for (const action of ["approve", "reject"]) {
      const again = await api("POST", `/api/v1/tasks/${approved.id}/${action}`, { body: {} });
      expect(problem(again), action).toEqual([409, "application/problem+json", "illegal-transition"]);
      expect(again.body.detail).toContain("is approved");
    }
    const created = (await api("POST", "/api/v1/tasks", { body: { kind: "chore", title: "x" } })).body;
    const rejected = await api("POST", `/api/v1/tasks/${created.id}/reject`, { body: { reason: "duplicate" } });
    expect(rejected.body).toMatchObject({ status: "rejected", closedAt: expect.any(Number) });
    expect(rejected.body.history.at(-1)).toMatchObject({
      status: "rejected",
      from: "pending-approval",
      by: "operator",
      detail: "duplicate",
    });
    for (const action of ["approve", "reject", "dispatch", "cancel"])
      expect((await api("POST", `/api/v1/tasks/${created.id}/${action}`)).status, action).toBe(409);
    // approve and reject need no body at all
    const bare = (await api("POST", "/api/v1/tasks", { body: { kind: "chore", title: "y" } })).body;
    expect((await api("POST", `/api/v1/tasks/${bare.id}/approve`)).body.status).toBe("approved");
    expect((await api("POST", `/api/v1/tasks/${bare.id}/cancel`)).body.status).toBe("cancelled");
  });

  it("answers 404 for unknown tasks, 422 for unknown squads and 400 for malformed bodies", async () => {
    for (const action of ["approve", "reject", "dispatch", "cancel"])
      expect(problem(await api("POST", `/api/v1/tasks/task_nope/${action}`)), action).toEqual([
        404,
        "application/problem+json",
        "not-found",
      ]);
    expect(problem(await api("GET", "/api/v1/tasks/task_nope"))).toEqual([
      404,
      "application/problem+json",
      "not-found",
    ]);
    const unknownSquad = await api("POST", "/api/v1/tasks", {
      body: { kind: "chore", title: "x", squadId: "sq_nope" },
    });
    expect(problem(unknownSquad)).toEqual([422, "application/problem+json", "unknown-squad"]);
    expect(unknownSquad.body.errors).toEqual([{ in: "body", path: "/squadId", message: "no such squad" }]);
    const pending = (await api("POST", "/api/v1/tasks", { body: { kind: "chore", title: "x" } })).body;
    expect(problem(await api("POST", `/api/v1/tasks/${pending.id}/approve`, { body: { squadId: "sq_nope" } }))).toEqual(
      [422, "application/problem+json", "unknown-squad"],
    );
    expect((await api("GET", `/api/v1/tasks/${pending.id}`)).body.status).toBe("pending-approval"); // nothing half-applied
    const cases: Array<[string, unknown, string]> = [
      ["/api/v1/tasks", { title: "x" }, "/kind"],
      ["/api/v1/tasks", { kind: "Bad Kind", title: "x" }, "/kind"],
      ["/api/v1/tasks", { kind: "chore", title: "x", timeoutSeconds: 0 }, "/timeoutSeconds"],
      ["/api/v1/tasks", { kind: "chore", title: "x", maxAttempts: 11 }, "/maxAttempts"],
      ["/api/v1/tasks", { kind: "chore", title: "x", severity: "apocalyptic" }, "/severity"],
      [`/api/v1/tasks/${pending.id}/approve`, { maxAttempts: "three" }, "/maxAttempts"],
      [`/api/v1/tasks/${pending.id}/reject`, { reason: "" }, "/reason"],
      [`/api/v1/tasks/${pending.id}/dispatch`, { agent: 42 }, "/agent"],
    ];
    for (const [path, body, field] of cases) {
      const refused = await api("POST", path, { body });
      expect(problem(refused), `${path} ${JSON.stringify(body)}`).toEqual([
        400,
        "application/problem+json",
        "validation-failed",
      ]);
      expect(refused.body.errors[0]).toMatchObject({ in: "body", path: field });
    }
    expect(
      problem(
        await api("POST", "/api/v1/tasks", { raw: "{not json", headers: { "content-type": "application/json" } }),
      ),
    ).toEqual([400, "application/problem+json", "invalid-json"]);
    expect(problem(await api("GET", "/api/v1/tasks?status=done"))).toEqual([
      400,
      "application/problem+json",
      "validation-failed",
    ]);
    expect(problem(await api("GET", "/api/v1/tasks?cursor=%%%"))).toEqual([
      400,
      "application/problem+json",
      "invalid-cursor",
    ]);
  });

  it("pages through tasks newest first", async () => {
    const kind = `paged-${tag()}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await api("POST", "/api/v1/tasks", { body: { kind, title: `t${i}` } })).body.id);
    const first = (await api("GET", `/api/v1/tasks?kind=${kind}&limit=2`)).body;
    const second = (await api("GET", `/api/v1/tasks?kind=${kind}&limit=2&cursor=${first.next}`)).body;
    const third = (await api("GET", `/api/v1/tasks?kind=${kind}&limit=2&cursor=${second.next}`)).body;
    expect([...first.items, ...second.items, ...third.items].map((t: { id: string }) => t.id)).toEqual(
      [...ids].reverse(),
    );
    expect(third.next).toBeNull();
  });
});

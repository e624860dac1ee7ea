// Spores and grafts against real world lines: deploy → install → uninstall leaves the world line
// as it was; failures change nothing and say why; only published spores deploy.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { GRAFT_CLAIM_STALE_MS } from "../../src/spores/grafts.js";
import { api, createWorldLine, mergePatch, state } from "../api.js";
import { allEvents, eventually } from "../events/helpers.js";
import { tag } from "../halo/helpers.js";

const problem = (call: { status: number; contentType: string; body: any }) => [
  call.status,
  call.contentType,
  call.body.code,
];

async function publishedSpore(entities: Record<string, unknown>, name = `rig-${tag()}`) {
  const created = await api("POST", "/api/v1/spores", { body: { name, description: "a sensor rig", entities } });
  if (created.status !== 201) throw new Error(`spore: ${created.status} ${JSON.stringify(created.body)}`);
  return (await api("POST", `/api/v1/spores/${created.body.id}/publish`)).body as {
    id: string;
    name: string;
    version: number;
    [key: string]: any;
  };
}
const deploy = (sporeId: string, worldline: string) =>
  api("POST", `/api/v1/spores/${sporeId}/deploy`, { body: { worldline } });

describe("spores and grafts", { timeout: 30_000 }, () => {
  it("deploys a spore, installs the graft as one commit, and uninstalling leaves the world line as it was", async () => {
    const wl = await createWorldLine({ entities: { sun: { mass: 1, color: "yellow" }, "probe/1": { fuel: 10 } } });
    const before = await state(wl.id);
    const spore = await publishedSpore({
      sun: { flares: true, color: null },
      "sensor/a": { range: 3 },
      "sensor/b": { range: 5 },
    });
    expect(spore).toMatchObject({ status: "published", version: 1, publishedAt: expect.any(Number) });

    const deployed = await deploy(spore.id, wl.id);
    expect(deployed.status).toBe(201);
    expect(deployed.headers.get("location")).toBe(`/api/v1/grafts/${deployed.body.id}`);
    expect(deployed.body).toMatchObject({
      id: expect.stringMatching(/^gr_/),
      sporeId: spore.id,
      worldline: wl.id,
      status: "pending",
      installCommit: null,
    });
    expect((await state(wl.id)).commit).toBe(before.commit); // deploying changes nothing yet

    const installed = await api("POST", `/api/v1/grafts/${deployed.body.id}/install`);
    expect(installed.body).toMatchObject({
      status: "installed",
      baseCommit: before.commit,
      installCommit: expect.any(String),
      installedAt: expect.any(Number),
    });
    const during = await state(wl.id);
    expect(during.commit).toBe(installed.body.installCommit);
    expect(during.entities).toEqual({
      sun: { mass: 1, flares: true },
      "probe/1": { fuel: 10 },
      "sensor/a": { range: 3 },
      "sensor/b": { range: 5 },
    });
    const commit = (await api("GET", `/api/v1/worldlines/${wl.id}/commits?limit=1`)).body.items[0];
    expect(commit).toMatchObject({
      id: installed.body.installCommit,
      parents: [before.commit],
      author: `graft:${deployed.body.id}`,
    });
    expect(commit.message).toContain(spore.name);

    const uninstalled = await api("POST", `/api/v1/grafts/${deployed.body.id}/uninstall`);
    expect(uninstalled.body).toMatchObject({
      status: "uninstalled",
      uninstallCommit: expect.any(String),
      uninstalledAt: expect.any(Number),
    });
    const after = await state(wl.id);
    expect(after.entities).toEqual(before.entities);
    expect(after.root).toBe(before.root); // the same entity set: the same content-addressed root
    expect(after.commit).toBe(uninstalled.body.uninstallCommit);
    const diff = (await api("GET", `/api/v1/worldlines/${wl.id}/diff?from=${before.commit}&to=head`)).body;
    expect(diff.changes).toEqual([]);

    // logged: deployed and installed, in that order
    const deployedEvent = await eventually(
      async () => (await allEvents({ type: "spore.deployed", worldline: wl.id }))[0],
      "spore.deployed",
    );
    expect(deployedEvent.data).toEqual({ sporeId: spore.id, targets: [wl.id], graftId: deployed.body.id });
    const installedEvent = await eventually(
      async () => (await allEvents({ type: "graft.installed", worldline: wl.id }))[0],
      "graft.installed",
    );
    expect(installedEvent.data).toEqual({ graftId: deployed.body.id, name: spore.name, target: wl.id, version: "1" });
    expect(installedEvent.time).toBeGreaterThanOrEqual(deployedEvent.time);
    expect(problem(await api("POST", `/api/v1/grafts/${deployed.body.id}/uninstall`))).toEqual([
      409,
      "application/problem+json",
      "illegal-graft-transition",
    ]);
    expect(problem(await api("POST", `/api/v1/grafts/${deployed.body.id}/install`))).toEqual([
      409,
      "application/problem+json",
      "illegal-graft-transition",
    ]);
  });

  it("fails an install on a quarantined world line with the reason, changes nothing, and installs once released", async () => {
    const wl = await createWorldLine({ entities: { core: { temp: 1 } } });
    const spore = await publishedSpore({ coolant: { flow: 2 } });
    const graft = (await deploy(spore.id, wl.id)).body;
    await api("POST", `/api/v1/worldlines/${wl.id}/telemetry`, { body: { anoms: 15 } });
    await api("POST", `/api/v1/worldlines/${wl.id}/arbiter/beats`, { body: { count: 1 } });
    const before = await state(wl.id);
    const refused = await api("POST", `/api/v1/grafts/${graft.id}/install`);
    expect(problem(refused)).toEqual([409, "application/problem+json", "graft-install-failed"]);
    expect(refused.body).toMatchObject({ reason: "worldline-quarantined", graft: { id: graft.id, status: "failed" } });
    expect(refused.body.detail).toContain("unchanged");
    expect((await state(wl.id)).commit).toBe(before.commit);
    expect((await api("GET", `/api/v1/grafts/${graft.id}`)).body).toMatchObject({
      status: "failed",
      error: expect.stringContaining("quarantined"),
      installCommit: null,
    });
    const failedEvent = await eventually(
      async () => (await allEvents({ type: "graft.install.failed", worldline: wl.id }))[0],
      "graft.install.failed",
    );
    expect(failedEvent).toMatchObject({
      severity: "error",
      data: { graftId: graft.id, target: wl.id, error: expect.stringContaining("quarantined") },
    });

    await api("POST", `/api/v1/worldlines/${wl.id}/release`);
    const retried = await api("POST", `/api/v1/grafts/${graft.id}/install`);
    expect(retried.body).toMatchObject({ status: "installed", error: null });
    expect((await state(wl.id)).entities).toEqual({ core: { temp: 1 }, coolant: { flow: 2 } });
  });

  it("refuses to uninstall a graft whose entities changed since, and reverts nothing", async () => {
    const wl = await createWorldLine({ entities: { a: 1 } });
    const graft = (await deploy((await publishedSpore({ b: { x: 1 }, c: 2 })).id, wl.id)).body;
    await api("POST", `/api/v1/grafts/${graft.id}/install`);
    await mergePatch(wl.id, { b: { x: 99 } });
    const changed = await state(wl.id);
    const refused = await api("POST", `/api/v1/grafts/${graft.id}/uninstall`);
    expect(problem(refused)).toEqual([409, "application/problem+json", "graft-conflict"]);
    expect(await state(wl.id)).toEqual(changed);
    expect((await api("GET", `/api/v1/grafts/${graft.id}`)).body).toMatchObject({
      status: "installed",
      error: expect.stringContaining("changed since"),
    });
    // put it back as the graft left it: now it reverts
    await mergePatch(wl.id, { b: { x: 1 } });
    expect((await api("POST", `/api/v1/grafts/${graft.id}/uninstall`)).body.status).toBe("uninstalled");
    expect((await state(wl.id)).entities).toEqual({ a: 1 });
  });

  it("deploys only published spores, and a published version never changes", async () => {
    const wl = await createWorldLine();
    const name = `ver-${tag()}`;
    const draft = (await api("POST", "/api/v1/spores", { body: { name, entities: { x: 1 } } })).body;
    expect(draft).toMatchObject({ status: "draft", version: 1, publishedAt: null });
    expect(problem(await deploy(draft.id, wl.id))).toEqual([409, "application/problem+json", "spore-draft"]);
    expect((await api("PATCH", `/api/v1/spores/${draft.id}`, { body: { entities: { x: 2 } } })).body.entities).toEqual({
      x: 2,
    });
    await api("POST", `/api/v1/spores/${draft.id}/publish`);
    expect(problem(await api("PATCH", `/api/v1/spores/${draft.id}`, { body: { description: "later" } }))).toEqual([
      409,
      "application/problem+json",
      "spore-published",
    ]);
    expect(problem(await api("POST", `/api/v1/spores/${draft.id}/publish`))).toEqual([
      409,
      "application/problem+json",
      "spore-published",
    ]);
    const next = (await api("POST", "/api/v1/spores", { body: { name, entities: { x: 3 } } })).body;
    expect(next.version).toBe(2);
    expect(
      (await api("GET", `/api/v1/spores?name=${name}`)).body.items.map((s: { version: number }) => s.version),
    ).toEqual([2, 1]);
    expect((await api("POST", `/api/v1/spores/${draft.id}/retire`)).body.status).toBe("retired");
    expect(problem(await deploy(draft.id, wl.id))).toEqual([409, "application/problem+json", "spore-retired"]);
  });

  it("answers 404 for unknown ids, 422 for an unknown world line, 400 for malformed templates, 401 without the token", async () => {
    const spore = await publishedSpore({ x: 1 });
    for (const [method, path] of [
      ["GET", "/api/v1/spores/sp_nope"],
      ["POST", "/api/v1/spores/sp_nope/publish"],
      ["GET", "/api/v1/grafts/gr_nope"],
      ["POST", "/api/v1/grafts/gr_nope/install"],
      ["POST", "/api/v1/grafts/gr_nope/uninstall"],
    ] as const) {
      expect(problem(await api(method, path)), `${method} ${path}`).toEqual([
        404,
        "application/problem+json",
        "not-found",
      ]);
    }
    expect(problem(await deploy("sp_nope", "wl_00000000000000000000000000"))).toEqual([
      404,
      "application/problem+json",
      "not-found",
    ]);
    const unknown = await deploy(spore.id, "wl_00000000000000000000000000");
    expect(problem(unknown)).toEqual([422, "application/problem+json", "unknown-worldline"]);
    expect(unknown.body.errors).toEqual([{ in: "body", path: "/worldline", message: "no such world line" }]);
    expect(problem(await deploy(spore.id, "not-a-world-line"))).toEqual([
      400,
      "application/problem+json",
      "validation-failed",
    ]);
    const cases: Array<[unknown, string]> = [
      [{ name: "x", entities: {} }, "/entities"],
      [{ name: "x", entities: { gone: null } }, "/entities/gone"],
      [{ name: "x", entities: { "bad id!": 1 } }, "/entities/bad id!"],
      [{ name: "Bad Name", entities: { x: 1 } }, "/name"],
    ];
    for (const [body, path] of cases) {
      const refused = await api("POST", "/api/v1/spores", { body });
      expect(problem(refused), JSON.stringify(body)).toEqual([400, "application/problem+json", "validation-failed"]);
      expect(refused.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    for (const [method, path] of [
      ["GET", "/api/v1/spores"],
      ["GET", "/api/v1/grafts"],
      ["POST", "/api/v1/spores"],
      ["POST", `/api/v1/spores/${spore.id}/deploy`],
    ] as const) {
      expect(problem(await api(method, path, { token: null })), `${method} ${path}`).toEqual([
        401,
        "application/problem+json",
        "unauthorized",
      ]);
    }
    const terminated = await createWorldLine();
    await api("DELETE", `/api/v1/worldlines/${terminated.id}`);
    expect(problem(await deploy(spore.id, terminated.id))).toEqual([
      409,
      "application/problem+json",
      "target-worldline-terminated",
    ]);
    expect((await api("GET", `/api/v1/grafts?spore=${spore.id}`)).body.items).toEqual([]);
  });
});

// The worker holding a claim dies after the world line committed and before the graft row says so:
// a D1 trigger refuses the rows it would write (no mock of our code), then the claim is aged past
// GRAFT_CLAIM_STALE_MS as if a minute had gone by, and a second install or uninstall takes it over.
async function dieBeforeRecording(statuses: string[]) {
  await env.DB.prepare(
    `CREATE TRIGGER graft_worker_dies BEFORE UPDATE OF status ON grafts WHEN NEW.status IN (${statuses.map((s) => `'${s}'`).join(", ")}) BEGIN SELECT RAISE(ABORT, 'the worker died'); END`,
  ).run();
}
const revive = () => env.DB.prepare("DROP TRIGGER graft_worker_dies").run();
const ageClaim = (id: string) =>
  env.DB.prepare("UPDATE grafts SET claimed_at = claimed_at - ? WHERE id = ?")
    .bind(GRAFT_CLAIM_STALE_MS + 1_000, id)
    .run();
const graftCommits = async (worldline: string, graftId: string) =>
  (await api("GET", `/api/v1/worldlines/${worldline}/commits?limit=500`)).body.items.filter(
    (c: { author: string }) => c.author === `graft:${graftId}`,
  );

describe("a graft claim taken over after it went stale", { timeout: 30_000 }, () => {
  it("applies the template once, and the recorded inverse restores the original state", async () => {
    const wl = await createWorldLine({ entities: { sun: { mass: 1, color: "yellow" }, moon: 1 } });
    const before = await state(wl.id);
    const graft = (
      await deploy((await publishedSpore({ sun: { flares: true, color: null }, probe: { fuel: 3 } })).id, wl.id)
    ).body;
    await dieBeforeRecording(["installed", "failed"]);
    const died = await api("POST", `/api/v1/grafts/${graft.id}/install`);
    await revive();
    expect(died.status).toBe(500);
    const applied = await state(wl.id);
    expect(applied.entities).toEqual({ sun: { mass: 1, flares: true }, moon: 1, probe: { fuel: 3 } }); // the commit landed
    expect((await api("GET", `/api/v1/grafts/${graft.id}`)).body.status).toBe("installing");
    expect(problem(await api("POST", `/api/v1/grafts/${graft.id}/install`))).toEqual([
      409,
      "application/problem+json",
      "illegal-graft-transition",
    ]); // a fresh claim holds

    await ageClaim(graft.id);
    const takenOver = await api("POST", `/api/v1/grafts/${graft.id}/install`);
    expect(takenOver.body).toMatchObject({
      status: "installed",
      baseCommit: before.commit,
      installCommit: applied.commit,
    });
    expect(await state(wl.id)).toEqual(applied);
    expect(await graftCommits(wl.id, graft.id)).toHaveLength(1);

    expect((await api("POST", `/api/v1/grafts/${graft.id}/uninstall`)).body.status).toBe("uninstalled");
    const after = await state(wl.id);
    expect(after.entities).toEqual(before.entities);
    expect(after.root).toBe(before.root);
  });

  it("does not apply the template again over what was written after the first install", async () => {
    const wl = await createWorldLine({ entities: { lamp: { on: false } } });
    const graft = (await deploy((await publishedSpore({ lamp: { on: true } })).id, wl.id)).body;
    await dieBeforeRecording(["installed", "failed"]);
    await api("POST", `/api/v1/grafts/${graft.id}/install`);
    await revive();
    const edited = await mergePatch(wl.id, { lamp: { on: false } }); // an operator turns it off again
    await ageClaim(graft.id);
    expect((await api("POST", `/api/v1/grafts/${graft.id}/install`)).body.status).toBe("installed");
    const now = await state(wl.id);
    expect(now.commit).toBe(edited.body.commit);
    expect(now.entities).toEqual({ lamp: { on: false } });
    expect(await graftCommits(wl.id, graft.id)).toHaveLength(1);
  });

  it("reverts once when an uninstall claim is taken over", async () => {
    const wl = await createWorldLine({ entities: { a: 1 } });
    const before = await state(wl.id);
    const graft = (await deploy((await publishedSpore({ b: { x: 1 } })).id, wl.id)).body;
    await api("POST", `/api/v1/grafts/${graft.id}/install`);
    await dieBeforeRecording(["uninstalled", "installed"]);
    const died = await api("POST", `/api/v1/grafts/${graft.id}/uninstall`);
    await revive();
    expect(died.status).toBe(500);
    const reverted = await state(wl.id);
    expect(reverted.entities).toEqual(before.entities);
    expect((await api("GET", `/api/v1/grafts/${graft.id}`)).body.status).toBe("uninstalling");

    await ageClaim(graft.id);
    const takenOver = await api("POST", `/api/v1/grafts/${graft.id}/uninstall`);
    expect(takenOver.body).toMatchObject({ status: "uninstalled", uninstallCommit: reverted.commit });
    expect(await state(wl.id)).toEqual(reverted);
    expect(await graftCommits(wl.id, graft.id)).toHaveLength(2); // the install and one revert
  });
});

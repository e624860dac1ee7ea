// The D1 catalog (lists, /multiverse) converges on what the WorldLine Durable Objects hold, even
// when D1 refuses a write: the failures below are real (the table is renamed away in this test's
// D1 while the write runs), and the catalog outbox retries on the object's alarm or its next write.
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Catalog } from "../../src/stores/catalog.js";
import type { WorldLine } from "../../durable-objects/world-line.js";
import { api, createWorldLine, mergePatch } from "../api.js";

const stub = (id: string) =>
  env.WORLDLINE.get(env.WORLDLINE.idFromName(id)) as unknown as DurableObjectStub & Pick<WorldLine, "quarantine">;

/** Runs `write` while `table` is missing from D1, so every statement naming it fails. */
async function withoutTable<T>(table: "worldlines" | "lineage", write: () => Promise<T>): Promise<T> {
  await env.DB.exec(`ALTER TABLE ${table} RENAME TO ${table}_offline`);
  try {
    return await write();
  } finally {
    await env.DB.exec(`ALTER TABLE ${table}_offline RENAME TO ${table}`);
  }
}

const listed = async (id: string, query = "") =>
  (await api("GET", `/api/v1/worldlines?limit=500${query}`)).body.items.find((w: { id: string }) => w.id === id);
const multiverse = async () =>
  (await api("GET", "/api/v1/multiverse")).body as {
    nodes: Array<{ id: string; head: string }>;
    edges: Array<{ from: string; to: string; kind: string; commit: string }>;
  };
const edgesOf = async (id: string) => (await multiverse()).edges.filter((e) => e.from === id || e.to === id);
const fork = (id: string) => api("POST", `/api/v1/worldlines/${id}/fork`, { body: { name: "fork" } });

describe("the D1 catalog converges after a failed D1 write", () => {
  it("commits a patch whose catalog write failed, and the list shows the new head once the alarm has run", async () => {
    const wl = await createWorldLine({ entities: { a: 1 } });
    const patched = await withoutTable("worldlines", () => mergePatch(wl.id, { a: 2 }));
    expect(patched.status).toBe(200); // the Durable Object is the truth: the write happened
    expect((await api("GET", `/api/v1/worldlines/${wl.id}`)).body.head).toBe(patched.body.commit);
    expect((await listed(wl.id)).head).toBe(wl.head); // D1 still has the old row

    expect(await runDurableObjectAlarm(stub(wl.id))).toBe(true);
    expect((await listed(wl.id)).head).toBe(patched.body.commit);
    expect((await multiverse()).nodes.find((n) => n.id === wl.id)?.head).toBe(patched.body.commit);
    expect(await runDurableObjectAlarm(stub(wl.id))).toBe(false); // applied: nothing left to retry
  });

  it("lists a world line the arbiter quarantined while D1 failed as quarantined once the alarm has run", async () => {
    const wl = await createWorldLine();
    const quarantined = await withoutTable("worldlines", () => stub(wl.id).quarantine("test: threat 0.9", 0.9, 1));
    expect(quarantined).toMatchObject({ ok: true, value: { status: "quarantined" } });
    expect((await stub(wl.id).quarantine("test: the arbiter retries", 0.9, 2)).ok).toBe(true); // idempotent, and writes nothing new
    expect(await listed(wl.id, "&status=quarantined")).toBeUndefined();
    expect((await listed(wl.id)).status).toBe("active");

    await runDurableObjectAlarm(stub(wl.id));
    expect((await listed(wl.id, "&status=quarantined"))?.status).toBe("quarantined");
  });

  it("draws a fork whose lineage write failed in /multiverse once the alarm has run, with its edge once", async () => {
    const parent = await createWorldLine();
    const child = await withoutTable("lineage", () => fork(parent.id));
    expect(child.status).toBe(201);
    // D1 takes the row and the edge in one batch: neither is there yet
    expect((await multiverse()).nodes.map((n) => n.id)).not.toContain(child.body.id);
    expect(await edgesOf(child.body.id)).toEqual([]);

    expect(await runDurableObjectAlarm(stub(child.body.id))).toBe(true);
    expect((await multiverse()).nodes.map((n) => n.id)).toContain(child.body.id);
    expect(await edgesOf(child.body.id)).toEqual([
      expect.objectContaining({ from: parent.id, to: child.body.id, kind: "fork", commit: parent.head }),
    ]);
    await mergePatch(child.body.id, { later: true });
    expect(await edgesOf(child.body.id)).toHaveLength(1);
  });

  it("carries a pending catalog write with the next write when no alarm has run", async () => {
    const parent = await createWorldLine({ entities: { a: 1 } });
    const child = (await withoutTable("lineage", () => fork(parent.id))).body;
    await mergePatch(child.id, { b: 1 });
    const merged = await withoutTable("lineage", () =>
      api("POST", `/api/v1/worldlines/${parent.id}/merge`, { body: { source: child.id } }),
    );
    expect(merged.status).toBe(200);
    const next = await mergePatch(child.id, { c: 1 }); // flushes the child's pending fork edge
    await mergePatch(parent.id, { d: 1 }); // flushes the parent's pending merge edge
    expect(await edgesOf(child.id)).toEqual([
      expect.objectContaining({ from: parent.id, to: child.id, kind: "fork" }),
      expect.objectContaining({ from: child.id, to: parent.id, kind: "merge", commit: merged.body.commit }),
    ]);
    expect((await listed(child.id)).head).toBe(next.body.commit);
  });

  it("applies the same outbox twice (a retry after a lost acknowledgement) without a second edge", async () => {
    const parent = await createWorldLine();
    const child = (await fork(parent.id)).body;
    const meta = { ...child, parents: [parent.id] };
    const edge = { fromId: parent.id, toId: child.id, kind: "fork" as const, commit: parent.head, at: child.createdAt };
    const catalog = new Catalog(env.DB);
    await catalog.apply(meta, [edge]);
    await catalog.apply(meta, [edge]);
    expect(await edgesOf(child.id)).toHaveLength(1);
  });
});

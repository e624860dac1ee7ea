// Reads whose cost must not grow with stored data: each is a page, bounded by its limit, and the
// pages together reach everything exactly once.
import { describe, expect, it } from "vitest";
import { api, createWorldLine, jsonPatch, mergePatch } from "../api.js";

/** Every page of a paged GET, following `next` into `cursor`. */
async function pages(path: string, options: { token?: string | null; cursor?: string } = {}) {
  const bodies: any[] = [];
  let cursor: string | null = options.cursor ?? null;
  do {
    const separator = path.includes("?") ? "&" : "?";
    const page = await api("GET", cursor ? `${path}${separator}cursor=${encodeURIComponent(cursor)}` : path, {
      token: options.token,
    });
    expect(page.status).toBe(200);
    bodies.push(page.body);
    cursor = page.body.next;
  } while (cursor !== null && bodies.length < 1000);
  return bodies;
}

const fork = async (id: string, name = "fork") =>
  (await api("POST", `/api/v1/worldlines/${id}/fork`, { body: { name } })).body;
const numbered = (n: number, value = (i: number): unknown => ({ i })) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`e${i}`, value(i)]));

describe("reading state a page at a time", () => {
  it("pages the state with a cursor: every entity exactly once, each page within its limit, the count on every page", async () => {
    const entities = numbered(230);
    const wl = await createWorldLine({ entities });
    const all = await pages(`/api/v1/worldlines/${wl.id}/state?limit=50&at=${wl.head}`);
    expect(all.map((page) => Object.keys(page.entities).length)).toEqual([50, 50, 50, 50, 30]); // was one page of 230
    expect(all.every((page) => page.count === 230 && page.commit === wl.head)).toBe(true);
    const seen = all.flatMap((page) => Object.entries(page.entities));
    expect(seen).toHaveLength(230);
    expect(Object.fromEntries(seen)).toEqual(entities);
  });

  it("keeps paging the commit it started at while the head moves, and refuses a cursor it did not issue", async () => {
    const wl = await createWorldLine({ entities: numbered(120) });
    const first = await api("GET", `/api/v1/worldlines/${wl.id}/state?limit=60`);
    await mergePatch(
      wl.id,
      numbered(120, () => null),
    ); // the head now has no entities at all
    const second = await api(
      "GET",
      `/api/v1/worldlines/${wl.id}/state?limit=60&at=${first.body.commit}&cursor=${first.body.next}`,
    );
    expect(Object.keys({ ...first.body.entities, ...second.body.entities }).sort()).toEqual(
      Object.keys(numbered(120)).sort(),
    );
    expect(second.body.next).toBeNull();
    expect((await api("GET", `/api/v1/worldlines/${wl.id}/state?cursor=not-a-key`)).status).toBe(400);
    expect((await api("GET", `/api/v1/worldlines/${wl.id}/state?limit=501`)).status).toBe(400);
  });
});

describe("diffing a page at a time", () => {
  it("pages the changes between two commits: each exactly once, each page within its limit", async () => {
    const wl = await createWorldLine({ entities: numbered(230) });
    const patch: Record<string, unknown> = {};
    for (let i = 0; i < 60; i++) patch[`e${i}`] = { i, changed: true };
    for (let i = 60; i < 80; i++) patch[`e${i}`] = null;
    for (let i = 0; i < 40; i++) patch[`new${i}`] = { added: i };
    const to = (await mergePatch(wl.id, patch)).body.commit;
    const all = await pages(`/api/v1/worldlines/${wl.id}/diff?from=${wl.head}&to=${to}&limit=25`);
    expect(all.map((page) => page.changes.length)).toEqual([25, 25, 25, 25, 20]); // was one page of 120
    const changes = all.flatMap((page) => page.changes);
    expect(new Set(changes.map((c: { id: string }) => c.id)).size).toBe(120);
    const kinds = changes.reduce(
      (n: Record<string, number>, c: { change: string }) => ({ ...n, [c.change]: (n[c.change] ?? 0) + 1 }),
      {},
    );
    expect(kinds).toEqual({ modified: 60, removed: 20, added: 40 });
    expect(changes.find((c: { id: string }) => c.id === "e3")).toEqual({
      id: "e3",
      change: "modified",
      before: { i: 3 },
      after: { i: 3, changed: true },
    });
  });
});

describe("history a page at a time", () => {
  it("walks each page on from where the last stopped: every commit of a merged history exactly once, children before parents", async () => {
    const base = await createWorldLine({ entities: { n: 0 } });
    for (let i = 1; i <= 12; i++) await mergePatch(base.id, { n: i });
    const [left, right] = [await fork(base.id, "left"), await fork(base.id, "right")];
    for (let i = 0; i < 4; i++) await mergePatch(left.id, { [`left${i}`]: i });
    for (let i = 0; i < 3; i++) await mergePatch(right.id, { [`right${i}`]: i });
    await mergePatch(base.id, { n: 100 });
    await api("POST", `/api/v1/worldlines/${base.id}/merge`, { body: { source: left.id } });
    await api("POST", `/api/v1/worldlines/${base.id}/merge`, { body: { source: right.id } });
    const all = await pages(`/api/v1/worldlines/${base.id}/commits?limit=4`);
    const commits = all.flatMap((page) => page.items) as Array<{ id: string; parents: string[] }>;
    expect(all.every((page) => page.items.length <= 4)).toBe(true);
    expect(commits).toHaveLength(1 + 12 + 4 + 3 + 1 + 2); // create, 12 patches, the forks' 7, one more patch, two merges
    expect(new Set(commits.map((c) => c.id)).size).toBe(commits.length);
    const position = new Map(commits.map((c, i) => [c.id, i]));
    for (const commit of commits)
      for (const parent of commit.parents) expect(position.get(parent)).toBeGreaterThan(position.get(commit.id)!);
    expect(commits[0]!.id).toBe((await api("GET", `/api/v1/worldlines/${base.id}`)).body.head);
  });

  it("answers 400 for a cursor this world line did not issue, and keeps its own valid while the head moves", async () => {
    const wl = await createWorldLine({ entities: { n: 0 } });
    for (let i = 1; i <= 5; i++) await mergePatch(wl.id, { n: i });
    const other = await createWorldLine({ entities: { n: 0 } });
    const first = await api("GET", `/api/v1/worldlines/${wl.id}/commits?limit=2`);
    expect(first.body.next).toMatch(/^[0-9a-f]{64}$/);
    expect((await api("GET", `/api/v1/worldlines/${other.id}/commits?cursor=${first.body.next}`)).body.code).toBe(
      "invalid-cursor",
    );
    expect((await api("GET", `/api/v1/worldlines/${wl.id}/commits?cursor=${"0".repeat(64)}`)).body.code).toBe(
      "invalid-cursor",
    );
    await mergePatch(wl.id, { n: 6 });
    const rest = await pages(`/api/v1/worldlines/${wl.id}/commits?limit=2`, { cursor: first.body.next });
    expect(rest.flatMap((page) => page.items)).toHaveLength(4); // the six commits of the first listing, less its first page
  });
});

describe("the multiverse a page at a time", () => {
  it("pages nodes and edges, each within the limit and each exactly once, and hides private ones from anonymous readers", async () => {
    const open = await createWorldLine({ name: "open", privacy: "full-public" });
    const created = [open.id];
    for (let i = 0; i < 9; i++) created.push((await fork(open.id, `open-${i}`)).id);
    const hidden = await createWorldLine({ name: "hidden", privacy: "private" });
    const hiddenFork = await fork(hidden.id, "hidden-fork");
    await jsonPatch(created[1]!, [{ op: "add", path: "/x", value: 1 }]);
    await api("POST", `/api/v1/worldlines/${open.id}/merge`, { body: { source: created[1] } });
    for (const [token, visible] of [
      [undefined, true],
      [null, false],
    ] as const) {
      const all = await pages("/api/v1/multiverse?limit=3", { token });
      expect(all.every((page) => page.nodes.length <= 3 && page.edges.length <= 3)).toBe(true); // was one page of everything
      const nodes = all.flatMap((page) => page.nodes.map((n: { id: string }) => n.id));
      const edges = all.flatMap((page) => page.edges) as Array<{ from: string; to: string; kind: string }>;
      expect(new Set(nodes).size).toBe(nodes.length);
      expect(created.every((id) => nodes.includes(id))).toBe(true);
      expect(nodes.includes(hidden.id)).toBe(visible);
      expect(edges.filter((e) => e.from === open.id && e.kind === "fork")).toHaveLength(9);
      expect(edges.filter((e) => e.to === open.id && e.kind === "merge")).toEqual([
        expect.objectContaining({ from: created[1] }),
      ]);
      expect(edges.some((e) => e.to === hiddenFork.id)).toBe(visible);
    }
    expect((await api("GET", "/api/v1/multiverse?cursor=bogus")).body.code).toBe("invalid-cursor");
  });
});

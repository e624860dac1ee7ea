import { describe, expect, it } from "vitest";
import { api, createWorldLine, jsonPatch, mergePatch, state } from "../api.js";

const fork = async (id: string, name = "fork") =>
  (await api("POST", `/api/v1/worldlines/${id}/fork`, { body: { name } })).body;
const merge = (target: string, source: string, strategy?: string) =>
  api("POST", `/api/v1/worldlines/${target}/merge`, { body: { source, ...(strategy && { strategy }) } });

describe("patching state", () => {
  it("applies a JSON Patch whose paths point into entities and returns the new commit", async () => {
    const wl = await createWorldLine({ entities: { sun: { mass: 1, name: "Sol" } } });
    const patched = await jsonPatch(wl.id, [
      { op: "replace", path: "/sun/mass", value: 2 },
      { op: "add", path: "/moon", value: { mass: 0.01 } },
    ]);
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ parents: [wl.head], changed: 2 });
    expect(patched.headers.get("etag")).toBe(`"${patched.body.commit}"`);
    expect((await state(wl.id)).entities).toEqual({ sun: { mass: 2, name: "Sol" }, moon: { mass: 0.01 } });
  });

  it("applies a merge patch where null deletes an entity", async () => {
    const wl = await createWorldLine({ entities: { sun: { mass: 1, name: "Sol" }, comet: {} } });
    const patched = await mergePatch(wl.id, { sun: { name: null, spin: 3 }, comet: null });
    expect(patched.status).toBe(200);
    expect((await state(wl.id)).entities).toEqual({ sun: { mass: 1, spin: 3 } });
  });

  it("changes nothing when any operation of a patch fails", async () => {
    const wl = await createWorldLine({ entities: { a: { x: 1 } } });
    const failed = await jsonPatch(wl.id, [
      { op: "replace", path: "/a/x", value: 2 },
      { op: "remove", path: "/missing" },
    ]);
    expect([failed.status, failed.body.code]).toEqual([422, "patch-failed"]);
    const testFailed = await jsonPatch(wl.id, [
      { op: "add", path: "/b", value: 1 },
      { op: "test", path: "/a/x", value: 99 },
    ]);
    expect(testFailed.status).toBe(422);
    const current = await state(wl.id);
    expect(current.commit).toBe(wl.head);
    expect(current.entities).toEqual({ a: { x: 1 } });
  });

  it("refuses patches that would create a bad entity id or a wrongly typed body", async () => {
    const wl = await createWorldLine({ entities: { a: 1 } });
    const badId = await mergePatch(wl.id, { "no spaces": 1 });
    expect([badId.status, badId.body.code]).toEqual([422, "invalid-entity-id"]);
    const notArray = await jsonPatch(wl.id, { op: "add" } as unknown as unknown[]);
    expect([notArray.status, notArray.body.code]).toEqual([400, "validation-failed"]);
    const badOp = await jsonPatch(wl.id, [{ op: "explode", path: "/a" }]);
    expect(badOp.status).toBe(400);
    expect(badOp.body.errors[0].path).toBe("/0/op");
    const wrongType = await api("PATCH", `/api/v1/worldlines/${wl.id}/state`, { body: { a: 2 } });
    expect([wrongType.status, wrongType.body.code]).toEqual([415, "unsupported-media-type"]);
    expect((await state(wl.id)).commit).toBe(wl.head);
  });

  it("answers 422, not 500, for JSON Patch pointers through __proto__, constructor/prototype or without a leading slash, and changes nothing", async () => {
    const wl = await createWorldLine({ entities: { sun: { mass: 1 } } });
    const refused = async (operations: unknown[], code: string, path: string) => {
      const answer = await jsonPatch(wl.id, operations);
      expect([answer.status, answer.body.code, answer.body.errors?.[0]?.path]).toEqual([422, code, path]);
    };
    await refused([{ op: "add", path: "/__proto__/polluted", value: 1 }], "forbidden-key", "/0/path"); // was 500
    await refused(
      [
        { op: "add", path: "/a", value: 1 },
        { op: "add", path: "/sun/__proto__", value: { x: 1 } },
      ],
      "forbidden-key",
      "/1/path",
    );
    await refused([{ op: "copy", from: "/sun/__proto__", path: "/b" }], "forbidden-key", "/0/from");
    await refused([{ op: "add", path: "/sun/constructor/prototype/x", value: 1 }], "forbidden-key", "/0/path"); // was 500
    await refused([{ op: "add", path: "sun", value: 1 }], "patch-failed", "/0/path"); // was 500
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const current = await state(wl.id);
    expect([current.commit, current.entities]).toEqual([wl.head, { sun: { mass: 1 } }]);
  });

  it("refuses __proto__ as an entity id or a field, at any depth, in every body with 422 instead of dropping it", async () => {
    const wl = await createWorldLine({ entities: { sun: { mass: 1 } } });
    // Raw text: JSON.parse makes `__proto__` an own property, which an object literal would not.
    const merge = (text: string) =>
      api("PATCH", `/api/v1/worldlines/${wl.id}/state`, {
        raw: text,
        headers: { "content-type": "application/merge-patch+json" },
      });
    const patch = (text: string) =>
      api("PATCH", `/api/v1/worldlines/${wl.id}/state`, {
        raw: text,
        headers: { "content-type": "application/json-patch+json" },
      });
    const answers = [
      await merge('{"sun": {"__proto__": {"polluted": true}}}'), // was 200 with the field dropped
      await merge('{"__proto__": {"mass": 2}}'), // was 200, changed: 0
      await merge('{"sun": {"rings": [{"__proto__": 1}]}}'),
      await patch('[{"op": "add", "path": "/moon", "value": {"__proto__": {"x": 1}}}]'),
      await api("POST", "/api/v1/worldlines", {
        raw: '{"name": "p", "entities": {"__proto__": {"a": 1}, "b": 2}}',
        headers: { "content-type": "application/json" },
      }), // was 201 without the entity
    ];
    expect(answers.map((a) => [a.status, a.body.code, a.body.errors?.[0]?.path])).toEqual([
      [422, "forbidden-key", "/sun/__proto__"],
      [422, "forbidden-key", "/__proto__"],
      [422, "forbidden-key", "/sun/rings/0/__proto__"],
      [422, "forbidden-key", "/0/value/__proto__"],
      [422, "forbidden-key", "/entities/__proto__"],
    ]);
    const current = await state(wl.id);
    expect([current.commit, current.entities]).toEqual([wl.head, { sun: { mass: 1 } }]);
  });

  it("keeps constructor and prototype as ordinary fields in merge patches and three-way merges", async () => {
    const wl = await createWorldLine({ entities: { sun: { mass: 1 } } });
    expect((await mergePatch(wl.id, { sun: { constructor: { name: "x" }, prototype: 1, toString: "t" } })).status).toBe(
      200,
    );
    expect((await state(wl.id)).entities.sun).toEqual({
      mass: 1,
      constructor: { name: "x" },
      prototype: 1,
      toString: "t",
    });
    const base = await createWorldLine({ entities: { star: { mass: 1 } } });
    const side = (await api("POST", `/api/v1/worldlines/${base.id}/fork`, { body: { name: "side" } })).body;
    await mergePatch(base.id, { star: { constructor: "alice" } });
    await mergePatch(side.id, { star: { mass: 2 } });
    const merged = await api("POST", `/api/v1/worldlines/${base.id}/merge`, { body: { source: side.id } });
    expect(merged.status).toBe(200); // was 500: the side without `constructor` read Object.prototype.constructor
    expect((await state(base.id)).entities.star).toEqual({ mass: 2, constructor: "alice" });
  });

  it("gives optimistic concurrency with If-Match: a stale head gets 412 and changes nothing", async () => {
    const wl = await createWorldLine({ entities: { a: 1 } });
    const first = await mergePatch(wl.id, { a: 2 }, { "if-match": `"${wl.head}"` });
    expect(first.status).toBe(200);
    const stale = await mergePatch(wl.id, { a: 3 }, { "if-match": `"${wl.head}"` });
    expect([stale.status, stale.body.code, stale.body.head]).toEqual([412, "stale-head", first.body.commit]);
    expect((await state(wl.id)).entities).toEqual({ a: 2 });
  });

  it("records author and message in the history, newest first, and pages it", async () => {
    const wl = await createWorldLine({ entities: { n: 0 } });
    for (let i = 1; i <= 3; i++)
      await mergePatch(wl.id, { n: i }, { "x-dm-author": "alice", "x-dm-message": `step ${i}` });
    const first = await api("GET", `/api/v1/worldlines/${wl.id}/commits?limit=2`);
    expect(first.body.items.map((c: { message: string }) => c.message)).toEqual(["step 3", "step 2"]);
    expect(first.body.items[0]).toMatchObject({ author: "alice", parents: [first.body.items[1].id] });
    const second = await api("GET", `/api/v1/worldlines/${wl.id}/commits?limit=2&cursor=${first.body.next}`);
    expect(second.body.items.map((c: { message: string }) => c.message)).toEqual(["step 1", "create"]);
    expect(second.body.next).toBeNull();
  });

  it("reads any earlier commit of the history with ?at= but not a commit of another world line", async () => {
    const wl = await createWorldLine({ entities: { n: 0 } });
    await mergePatch(wl.id, { n: 1 });
    expect((await state(wl.id, wl.head)).entities).toEqual({ n: 0 });
    expect((await api("GET", `/api/v1/worldlines/${wl.id}/entities/n?at=${wl.head}`)).body.value).toBe(0);
    const other = await createWorldLine({ entities: { secret: 1 } });
    const foreign = await api("GET", `/api/v1/worldlines/${wl.id}/state?at=${other.head}`);
    expect([foreign.status, foreign.body.code]).toEqual([404, "unknown-commit"]);
    expect((await api("GET", `/api/v1/worldlines/${wl.id}/state?at=green`)).body.code).toBe("no-green-commit");
    expect((await api("GET", `/api/v1/worldlines/${wl.id}/state?at=nothex`)).status).toBe(400);
  });

  it("diffs two commits entity by entity", async () => {
    const wl = await createWorldLine({ entities: { keep: 1, change: 1, drop: 1 } });
    await mergePatch(wl.id, { change: 2, drop: null, add: 3 });
    const diff = await api("GET", `/api/v1/worldlines/${wl.id}/diff?from=${wl.head}&to=head`);
    expect(diff.body.changes).toEqual([
      { id: "add", change: "added", after: 3 },
      { id: "change", change: "modified", before: 1, after: 2 },
      { id: "drop", change: "removed", before: 1 },
    ]);
  });
});

describe("forks", () => {
  it("reads a fork's whole state although none of its 150 entities is in the fork's own cache yet", async () => {
    const entities = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`e${i}`, { i }]));
    const parent = await createWorldLine({ entities });
    const child = await fork(parent.id);
    const read = await api("GET", `/api/v1/worldlines/${child.id}/state?limit=500`);
    expect(read.status).toBe(200); // was 500: the fork's SQLite cache looked up all 150 hashes in one statement
    expect([read.body.entities, read.body.count, read.body.next]).toEqual([entities, 150, null]);
  });

  it("starts a fork at the parent's head without copying state, and keeps the two isolated", async () => {
    const parent = await createWorldLine({ entities: { shared: 1 } });
    const child = await fork(parent.id);
    expect(child).toMatchObject({ head: parent.head, color: "blue", parents: [parent.id], green: null });
    expect((await state(child.id)).root).toBe((await state(parent.id)).root);
    await mergePatch(child.id, { childOnly: true });
    await mergePatch(parent.id, { parentOnly: true });
    expect((await state(parent.id)).entities).toEqual({ shared: 1, parentOnly: true });
    expect((await state(child.id)).entities).toEqual({ shared: 1, childOnly: true });
    const history = (await api("GET", `/api/v1/worldlines/${child.id}/commits`)).body.items;
    expect(history.map((c: { id: string }) => c.id)).toContain(parent.head);
  });

  it("draws fork and merge edges in the multiverse graph", async () => {
    const parent = await createWorldLine({ entities: { a: 1 } });
    const child = await fork(parent.id);
    await mergePatch(child.id, { b: 1 });
    const merged = await merge(parent.id, child.id);
    const graph = (await api("GET", "/api/v1/multiverse")).body;
    const edges = graph.edges.filter((e: { from: string; to: string }) => [e.from, e.to].includes(child.id));
    expect(edges).toEqual([
      expect.objectContaining({ from: parent.id, to: child.id, kind: "fork", commit: parent.head }),
      expect.objectContaining({ from: child.id, to: parent.id, kind: "merge", commit: merged.body.commit }),
    ]);
    expect(graph.nodes.find((n: { id: string }) => n.id === child.id)).toMatchObject({
      color: "blue",
      status: "active",
    });
  });
});

describe("merges", () => {
  it("merges non-conflicting changes from both sides, down to fields within one entity, in a two-parent commit", async () => {
    const base = await createWorldLine({ entities: { sun: { mass: 1, spin: 1 }, earth: { mass: 1 } } });
    const other = await fork(base.id);
    const ours = await mergePatch(base.id, { sun: { mass: 2 }, venus: { mass: 0.8 } });
    const theirs = await mergePatch(other.id, { sun: { spin: 5 }, earth: null });
    const merged = await merge(base.id, other.id);
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({
      merged: true,
      parents: [ours.body.commit, theirs.body.commit],
      base: base.head,
    });
    expect((await state(base.id)).entities).toEqual({ sun: { mass: 2, spin: 5 }, venus: { mass: 0.8 } });
    const head = (await api("GET", `/api/v1/worldlines/${base.id}/commits?limit=1`)).body.items[0];
    expect(head.parents).toHaveLength(2);
  });

  it("refuses a conflicting merge with 409, lists every conflict and leaves the head where it was", async () => {
    const base = await createWorldLine({ entities: { sun: { mass: 1 }, moon: { r: 1 } } });
    const other = await fork(base.id);
    const ours = await mergePatch(base.id, { sun: { mass: 2 }, moon: null });
    await mergePatch(other.id, { sun: { mass: 3 }, moon: { r: 2 } });
    const refused = await merge(base.id, other.id);
    expect([refused.status, refused.contentType, refused.body.code]).toEqual([
      409,
      "application/problem+json",
      "merge-conflict",
    ]);
    expect(refused.body.conflicts).toEqual([
      { path: "/moon", base: { r: 1 }, theirs: { r: 2 } },
      { path: "/sun/mass", base: 1, ours: 2, theirs: 3 },
    ]);
    expect((await state(base.id)).commit).toBe(ours.body.commit);
  });

  it("resolves conflicts with the ours and theirs strategies and reports what it resolved", async () => {
    const base = await createWorldLine({ entities: { sun: { mass: 1 } } });
    const a = await fork(base.id);
    const b = await fork(base.id);
    for (const side of [a, b]) await mergePatch(side.id, { sun: { mass: side === a ? 2 : 3 } });
    const asOurs = await merge(a.id, b.id, "ours");
    expect(asOurs.body.resolved).toEqual([{ path: "/sun/mass", base: 1, ours: 2, theirs: 3 }]);
    expect((await state(a.id)).entities.sun.mass).toBe(2);
    const c = await fork(base.id);
    await mergePatch(c.id, { sun: { mass: 4 } });
    await merge(c.id, b.id, "theirs");
    expect((await state(c.id)).entities.sun.mass).toBe(3);
  });

  it("answers merged: false when the source has nothing new, and refuses merging into itself or from unknown ids", async () => {
    const base = await createWorldLine({ entities: { a: 1 } });
    const child = await fork(base.id);
    const nothing = await merge(child.id, base.id);
    expect(nothing.body).toMatchObject({ merged: false, commit: base.head });
    expect((await merge(base.id, base.id)).body.code).toBe("merge-into-self");
    expect((await merge(base.id, "wl_0000000000000000000000000z")).status).toBe(404);
    expect(
      (await api("POST", `/api/v1/worldlines/${base.id}/merge`, { body: { source: base.id, strategy: "mine" } })).body
        .errors[0].path,
    ).toBe("/strategy");
  });
});

describe("termination", () => {
  it("keeps history readable after termination while every write answers 410 and changes nothing", async () => {
    const wl = await createWorldLine({ entities: { a: 1 } });
    const other = await createWorldLine({ entities: { b: 1 } });
    const terminated = await api("DELETE", `/api/v1/worldlines/${wl.id}`);
    expect([terminated.status, terminated.body.status]).toEqual([200, "terminated"]);
    for (const write of [
      () => mergePatch(wl.id, { a: 2 }),
      () => merge(wl.id, other.id),
      () => api("DELETE", `/api/v1/worldlines/${wl.id}`),
    ]) {
      const response = await write();
      expect([response.status, response.body.code]).toEqual([410, "worldline-terminated"]);
    }
    expect((await state(wl.id)).entities).toEqual({ a: 1 });
    expect((await api("GET", `/api/v1/worldlines/${wl.id}/commits`)).body.items).toHaveLength(1);
  });
});

describe("the HTTP surface", () => {
  it("serves /healthz, OpenAPI 3.1 generated from the schemas, and readable docs", async () => {
    expect((await api("GET", "/healthz")).body).toMatchObject({ ok: true });
    const doc = (await api("GET", "/api/openapi.json")).body;
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/api/v1/worldlines", "/api/v1/worldlines/{id}/merge", "/api/v1/multiverse"]),
    );
    expect(doc.components.schemas.WorldLine.properties.privacy.enum).toContain("p2p");
    expect(Object.keys(doc.paths["/api/v1/worldlines/{id}/state"].patch.requestBody.content)).toEqual([
      "application/json-patch+json",
      "application/merge-patch+json",
    ]);
    const docs = await api("GET", "/api/docs");
    expect(docs.contentType).toContain("text/html");
    expect(docs.body).toContain("/api/v1/worldlines/{id}/fork");
  });

  it("answers unknown routes with 404 problem+json, never HTML", async () => {
    for (const path of ["/api/v1/nothing", "/nothing-here", "/api/v2/worldlines"]) {
      const response = await api("GET", path);
      expect(response.status).toBe(404);
      expect(response.contentType).toBe("application/problem+json");
      expect(response.body.code).toBe("no-route");
    }
  });
});

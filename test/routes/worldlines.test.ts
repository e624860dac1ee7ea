import { describe, expect, it } from "vitest";
import { exports } from "cloudflare:workers";
import { api, createWorldLine, jsonPatch, mergePatch, state } from "../api.js";

describe("creating and reading world lines", () => {
  it("creates a blue, active, private world line with its entities at a content-addressed head", async () => {
    const created = await api("POST", "/api/v1/worldlines", {
      body: { name: "orbit", entities: { sun: { mass: 1 }, earth: { mass: 0.000003 } } },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: "orbit",
      color: "blue",
      status: "active",
      privacy: "private",
      green: null,
      parents: [],
    });
    expect(created.body.id).toMatch(/^wl_[0-9a-z]{26}$/);
    expect(created.body.head).toMatch(/^[0-9a-f]{64}$/);
    expect(created.headers.get("location")).toBe(`/api/v1/worldlines/${created.body.id}`);
    const read = await state(created.body.id);
    expect(read.commit).toBe(created.body.head);
    expect(read.entities).toEqual({ sun: { mass: 1 }, earth: { mass: 0.000003 } });
    const one = await api("GET", `/api/v1/worldlines/${created.body.id}/entities/sun`);
    expect(one.body).toEqual({ commit: created.body.head, id: "sun", value: { mass: 1 } });
  });

  it("gives the same state root for the same entities whatever order they were written in", async () => {
    const a = await createWorldLine({ entities: { a: 1, b: 2, c: 3 } });
    const b = await createWorldLine({ entities: { c: 3 } });
    await mergePatch(b.id, { a: 1 });
    await mergePatch(b.id, { b: 2 });
    expect((await state(b.id)).root).toBe((await state(a.id)).root);
  });

  it("answers 404 problem+json for unknown world lines, malformed ids and unknown entities", async () => {
    const wl = await createWorldLine({ entities: { a: 1 } });
    for (const path of [
      "/api/v1/worldlines/wl_0000000000000000000000000a",
      "/api/v1/worldlines/nope",
      `/api/v1/worldlines/${wl.id}/entities/missing`,
    ]) {
      const response = await api("GET", path);
      expect(response.status).toBe(404);
      expect(response.contentType).toBe("application/problem+json");
      expect(response.body.detail).toBeTruthy();
    }
  });

  it("refuses bodies that break the schema with the fields at fault and creates nothing", async () => {
    const before = await api("GET", "/api/v1/worldlines?limit=500");
    const cases: Array<[unknown, string]> = [
      [{ name: 42 }, "/name"],
      [{ name: "" }, "/name"],
      [{ name: "x".repeat(129) }, "/name"],
      [{ name: "ok", privacy: "secret" }, "/privacy"],
      [{ name: "ok", entities: { "bad id!": 1 } }, "/entities/bad id!"],
      [{ name: "ok", entities: { ["x".repeat(257)]: 1 } }, "/entities/" + "x".repeat(257)],
    ];
    for (const [body, path] of cases) {
      const response = await api("POST", "/api/v1/worldlines", { body });
      expect(response.status).toBe(400);
      expect(response.contentType).toBe("application/problem+json");
      expect(response.body.code).toBe("validation-failed");
      expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    const after = await api("GET", "/api/v1/worldlines?limit=500");
    expect(after.body.items.length).toBe(before.body.items.length);
  });

  it("refuses malformed JSON, non-JSON bodies, over-deep JSON and an entity over 1 MiB", async () => {
    const malformed = await api("POST", "/api/v1/worldlines", {
      raw: "{name:",
      headers: { "content-type": "application/json" },
    });
    expect([malformed.status, malformed.body.code]).toEqual([400, "invalid-json"]);
    const text = await api("POST", "/api/v1/worldlines", { raw: "name=x", headers: { "content-type": "text/plain" } });
    expect([text.status, text.body.code]).toEqual([415, "unsupported-media-type"]);
    let deep: unknown = 1;
    for (let i = 0; i < 70; i++) deep = { d: deep };
    const tooDeep = await api("POST", "/api/v1/worldlines", { body: { name: "deep", entities: { x: deep } } });
    expect([tooDeep.status, tooDeep.body.code]).toEqual([400, "json-too-deep"]);
    const big = await api("POST", "/api/v1/worldlines", {
      body: { name: "big", entities: { blob: "x".repeat(1024 * 1024) } },
    });
    expect([big.status, big.body.code]).toEqual([413, "entity-too-large"]);
  });

  it("answers 413 for a body over 8 MiB before reading it into any world line", async () => {
    const response = await api("POST", "/api/v1/worldlines", {
      raw: JSON.stringify({ name: "huge", entities: { a: "x".repeat(8 * 1024 * 1024) } }),
      headers: { "content-type": "application/json" },
    });
    expect(response.status).toBe(413);
    expect(response.body.code).toBe("body-too-large");
  });
});

describe("operator token and privacy", () => {
  it("answers 401 without a token and 403 with a wrong one, and writes nothing", async () => {
    const wl = await createWorldLine({ entities: { a: 1 } });
    const missing = await mergePatch(wl.id, { a: 2 }, {});
    expect(missing.status).toBe(200); // sanity: the helper sends the operator token
    const noToken = await api("PATCH", `/api/v1/worldlines/${wl.id}/state`, {
      raw: '{"a":3}',
      token: null,
      headers: { "content-type": "application/merge-patch+json" },
    });
    expect([noToken.status, noToken.body.code]).toEqual([401, "unauthorized"]);
    expect(noToken.headers.get("www-authenticate")).toContain("Bearer");
    const wrong = await api("POST", "/api/v1/worldlines", { body: { name: "x" }, token: "wrong" });
    expect([wrong.status, wrong.body.code]).toEqual([403, "forbidden"]);
    expect((await state(wl.id)).entities).toEqual({ a: 2 });
  });

  it("refuses a call without the operator token before reading its body, however large or malformed", async () => {
    const junk = "{" + "x".repeat(8 * 1024 * 1024 - 2); // just under the 8 MiB limit, and not JSON
    const anonymous = await api("POST", "/api/v1/worldlines", {
      raw: junk,
      token: null,
      headers: { "content-type": "application/json" },
    });
    expect([anonymous.status, anonymous.body.code]).toEqual([401, "unauthorized"]); // was 400 invalid-json: the body was parsed first
    const wrong = await api("POST", "/api/v1/worldlines", {
      raw: junk,
      token: "wrong",
      headers: { "content-type": "application/json" },
    });
    expect([wrong.status, wrong.body.code]).toEqual([403, "forbidden"]);
    const oversized = await api("POST", "/api/v1/worldlines", {
      raw: junk + "x".repeat(1024),
      token: null,
      headers: { "content-type": "application/json" },
    });
    expect([oversized.status, oversized.body.code]).toEqual([401, "unauthorized"]); // was 413
    // A streamed body (no Content-Length) of 64 MiB: refused having read at most what the transport buffers.
    let pulled = 0;
    const chunk = new Uint8Array(64 * 1024).fill(0x78);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= 64 * 1024 * 1024) return controller.close();
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const streamed = await (exports as any).default.fetch(
      new Request("http://localhost/api/v1/worldlines", {
        method: "POST",
        body,
        headers: { "content-type": "application/json" },
        duplex: "half",
      } as RequestInit),
    );
    expect(streamed.status).toBe(401);
    await streamed.body?.cancel();
    expect(pulled).toBeLessThan(8 * 1024 * 1024);
  });

  it("hides private world lines from anonymous readers with 404 and lists only public ones", async () => {
    const secret = await createWorldLine({ name: "secret", privacy: "p2p" });
    const open = await createWorldLine({ name: "open", privacy: "public-network" });
    expect((await api("GET", `/api/v1/worldlines/${secret.id}`, { token: null })).status).toBe(404);
    expect((await api("GET", `/api/v1/worldlines/${secret.id}/state`, { token: null })).status).toBe(404);
    expect((await api("GET", `/api/v1/worldlines/${open.id}/state`, { token: null })).status).toBe(200);
    const listed = (await api("GET", "/api/v1/worldlines?limit=500", { token: null })).body.items.map(
      (w: { id: string }) => w.id,
    );
    expect(listed).toContain(open.id);
    expect(listed).not.toContain(secret.id);
    const graph = (await api("GET", "/api/v1/multiverse", { token: null })).body;
    expect(graph.nodes.map((n: { id: string }) => n.id)).not.toContain(secret.id);
  });

  it("lets a fork keep or tighten its parent's privacy but never loosen it", async () => {
    const parent = await createWorldLine({ privacy: "p2p" });
    const inherited = await api("POST", `/api/v1/worldlines/${parent.id}/fork`, { body: { name: "child" } });
    expect(inherited.body.privacy).toBe("p2p");
    const stricter = await api("POST", `/api/v1/worldlines/${parent.id}/fork`, {
      body: { name: "child", privacy: "private" },
    });
    expect(stricter.body.privacy).toBe("private");
    const looser = await api("POST", `/api/v1/worldlines/${parent.id}/fork`, {
      body: { name: "child", privacy: "full-public" },
    });
    expect([looser.status, looser.body.code]).toEqual([422, "privacy-looser-than-parent"]);
  });
});

describe("listing", () => {
  it("pages newest first with a cursor and filters by status", async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await createWorldLine({ name: `page-${i}` })).id);
    await api("DELETE", `/api/v1/worldlines/${made[1]}`);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await api("GET", `/api/v1/worldlines?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((w: { id: string }) => w.id));
      cursor = page.body.next;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    const mine = seen.filter((id) => made.includes(id));
    expect(mine).toEqual([...made].reverse());
    const terminated = (await api("GET", "/api/v1/worldlines?status=terminated&limit=500")).body.items.map(
      (w: { id: string }) => w.id,
    );
    expect(terminated).toContain(made[1]);
    expect(terminated).not.toContain(made[0]);
    expect((await api("GET", "/api/v1/worldlines?cursor=garbage")).status).toBe(400);
    expect((await api("GET", "/api/v1/worldlines?limit=0")).body.errors[0]).toMatchObject({
      in: "query",
      path: "/limit",
    });
  });
});

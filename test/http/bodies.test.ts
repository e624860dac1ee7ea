// The one body reader of /api/v1 (src/http/body.ts), on what the fuzzing of every route found
// (issue 12): a body that claims to be JSON but is empty, and JSON text holding a lone surrogate
// (`"\ud800"`, legal JSON syntax with no UTF-8 form), each answered 400 before any route runs.
import { describe, expect, it } from "vitest";
import { readLimited } from "../../src/http/body.js";
import { api, createWorldLine, state } from "../api.js";

const problem = (call: { status: number; contentType: string; body: any }) => [
  call.status,
  call.contentType,
  call.body.code,
];

describe("the body reader", () => {
  it("answers an empty body sent as JSON with 400 invalid-json, also on a route that reads its body itself, and changes nothing", async () => {
    const wl = await createWorldLine({ entities: { a: 1 } });
    for (const type of ["application/merge-patch+json", "application/json-patch+json"]) {
      const refused = await api("PATCH", `/api/v1/worldlines/${wl.id}/state`, {
        raw: "",
        headers: { "content-type": type },
      });
      expect(problem(refused), type).toEqual([400, "application/problem+json", "invalid-json"]); // was a 500: JSON.parse("")
    }
    expect(
      problem(
        await api("POST", "/api/v1/worldlines", {
          raw: "",
          headers: { "content-type": "application/json; charset=utf-8" },
        }),
      ),
    ).toEqual([400, "application/problem+json", "invalid-json"]);
    expect((await state(wl.id)).commit).toBe(wl.head);
  });

  it("still takes no body at all where the body is optional", async () => {
    const created = await api("POST", "/api/v1/tasks", { body: { kind: "route-failing", title: "no body needed" } });
    const approved = await api("POST", `/api/v1/tasks/${created.body.id}/approve`);
    expect([approved.status, approved.body.status]).toEqual([200, "approved"]);
  });

  it("answers a lone surrogate in any string of a body with 400 invalid-unicode naming where it is, and creates nothing", async () => {
    const before = (await api("GET", "/api/v1/worldlines?limit=500")).body.items.length;
    const cases: Array<[string, string, string]> = [
      ["/api/v1/worldlines", '{"name":"lonely","message":"a\\ud800"}', "/message"], // was a 500: canonicalize throws in the WorldLine DO
      ["/api/v1/worldlines", '{"name":"lonely","entities":{"e":{"deep":["x","\\udfff"]}}}', "/entities/e/deep/1"],
      ["/api/v1/worldlines", '{"name":"lonely","entities":{"e":{"\\ud83d":1}}}', "/entities/e/\ud83d"],
      ["/api/v1/spores", '{"name":"lonely","entities":{"e":{"v":"\\udc00x"}}}', "/entities/e/v"],
    ];
    for (const [path, raw, pointer] of cases) {
      const refused = await api("POST", path, { raw, headers: { "content-type": "application/json" } });
      expect(problem(refused), raw).toEqual([400, "application/problem+json", "invalid-unicode"]);
      expect(refused.body.errors, raw).toEqual([{ in: "body", path: pointer, message: "lone surrogate" }]);
    }
    expect((await api("GET", "/api/v1/worldlines?limit=500")).body.items.length).toBe(before);
    // a well-formed surrogate pair is just a character
    const paired = await api("POST", "/api/v1/worldlines", {
      raw: '{"name":"paired","message":"\\ud83d\\ude00"}',
      headers: { "content-type": "application/json" },
    });
    expect(paired.status).toBe(201);
  });
});

// readLimited: a declared Content-Length within the limit is read at once; a body without one is
// read in chunks and cut off as soon as it passes the limit; either way no more than the limit.
const streamOf = (chunks: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });

const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  new Request("http://localhost/", { method: "POST", body, headers });

describe("readLimited", () => {
  it("reads a body with a declared length within the limit, multi-byte text included", async () => {
    expect(await readLimited(post("héllo → wörld"), 64)).toBe("héllo → wörld");
    expect(await readLimited(post(""), 64)).toBe("");
  });

  it("refuses a body whose UTF-8 bytes pass the limit though its characters do not", async () => {
    const arrows = "→".repeat(30); // 30 characters, 90 bytes
    expect(await readLimited(post(arrows), 89)).toBeNull();
    expect(await readLimited(post(arrows), 90)).toBe(arrows);
  });

  it("reads a streamed body (no Content-Length) in chunks, and stops past the limit", async () => {
    expect(await readLimited(post(streamOf(["ab", "cd", "ef"])), 6)).toBe("abcdef");
    expect(await readLimited(post(streamOf(["ab", "cd", "ef"])), 5)).toBeNull();
  });

  it("answers an empty string for a request without a body", async () => {
    expect(await readLimited(new Request("http://localhost/"), 10)).toBe("");
  });
});

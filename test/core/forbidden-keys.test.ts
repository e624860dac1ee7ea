import { describe, expect, it } from "vitest";
import type { Json } from "../../src/core/canonical-json.js";
import { applyJsonPatch, applyMergePatch, checkEntity } from "../../src/core/entity-patch.js";
import { forbiddenKeyPath } from "../../src/core/forbidden-keys.js";
import { mergePatch } from "../../src/core/merge-patch.js";
import { DomainError } from "../../src/core/problem.js";
import { mergeValue } from "../../src/core/worldline-merge.js";

// JSON.parse makes `__proto__` an own property, as a request body or a stored object would have it.
const parsed = (text: string) => JSON.parse(text) as Json;
const problemOf = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    if (error instanceof DomainError)
      return {
        status: error.status,
        code: error.code,
        path: error.fields.errors?.[0]?.path,
        in: error.fields.errors?.[0]?.in,
      };
    throw error;
  }
  return null;
};
const noLoad = async () => new Map<string, Json>();

describe("keys JavaScript would not keep as data", () => {
  it("finds __proto__ at any depth, as a JSON Pointer with escaped tokens", () => {
    expect(forbiddenKeyPath(parsed('{"a": [1, {"b/c": {"__proto__": 1}}]}'))).toBe("/a/1/b~1c/__proto__");
    expect(forbiddenKeyPath(parsed('{"a": {"constructor": {"prototype": 1}}, "b": "__proto__"}'))).toBeNull();
    expect(forbiddenKeyPath({ __proto__: { x: 1 } })).toBeNull(); // an object literal sets the prototype: nothing to find
  });

  it("refuses __proto__ in a merge patch instead of dropping it, and reads only own fields of the target", () => {
    expect(problemOf(() => mergePatch({ a: 1 }, parsed('{"b": {"__proto__": {"x": 1}}}')))).toEqual({
      status: 422,
      code: "forbidden-key",
      path: "/b/__proto__",
      in: "body",
    });
    expect(mergePatch({ a: 1 }, parsed('{"constructor": {"name": "x"}, "toString": 1}'))).toEqual({
      a: 1,
      constructor: { name: "x" },
      toString: 1,
    });
    expect(mergePatch(parsed('{"__proto__": 1}'), { a: 1 })).toEqual(parsed('{"__proto__": 1, "a": 1}')); // stored data is kept as it is
  });

  it("refuses __proto__ as an entity id and inside an entity value", () => {
    expect(problemOf(() => checkEntity("__proto__", 1))).toMatchObject({
      status: 422,
      code: "forbidden-key",
      path: "/entities/__proto__",
    });
    expect(problemOf(() => checkEntity("sun", parsed('{"rings": [{"__proto__": {}}]}')))).toMatchObject({
      status: 422,
      code: "forbidden-key",
      path: "/entities/sun/rings/0/__proto__",
    });
    expect(problemOf(() => checkEntity("constructor", { prototype: 1 }))).toBeNull();
  });

  it("refuses patches with __proto__ before loading anything", async () => {
    await expect(applyMergePatch(parsed('{"__proto__": {"a": 1}}'), noLoad)).rejects.toMatchObject({
      status: 422,
      code: "forbidden-key",
    });
    await expect(applyJsonPatch([{ op: "add", path: "/a/__proto__/x", value: 1 }], noLoad)).rejects.toMatchObject({
      status: 422,
      code: "forbidden-key",
    });
    await expect(
      applyJsonPatch([{ op: "add", path: "/a/constructor/prototype", value: 1 }], noLoad),
    ).rejects.toMatchObject({ status: 422, code: "forbidden-key" });
    await expect(
      applyJsonPatch(parsed('[{"op": "add", "path": "/a", "value": {"__proto__": 1}}]') as never, noLoad),
    ).rejects.toMatchObject({ status: 422, code: "forbidden-key" });
    expect(await applyJsonPatch([{ op: "add", path: "/constructor", value: { prototype: 1 } }], noLoad)).toEqual(
      new Map([["constructor", { prototype: 1 }]]),
    );
  });

  it("refuses a move or copy from a name the entities only inherit (fuzz seed -1647023602 found a 500)", async () => {
    const load = async () => new Map([["a", { x: 1 }]]);
    for (const operation of [
      { op: "move", from: "/constructor", path: "/b" },
      { op: "copy", from: "/a/toString", path: "/a/y" },
    ] as const)
      await expect(applyJsonPatch([operation], load), operation.from).rejects.toMatchObject({
        status: 422,
        code: "patch-failed",
      });
  });

  it("refuses to three-way merge stored values that hold __proto__, and merges constructor as a field", () => {
    const legacy = parsed('{"m": 1, "__proto__": {"x": 1}}');
    expect(problemOf(() => mergeValue("/sun", { m: 1 }, legacy, { m: 2 }, "three-way"))).toEqual({
      status: 422,
      code: "forbidden-key",
      path: "/sun/__proto__",
      in: "state",
    });
    expect(mergeValue("/sun", { m: 1 }, { m: 1, constructor: "alice" }, { m: 2 }, "three-way")).toEqual({
      value: { m: 2, constructor: "alice" },
      conflicts: [],
    });
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Json } from "../../src/core/canonical-json.js";
import { hashJson } from "../../src/core/hash.js";
import { MemoryObjectStore, ObjectReader } from "../../src/core/object-store.js";
import { applyChanges, buildTree, diffTrees, listEntries } from "../../src/core/state-tree.js";
import type { DomainError } from "../../src/core/problem.js";
import {
  checkMergeConflicts,
  checkMergeSource,
  mergeCommitOf,
  mergeEntities,
  mergeValue,
  resolvedConflicts,
} from "../../src/core/worldline-merge.js";
import type { Privacy } from "../../src/schemas/worldline.js";

type Entities = Record<string, Json>;

async function threeWay(
  base: Entities,
  ours: Entities,
  theirs: Entities,
  strategy: "three-way" | "ours" | "theirs" = "three-way",
) {
  const store = new MemoryObjectStore();
  const reader = new ObjectReader(store);
  const tree = (entities: Entities) =>
    buildTree(
      reader,
      Object.entries(entities).map(([id, v]) => {
        const h = hashJson(v);
        reader.stage(h, v);
        return [id, h] as [string, string];
      }),
    );
  const [b, o, t] = [tree(base), tree(ours), tree(theirs)];
  const result = await mergeEntities(
    await diffTrees(reader, b, o),
    await diffTrees(reader, b, t),
    async (hashes) => new Map(await Promise.all(hashes.map(async (h) => [h, await reader.load(h)] as const))),
    strategy,
  );
  for (const [h, v] of result.newValues) reader.stage(h, v);
  const merged = await applyChanges(reader, o, result.changes);
  const entries = await listEntries(reader, merged);
  const entities: Entities = {};
  for (const [id, h] of entries) entities[id] = await reader.load(h);
  return { entities, conflicts: result.conflicts };
}

// Edits on disjoint entity id ranges: ours touch "o*" and shared fields "f.o*", theirs "t*" and "f.t*".
const edits = (prefix: string) =>
  fc.dictionary(
    fc.constantFrom(...Array.from({ length: 8 }, (_, i) => `${prefix}${i}`)),
    fc.option(fc.integer(), { nil: null }),
    { maxKeys: 8 },
  );

describe("three-way merge", () => {
  it("keeps every non-conflicting edit from both sides (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        edits("o"),
        edits("t"),
        edits("o"),
        edits("t"),
        async (ourEntities, theirEntities, ourFields, theirFields) => {
          const base: Entities = { o0: 0, o1: 1, t0: 0, t1: 1, shared: { o0: 0, t0: 0, keep: true } };
          const apply = (
            start: Entities,
            changes: Record<string, number | null>,
            fields: Record<string, number | null>,
          ) => {
            const next: Entities = structuredClone(start);
            for (const [id, v] of Object.entries(changes))
              if (v === null) delete next[id];
              else next[id] = v;
            const shared = next.shared as Record<string, Json>;
            for (const [k, v] of Object.entries(fields))
              if (v === null) delete shared[k];
              else shared[k] = v;
            return next;
          };
          const ours = apply(base, ourEntities, ourFields);
          const theirs = apply(base, theirEntities, theirFields);
          const { entities, conflicts } = await threeWay(base, ours, theirs);
          expect(conflicts).toEqual([]);
          // Expected: base with both sides' edits applied.
          expect(entities).toEqual(apply(apply(base, ourEntities, ourFields), theirEntities, theirFields));
        },
      ),
      { numRuns: 80 },
    );
  });

  it("reports every conflicting edit and only those (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.constantFrom("a", "b", "c", "d", "e", "f"), { maxLength: 6 }),
        fc.integer({ min: 1, max: 100 }),
        async (clashing, offset) => {
          const base: Entities = { a: { v: 0 }, b: { v: 0 }, c: { v: 0 }, d: { v: 0 }, e: { v: 0 }, f: { v: 0 } };
          const ours = structuredClone(base);
          const theirs = structuredClone(base);
          for (const id of clashing) {
            (ours[id] as { v: number }).v = offset;
            (theirs[id] as { v: number }).v = -offset;
          }
          (theirs.extra as Json) = 1;
          const { conflicts } = await threeWay(base, ours, theirs);
          expect(conflicts.map((c) => c.path).sort()).toEqual(clashing.map((id) => `/${id}/v`).sort());
          for (const conflict of conflicts) expect(conflict).toMatchObject({ base: 0, ours: offset, theirs: -offset });
        },
      ),
      { numRuns: 60 },
    );
  });

  it("treats an edit against a deletion as a conflict with the missing side left out", () => {
    expect(mergeValue("/x", { a: 1 }, undefined, { a: 2 }, "three-way").conflicts).toEqual([
      { path: "/x", base: { a: 1 }, theirs: { a: 2 } },
    ]);
  });

  it("takes identical changes on both sides without a conflict", async () => {
    const { entities, conflicts } = await threeWay({ a: 1 }, { a: 2, b: 1 }, { a: 2, b: 1 });
    expect(conflicts).toEqual([]);
    expect(entities).toEqual({ a: 2, b: 1 });
  });

  it("escapes entity ids and field names in conflict paths as JSON Pointers", () => {
    const { conflicts } = mergeValue("/a~1b", { "x/y": 0 }, { "x/y": 1 }, { "x/y": 2 }, "three-way");
    expect(conflicts[0]!.path).toBe("/a~1b/x~1y");
  });

  it("settles conflicts by side with the ours and theirs strategies", async () => {
    expect((await threeWay({ a: 0 }, { a: 1 }, { a: 2 }, "ours")).entities).toEqual({ a: 1 });
    expect((await threeWay({ a: 0 }, { a: 1 }, { a: 2 }, "theirs")).entities).toEqual({ a: 2 });
  });
});

describe("merge rules", () => {
  const side = (id: string, privacy: Privacy) => ({ id, privacy });
  const codeOf = (work: () => unknown) => {
    try {
      work();
      return null;
    } catch (error) {
      return [(error as DomainError).status, (error as DomainError).code];
    }
  };

  it("refuses a merge into itself and a stricter source unless squashed", () => {
    expect(codeOf(() => checkMergeSource(side("a", "p2p"), side("a", "p2p"), true))).toEqual([422, "merge-into-self"]);
    expect(codeOf(() => checkMergeSource(side("a", "full-public"), side("b", "private"), false))).toEqual([
      422,
      "privacy-stricter-source",
    ]);
    expect(codeOf(() => checkMergeSource(side("a", "full-public"), side("b", "private"), true))).toBeNull();
    expect(codeOf(() => checkMergeSource(side("a", "private"), side("b", "full-public"), false))).toBeNull();
    expect(codeOf(() => checkMergeSource(side("a", "p2p"), side("b", "p2p"), false))).toBeNull();
  });

  it("a three-way merge with conflicts merges nothing; ours and theirs settle them and report them", () => {
    const conflicts = [{ path: "/x", base: 1, ours: 2, theirs: 3 }];
    expect(codeOf(() => checkMergeConflicts("three-way", conflicts))).toEqual([409, "merge-conflict"]);
    expect(codeOf(() => checkMergeConflicts("three-way", []))).toBeNull();
    expect(codeOf(() => checkMergeConflicts("ours", conflicts))).toBeNull();
    expect(resolvedConflicts("three-way", [])).toEqual([]);
    expect(resolvedConflicts("theirs", conflicts)).toEqual(conflicts);
  });

  it("a plain merge links the source's head; a squash has one parent and does not name the source", () => {
    const source = { id: "wl_hidden", head: "s" };
    expect(mergeCommitOf({ head: "h", source, squash: false })).toEqual({
      parents: ["h", "s"],
      message: "merge wl_hidden",
    });
    expect(mergeCommitOf({ head: "h", source, squash: true })).toEqual({ parents: ["h"], message: "squash merge" });
    expect(mergeCommitOf({ head: "h", source, squash: true, message: "mine" }).message).toBe("mine");
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hashJson } from "../../src/core/hash.js";
import { MemoryObjectStore, ObjectReader } from "../../src/core/object-store.js";
import {
  applyChanges,
  BUCKET,
  buildTree,
  diffTrees,
  EMPTY_ROOT,
  findEntity,
  listEntries,
  type EntityChange,
} from "../../src/core/state-tree.js";

const entries = (map: Record<string, number>) =>
  Object.entries(map).map(([id, v]) => [id, hashJson(v)] as [string, string]);

/** A store that counts what is read, to check that work follows the change, not the state. */
class CountingStore extends MemoryObjectStore {
  reads = 0;
  override async getMany(hashes: readonly string[]) {
    this.reads += hashes.length;
    return super.getMany(hashes);
  }
}

async function fresh(map: Record<string, number>) {
  const store = new CountingStore();
  const reader = new ObjectReader(store);
  const root = buildTree(reader, entries(map));
  await store.putMany(reader.staged);
  store.reads = 0;
  return { store, root };
}

const entitySets = fc.dictionary(fc.stringMatching(/^[a-z0-9]{1,6}$/), fc.integer(), { maxKeys: 200 });

describe("state tree", () => {
  it("gives the same root for the same entity set whatever order it was built or edited in", async () => {
    await fc.assert(
      fc.asyncProperty(entitySets, fc.integer(), async (map, seed) => {
        const direct = buildTree(new ObjectReader(new MemoryObjectStore()), entries(map));
        // Build incrementally, in a shuffled order, through an intermediate over-full state.
        const store = new MemoryObjectStore();
        const reader = new ObjectReader(store);
        let root = EMPTY_ROOT;
        reader.stage(EMPTY_ROOT, { leaf: [] });
        const shuffled = entries(map).sort((a, b) => (hashJson([a[0], seed]) < hashJson([b[0], seed]) ? -1 : 1));
        const extra: EntityChange[] = Array.from({ length: 40 }, (_, i) => ({
          id: `zz-extra-${i}`,
          valueHash: hashJson(i),
        }));
        root = await applyChanges(reader, root, extra);
        for (let i = 0; i < shuffled.length; i += 7)
          root = await applyChanges(
            reader,
            root,
            shuffled.slice(i, i + 7).map(([id, valueHash]) => ({ id, valueHash })),
          );
        root = await applyChanges(
          reader,
          root,
          extra.map(({ id }) => ({ id, valueHash: null })),
        );
        expect(root).toBe(direct);
      }),
      { numRuns: 60 },
    );
  });

  it("finds every entity and lists exactly the set it was built from", async () => {
    const map = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`e${i}`, i]));
    const { store, root } = await fresh(map);
    const reader = new ObjectReader(store);
    expect(new Map(await listEntries(reader, root))).toEqual(new Map(entries(map)));
    expect(await findEntity(reader, root, "e500")).toBe(hashJson(500));
    expect(await findEntity(reader, root, "nope")).toBeNull();
  });

  it("reads one entity through its path only, not the whole tree", async () => {
    const map = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`e${i}`, i]));
    const { store, root } = await fresh(map);
    await findEntity(new ObjectReader(store), root, "e4321");
    expect(store.reads).toBeLessThanOrEqual(4);
  });

  it("rewrites only the changed path on a one-entity commit", async () => {
    const map = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`e${i}`, i]));
    const { store, root } = await fresh(map);
    const reader = new ObjectReader(store);
    const next = await applyChanges(reader, root, [{ id: "e42", valueHash: hashJson("changed") }]);
    expect(next).not.toBe(root);
    expect(reader.staged.size).toBeLessThanOrEqual(4);
    expect(store.reads).toBeLessThanOrEqual(4);
  });

  it("collapses back to a single leaf when a subtree shrinks to a bucket", async () => {
    const map = Object.fromEntries(Array.from({ length: BUCKET * 3 }, (_, i) => [`e${i}`, i]));
    const { store, root } = await fresh(map);
    const reader = new ObjectReader(store);
    const removed = await applyChanges(
      reader,
      root,
      Object.keys(map)
        .slice(BUCKET)
        .map((id) => ({ id, valueHash: null })),
    );
    const direct = buildTree(
      new ObjectReader(new MemoryObjectStore()),
      entries(Object.fromEntries(Object.entries(map).slice(0, BUCKET))),
    );
    expect(removed).toBe(direct);
  });

  it("diffs two trees into exactly the entities that differ, reading only differing subtrees", async () => {
    await fc.assert(
      fc.asyncProperty(entitySets, entitySets, async (a, b) => {
        const store = new MemoryObjectStore();
        const reader = new ObjectReader(store);
        const rootA = buildTree(reader, entries(a));
        const rootB = buildTree(reader, entries(b));
        const diff = await diffTrees(reader, rootA, rootB);
        const expected = new Map<string, [string | null, string | null]>();
        for (const id of new Set([...Object.keys(a), ...Object.keys(b)])) {
          const before = id in a ? hashJson(a[id]) : null;
          const after = id in b ? hashJson(b[id]) : null;
          if (before !== after) expected.set(id, [before, after]);
        }
        expect(diff).toEqual(expected);
      }),
      { numRuns: 60 },
    );
    const big = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`e${i}`, i]));
    const { store, root } = await fresh(big);
    const writer = new ObjectReader(store);
    const changed = await applyChanges(writer, root, [{ id: "e1", valueHash: hashJson(-1) }]);
    await store.putMany(writer.staged);
    store.reads = 0;
    expect((await diffTrees(new ObjectReader(store), root, changed)).size).toBe(1);
    expect(store.reads).toBeLessThanOrEqual(8);
  });
});

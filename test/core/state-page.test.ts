import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Json } from "../../src/core/canonical-json.js";
import { hashJson } from "../../src/core/hash.js";
import { MemoryObjectStore, ObjectReader } from "../../src/core/object-store.js";
import { pageDiff, pageState } from "../../src/core/state-page.js";
import {
  applyChanges,
  buildTree,
  changesAfter,
  diffTrees,
  entityKey,
  entriesAfter,
  type KeyCursor,
} from "../../src/core/state-tree.js";

/** A store that counts what is read, to check that a page's work follows the page, not the state. */
class CountingStore extends MemoryObjectStore {
  reads = 0;
  trips = 0;
  override async getMany(hashes: readonly string[]) {
    this.reads += hashes.length;
    this.trips++;
    return super.getMany(hashes);
  }
}

/** A stored tree of these entities (values stored too), with the read counter at zero. */
async function stored(map: Record<string, Json>, store = new CountingStore()) {
  const reader = new ObjectReader(store);
  const root = buildTree(
    reader,
    Object.entries(map).map(([id, value]) => {
      const hash = hashJson(value);
      reader.stage(hash, value);
      return [id, hash] as [string, string];
    }),
  );
  await store.putMany(reader.staged);
  store.reads = store.trips = 0;
  return { store, root };
}

const numbered = (n: number, value = (i: number): Json => i) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`e${i}`, value(i)]));

/** Every page from the start, as the API's clients walk them. */
async function allPages<T>(page: (cursor: KeyCursor) => Promise<{ items: T[]; next: string | null }>) {
  const pages: T[][] = [];
  let cursor: KeyCursor = null;
  do {
    const { items, next } = await page(cursor);
    pages.push(items);
    cursor = next;
  } while (cursor !== null && pages.length < 10_000);
  return pages;
}

const entitySets = fc.dictionary(fc.stringMatching(/^[a-z0-9]{1,6}$/), fc.integer(), { maxKeys: 300 });

describe("pages of state in the tree's key order", () => {
  it("reaches every entity exactly once, in key order, whatever the page size (property)", async () => {
    await fc.assert(
      fc.asyncProperty(entitySets, fc.integer({ min: 1, max: 70 }), async (map, limit) => {
        const { store, root } = await stored(map);
        const pages = await allPages(async (cursor) => {
          const { entries, more } = await entriesAfter(new ObjectReader(store), root, cursor, limit);
          return { items: entries, next: more ? entityKey(entries[entries.length - 1]![0]) : null };
        });
        const seen = pages.flat();
        expect(pages.every((page) => page.length <= limit)).toBe(true);
        expect(seen.map(([id]) => id).sort()).toEqual(Object.keys(map).sort());
        const keys = seen.map(([id]) => entityKey(id));
        expect(keys).toEqual([...keys].sort());
        expect(new Map(seen)).toEqual(new Map(Object.entries(map).map(([id, v]) => [id, hashJson(v)])));
      }),
      { numRuns: 60 },
    );
  });

  it("reads about the same few objects for a page of 20 000 entities as of 2 000", async () => {
    const reads: number[] = [];
    const trips: number[] = [];
    for (const n of [2_000, 20_000]) {
      const { store, root } = await stored(numbered(n));
      const cursor = entityKey("e777"); // a page from the middle of the key space
      const page = await pageState(new ObjectReader(store), root, cursor, 50);
      expect([page.count, page.entities.length]).toEqual([n, 50]);
      reads.push(store.reads);
      trips.push(store.trips);
    }
    // 50 values, the path to the cursor, the leaves the page spans and their prefetched siblings,
    // one round trip per tree level and per group of values: the page, not the state.
    expect(reads.every((n) => n < 100)).toBe(true);
    expect(trips.every((n) => n <= 8)).toBe(true);
  });

  it("cuts a page short at about 4 MiB of JSON, and the next page goes on from there", async () => {
    const big = numbered(12, (i) => `${i}:${"x".repeat(600_000)}`); // 12 × 600 kB: 7.2 MB in all
    const { store, root } = await stored(big);
    const pages = await allPages(async (cursor) => {
      const page = await pageState(new ObjectReader(store), root, cursor, 500);
      return { items: page.entities, next: page.next };
    });
    expect(pages.map((page) => page.length)).toEqual([6, 6]); // a 7th would pass 4 MiB
    expect(new Map(pages.flat())).toEqual(new Map(Object.entries(big)));
  });
});

describe("pages of a diff in the tree's key order", () => {
  it("gives exactly the changes diffTrees finds, each once, whatever the page size (property)", async () => {
    await fc.assert(
      fc.asyncProperty(entitySets, entitySets, fc.integer({ min: 1, max: 40 }), async (a, b, limit) => {
        const store = new MemoryObjectStore();
        const { root: from } = await stored(a, store as CountingStore);
        const { root: to } = await stored(b, store as CountingStore);
        const pages = await allPages(async (cursor) => {
          const { changes, more } = await changesAfter(new ObjectReader(store), from, to, cursor, limit);
          return { items: changes, next: more ? entityKey(changes[changes.length - 1]![0]) : null };
        });
        expect(pages.every((page) => page.length <= limit)).toBe(true);
        const expected = await diffTrees(new ObjectReader(store), from, to);
        const seen = pages.flat();
        expect(seen.length).toBe(expected.size);
        expect(new Map(seen.map(([id, x, y]) => [id, [x, y]]))).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });

  it("reads only what a page of changes needs, not the two states", async () => {
    const { store, root } = await stored(numbered(20_000));
    const writer = new ObjectReader(store);
    const changes = Array.from({ length: 300 }, (_, i) => ({ id: `e${i * 7}`, valueHash: hashJson(`changed ${i}`) }));
    for (let i = 0; i < 300; i++) writer.stage(hashJson(`changed ${i}`), `changed ${i}`);
    const next = await applyChanges(writer, root, changes);
    await store.putMany(writer.staged);
    store.reads = store.trips = 0;
    const page = await pageDiff(new ObjectReader(store), root, next, null, 25);
    expect(page.changes).toHaveLength(25);
    expect(page.changes[0]).toMatchObject({ change: "modified", after: expect.stringMatching(/^changed /) });
    expect(page.next).not.toBeNull();
    expect(store.reads).toBeLessThan(250); // the paths to 25 changed leaves on each side and 50 values; each state holds 20 000 entities
  });
});

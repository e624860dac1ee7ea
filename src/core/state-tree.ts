// A world line's entities as a content-addressed hash trie (DESIGN: state model).
//
// Shape: an entity id is placed by the hex nibbles of SHA3-256(id). A subtree holding at most
// BUCKET entities is one leaf `{leaf: [[id, valueHash], ...]}` sorted by id; a larger one is an
// inner node `{count, children: [16 × hash | null]}` split on the next nibble. The shape depends
// only on the set of entities, never on the order they were written, so equal sets have equal
// roots. A change rewrites one root-to-leaf path (depth ≈ log16(n / BUCKET)); a fork shares the
// whole tree; a diff descends only where hashes differ.
import { bytesToHex, hashJson, sha3 } from "./hash.js";
import { utf8, type Json } from "./canonical-json.js";
import type { ObjectReader } from "./object-store.js";

export const BUCKET = 32;
const FANOUT = 16;

export type LeafNode = { leaf: Array<[string, string]> };
export type InnerNode = { count: number; children: Array<string | null> };
export type TreeNode = LeafNode | InnerNode;

/** Entity id → hash of its value; `null` deletes. */
export type EntityChange = { id: string; valueHash: string | null };

export const EMPTY_LEAF: LeafNode = { leaf: [] };
export const EMPTY_ROOT = hashJson(EMPTY_LEAF);

const keyCache = new Map<string, string>();
/** Hex SHA3-256 of the id: the path of the entity in the trie. */
export function entityKey(id: string): string {
  let key = keyCache.get(id);
  if (key === undefined) {
    key = bytesToHex(sha3(utf8(id)));
    if (keyCache.size > 200_000) keyCache.clear();
    keyCache.set(id, key);
  }
  return key;
}

const nibble = (id: string, depth: number) => parseInt(entityKey(id)[depth]!, 16);
const isLeaf = (node: TreeNode): node is LeafNode => "leaf" in node;
const byId = (a: [string, string], b: [string, string]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

async function loadNode(reader: ObjectReader, hash: string): Promise<TreeNode> {
  return (await reader.load(hash)) as unknown as TreeNode;
}

function store(reader: ObjectReader, node: TreeNode): string {
  const hash = hashJson(node);
  reader.stage(hash, node as unknown as Json);
  return hash;
}

interface Built {
  hash: string | null;
  count: number;
}

/** Builds the canonical subtree at `depth` for the given entries (any order). */
function build(reader: ObjectReader, entries: Array<[string, string]>, depth: number): Built {
  if (entries.length === 0) return { hash: null, count: 0 };
  if (entries.length <= BUCKET)
    return { hash: store(reader, { leaf: [...entries].sort(byId) }), count: entries.length };
  const groups: Array<Array<[string, string]>> = Array.from({ length: FANOUT }, () => []);
  for (const entry of entries) groups[nibble(entry[0], depth)]!.push(entry);
  const children = groups.map((group) => build(reader, group, depth + 1).hash);
  return { hash: store(reader, { count: entries.length, children }), count: entries.length };
}

/** Root hash of a tree holding exactly `entries` (id → value hash). */
export function buildTree(reader: ObjectReader, entries: Iterable<[string, string]>): string {
  return build(reader, [...entries], 0).hash ?? store(reader, EMPTY_LEAF);
}

/** Every [id, valueHash] of a subtree, loading level by level. */
async function collect(reader: ObjectReader, hash: string | null): Promise<Array<[string, string]>> {
  if (hash === null) return [];
  const node = await loadNode(reader, hash);
  if (isLeaf(node)) return node.leaf;
  const parts = await Promise.all(node.children.map((child) => collect(reader, child)));
  return parts.flat();
}

export function listEntries(reader: ObjectReader, root: string): Promise<Array<[string, string]>> {
  return collect(reader, root);
}

/** The value hash of one entity, reading only its path. */
export async function findEntity(reader: ObjectReader, root: string, id: string): Promise<string | null> {
  let hash: string | null = root;
  for (let depth = 0; hash !== null; depth++) {
    const node = await loadNode(reader, hash);
    if (isLeaf(node)) return node.leaf.find(([entryId]) => entryId === id)?.[1] ?? null;
    hash = node.children[nibble(id, depth)] ?? null;
  }
  return null;
}

async function update(
  reader: ObjectReader,
  hash: string | null,
  depth: number,
  changes: EntityChange[],
): Promise<Built> {
  const node = hash === null ? EMPTY_LEAF : await loadNode(reader, hash);
  if (isLeaf(node)) {
    const entries = new Map(node.leaf);
    for (const { id, valueHash } of changes) {
      if (valueHash === null) entries.delete(id);
      else entries.set(id, valueHash);
    }
    return build(reader, [...entries], depth);
  }
  const groups: EntityChange[][] = Array.from({ length: FANOUT }, () => []);
  for (const change of changes) groups[nibble(change.id, depth)]!.push(change);
  const children = [...node.children];
  let count = node.count;
  await Promise.all(
    groups.map(async (group, slot) => {
      if (group.length === 0) return;
      const before = children[slot] ?? null;
      const beforeCount = before === null ? 0 : await subtreeCount(reader, before);
      const after = await update(reader, before, depth + 1, group);
      children[slot] = after.hash;
      count += after.count - beforeCount;
    }),
  );
  // Canonical shape: a subtree that shrank to a bucket's worth becomes a single leaf again.
  if (count <= BUCKET) {
    const parts = await Promise.all(children.map((child) => collect(reader, child)));
    return build(reader, parts.flat(), depth);
  }
  return { hash: store(reader, { count, children }), count };
}

async function subtreeCount(reader: ObjectReader, hash: string): Promise<number> {
  const node = await loadNode(reader, hash);
  return isLeaf(node) ? node.leaf.length : node.count;
}

/** The root after applying `changes` (last change per id wins); rewrites only the touched paths. */
export async function applyChanges(reader: ObjectReader, root: string, changes: EntityChange[]): Promise<string> {
  if (changes.length === 0) return root;
  const last = new Map<string, EntityChange>();
  for (const change of changes) last.set(change.id, change);
  const built = await update(reader, root, 0, [...last.values()]);
  return built.hash ?? store(reader, EMPTY_LEAF);
}

export async function countEntities(reader: ObjectReader, root: string): Promise<number> {
  return subtreeCount(reader, root);
}

/** Entity-level differences between two trees: id → [before, after] value hashes (null = absent). */
export async function diffTrees(
  reader: ObjectReader,
  from: string,
  to: string,
): Promise<Map<string, [string | null, string | null]>> {
  const changes = new Map<string, [string | null, string | null]>();
  async function walk(a: string | null, b: string | null): Promise<void> {
    if (a === b) return;
    const [left, right] = await Promise.all([
      a === null ? null : loadNode(reader, a),
      b === null ? null : loadNode(reader, b),
    ]);
    if (left && right && !isLeaf(left) && !isLeaf(right)) {
      await Promise.all(left.children.map((child, slot) => walk(child, right.children[slot] ?? null)));
      return;
    }
    const [before, after] = await Promise.all([collect(reader, a), collect(reader, b)]);
    const afterMap = new Map(after);
    for (const [id, hash] of before) {
      const next = afterMap.get(id) ?? null;
      if (next !== hash) changes.set(id, [hash, next]);
      afterMap.delete(id);
    }
    for (const [id, hash] of afterMap) changes.set(id, [null, hash]);
  }
  await walk(from, to);
  return changes;
}

// ---- bounded reads: pages in key order ---------------------------------------------------------
// The trie's own order is the entity key (hex SHA3-256 of the id): an inner node's children are
// the next nibble, 0–f. Walking it in that order from a cursor key, a page of n entities loads the
// path to the cursor and the ~n/BUCKET leaves it spans, whatever the size of the state; a sorted-by-
// id page would have to read every entity first. Cursors are keys, so they stay meaningful across
// commits.

/** A position in key order: everything after this entity key, or from the start when null. */
export type KeyCursor = string | null;

const byKey = (a: [string, string], b: [string, string]) => {
  const [x, y] = [entityKey(a[0]), entityKey(b[0])];
  return x < y ? -1 : x > y ? 1 : 0;
};

/** Does the subtree at `prefix` (its first nibbles) lie wholly at or before the cursor? */
const isBefore = (prefix: string, after: KeyCursor) => after !== null && prefix < after.slice(0, prefix.length);

/** Up to `limit` [id, valueHash] in key order after `after`, and whether more follow. */
export async function entriesAfter(
  reader: ObjectReader,
  root: string,
  after: KeyCursor,
  limit: number,
): Promise<{ entries: Array<[string, string]>; more: boolean }> {
  const found: Array<[string, string]> = [];
  const want = limit + 1; // one more than the page says whether there is a next one
  async function walk(hash: string, prefix: string): Promise<void> {
    const node = await loadNode(reader, hash);
    if (isLeaf(node)) {
      for (const entry of [...node.leaf].sort(byKey)) {
        if (found.length >= want) return;
        if (after === null || entityKey(entry[0]) > after) found.push(entry);
      }
      return;
    }
    const slots = node.children.flatMap((child, slot) =>
      child && !isBefore(prefix + slot.toString(16), after) ? [[slot, child] as const] : [],
    );
    void prefetch(
      reader,
      slots.map(([, child]) => child),
    );
    for (const [slot, child] of slots) {
      if (found.length >= want) return;
      await walk(child, prefix + slot.toString(16));
    }
  }
  await walk(root, "");
  return { entries: found.slice(0, limit), more: found.length > limit };
}

/**
 * Asks for a node's children in one batch before the in-order walk visits them one by one: one
 * round trip per level rather than per node, for at most FANOUT nodes more than the page needs.
 * A failed load is reported by the walk's own load of that node, so this one is not awaited.
 */
function prefetch(reader: ObjectReader, hashes: string[]): Promise<unknown> {
  return reader.loadMany(hashes).catch(() => undefined);
}

/** One side of a diff walk: a subtree by hash, or the entries of a leaf met higher up, narrowed to this prefix. */
type Side = { hash: string | null } | { entries: Array<[string, string]> };
type Opened = { inner: InnerNode } | { entries: Array<[string, string]> };

async function open(reader: ObjectReader, side: Side): Promise<Opened> {
  if ("entries" in side) return side;
  if (side.hash === null) return { entries: [] };
  const node = await loadNode(reader, side.hash);
  return isLeaf(node) ? { entries: node.leaf } : { inner: node };
}

function narrow(side: Opened, slot: number, depth: number): Side {
  if ("inner" in side) return { hash: side.inner.children[slot] ?? null };
  return { entries: side.entries.filter(([id]) => nibble(id, depth) === slot) };
}

/**
 * Up to `limit` entity-level changes from `from` to `to` in key order after `after`: [id, before,
 * after] value hashes (null = absent), and whether more follow. Descends only where the two sides
 * differ, like diffTrees, but in order and stopping at the page, so a page of n changes reads about
 * n/BUCKET leaves of each side however many changes the two commits have between them.
 */
export async function changesAfter(
  reader: ObjectReader,
  from: string,
  to: string,
  after: KeyCursor,
  limit: number,
): Promise<{ changes: Array<[string, string | null, string | null]>; more: boolean }> {
  const found: Array<[string, string | null, string | null]> = [];
  const want = limit + 1;
  async function walk(a: Side, b: Side, depth: number, prefix: string): Promise<void> {
    if ("hash" in a && "hash" in b && a.hash === b.hash) return;
    const [left, right] = await Promise.all([open(reader, a), open(reader, b)]);
    if ("entries" in left && "entries" in right) {
      const before = new Map(left.entries);
      const afterMap = new Map(right.entries);
      const ids = [...new Set([...before.keys(), ...afterMap.keys()])]
        .map((id) => [id, ""] as [string, string])
        .sort(byKey);
      for (const [id] of ids) {
        if (found.length >= want) return;
        const [x, y] = [before.get(id) ?? null, afterMap.get(id) ?? null];
        if (x !== y && (after === null || entityKey(id) > after)) found.push([id, x, y]);
      }
      return;
    }
    const slots: Array<[number, Side, Side]> = [];
    for (let slot = 0; slot < FANOUT; slot++) {
      if (isBefore(prefix + slot.toString(16), after)) continue;
      const [x, y] = [narrow(left, slot, depth), narrow(right, slot, depth)];
      if (!("hash" in x && "hash" in y && x.hash === y.hash)) slots.push([slot, x, y]);
    }
    void prefetch(
      reader,
      slots.flatMap(([, x, y]) => [x, y].flatMap((side) => ("hash" in side && side.hash !== null ? [side.hash] : []))),
    );
    for (const [slot, x, y] of slots) {
      if (found.length >= want) return;
      await walk(x, y, depth + 1, prefix + slot.toString(16));
    }
  }
  await walk({ hash: from }, { hash: to }, 0, "");
  return { changes: found.slice(0, limit), more: found.length > limit };
}

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
  if (entries.length <= BUCKET) return { hash: store(reader, { leaf: [...entries].sort(byId) }), count: entries.length };
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

async function update(reader: ObjectReader, hash: string | null, depth: number, changes: EntityChange[]): Promise<Built> {
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
export async function diffTrees(reader: ObjectReader, from: string, to: string): Promise<Map<string, [string | null, string | null]>> {
  const changes = new Map<string, [string | null, string | null]>();
  async function walk(a: string | null, b: string | null): Promise<void> {
    if (a === b) return;
    const [left, right] = await Promise.all([a === null ? null : loadNode(reader, a), b === null ? null : loadNode(reader, b)]);
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

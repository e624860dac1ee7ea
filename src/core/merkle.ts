// The consensus ledger's Merkle tree: RFC 9162 §2.1 with SHA3-256 in place of SHA-256 (DESIGN:
// Ledger). Shaped after transparency-dev/merkle: a hasher, a compact range (the frontier) for
// O(log n) appends and proof builders, all over plain values; the verifiers are merkle-verify.ts
// (transparency-dev keeps them apart too, in proof/verify.go). Nothing here knows about storage:
// builders name the complete subtrees they need as (level, index) addresses, the caller fetches
// those hashes however it likes (one SQL query in the Ledger DO) and hands them back.
//
// Addressing: node (level, index) is the complete subtree over leaves [index·2^level, (index+1)·2^level).
// Leaves are level 0. Every hash a proof or root needs is either such a node or the hash of an
// incomplete right edge, which is a fold of O(log n) complete nodes, so storing the complete nodes
// (which `appendLeaf` reports) is enough to answer every proof for every earlier size.
//
// Sizes and indices are JS numbers; everything is exact up to Number.MAX_SAFE_INTEGER (2^53 − 1),
// so bit tricks (32-bit in JS) are avoided in favour of arithmetic.
import { DomainError } from "./problem.js";
import { bytesToHex, concatBytes, sha3 } from "./hash.js";

export const HASH_SIZE = 32;

export interface NodeAddress {
  level: number;
  index: number;
}

export interface MerkleNode extends NodeAddress {
  hash: Uint8Array;
}

/**
 * The compact range [0, size): the roots of the complete subtrees that tile it, one per set bit of
 * `size`, largest (leftmost) first. transparency-dev calls this a compact range; logs call it a frontier.
 */
export interface Frontier {
  readonly size: number;
  readonly hashes: readonly Uint8Array[];
}

/**
 * What a proof or root needs: one entry per output hash, each the complete subtrees whose
 * right-to-left fold (see `foldSubtrees`) gives that hash. Most entries hold a single node; only an
 * incomplete right edge holds more.
 */
export type ProofPlan = readonly (readonly NodeAddress[])[];

/** Looks up a stored complete-subtree hash; undefined when the store does not have it. */
export type NodeReader = (level: number, index: number) => Uint8Array | undefined;

// RFC 9162 §2.1.1: domain separation between leaves and interior nodes (second-preimage resistance).
const LEAF_PREFIX = new Uint8Array([0x00]);
const NODE_PREFIX = new Uint8Array([0x01]);

/** RFC 9162 §2.1.1: MTH({d}) = HASH(0x00 ‖ d). */
export function leafHash(data: Uint8Array): Uint8Array {
  return sha3(concatBytes(LEAF_PREFIX, data));
}

/** RFC 9162 §2.1.1: MTH(D[n]) = HASH(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n])). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha3(concatBytes(NODE_PREFIX, left, right));
}

/** RFC 9162 §2.1.1: the hash of an empty tree is the hash of the empty string. A fresh copy each call. */
export function emptyRoot(): Uint8Array {
  return sha3(new Uint8Array(0));
}

/** Map key for a node address, used by `assembleProof` and by callers building its Map. */
export function nodeKey(level: number, index: number): string {
  return `${level}/${index}`;
}

// ---------------------------------------------------------------------------------------------
// Frontier (compact range) appends

export function emptyFrontier(): Frontier {
  return { size: 0, hashes: [] };
}

/**
 * Appends one leaf hash. Costs O(log n) hashes: the new leaf merges with as many frontier roots as
 * `size` has trailing one bits. `newNodes` lists every complete subtree this append completed, the
 * leaf itself first, so a store that persists them can later serve any proof for any size.
 */
export function appendLeaf(frontier: Frontier, leaf: Uint8Array): { frontier: Frontier; newNodes: MerkleNode[] } {
  assertFrontier(frontier);
  assertHash(leaf, "leaf hash");
  const hashes = frontier.hashes.slice();
  let hash = leaf;
  let level = 0;
  let index = frontier.size;
  const newNodes: MerkleNode[] = [{ level, index, hash }];
  for (let rest = frontier.size; rest % 2 === 1; rest = Math.floor(rest / 2)) {
    hash = nodeHash(hashes.pop()!, hash);
    level += 1;
    index = Math.floor(index / 2);
    newNodes.push({ level, index, hash });
  }
  hashes.push(hash);
  return { frontier: { size: frontier.size + 1, hashes }, newNodes };
}

/** Root of the tree the frontier describes: the fold of its subtree roots (RFC 9162 §2.1.1). */
export function frontierRoot(frontier: Frontier): Uint8Array {
  assertFrontier(frontier);
  return foldSubtrees(frontier.hashes);
}

/** The nodes a frontier of `size` is made of, left to right: read them to restore a frontier. */
export function frontierAddresses(size: number): NodeAddress[] {
  assertSize(size, "size");
  return completeSubtrees(0, size);
}

/** Rebuilds the frontier of `size` from stored nodes (as `assembleProof`, one lookup per address). */
export function restoreFrontier(size: number, nodes: ReadonlyMap<string, Uint8Array>): Frontier {
  return { size, hashes: frontierAddresses(size).map((a) => lookup(mapReader(nodes), a)) };
}

// ---------------------------------------------------------------------------------------------
// Proof plans: which stored nodes a proof needs (RFC 9162 §2.1.3.1, §2.1.4.1)

/** RFC 9162 §2.1.3.1 PATH(index, D[size]), as node addresses. */
export function inclusionPlan(index: number, size: number): ProofPlan {
  assertSize(size, "size");
  assertSize(index, "index");
  if (index >= size) throw outOfRange(`leaf index ${index} is not in a tree of size ${size}`);
  const plan: NodeAddress[][] = [];
  pathPlan(index, 0, size, plan);
  return plan;
}

/**
 * RFC 9162 §2.1.4.1 PROOF(from, D[to]), as node addresses. The RFC defines it for 0 < from < to;
 * for from = 0 or from = to the proof is empty (transparency-dev does the same).
 */
export function consistencyPlan(from: number, to: number): ProofPlan {
  assertSize(from, "from");
  assertSize(to, "to");
  if (from > to) throw outOfRange(`a tree of size ${from} cannot be a prefix of one of size ${to}`);
  const plan: NodeAddress[][] = [];
  if (from > 0 && from < to) subproofPlan(from, 0, to, true, plan);
  return plan;
}

/** The root of the tree of `size` (any earlier size of the log), as a one-entry plan. */
export function rootPlan(size: number): ProofPlan {
  return [frontierAddresses(size)];
}

/** Every distinct address a plan reads, in first-use order: the list to fetch in one query. */
export function planAddresses(plan: ProofPlan): NodeAddress[] {
  const seen = new Set<string>();
  const out: NodeAddress[] = [];
  for (const group of plan) {
    for (const address of group) {
      const key = nodeKey(address.level, address.index);
      if (!seen.has(key)) {
        seen.add(key);
        out.push(address);
      }
    }
  }
  return out;
}

/** Turns a plan into hashes using fetched nodes keyed by `nodeKey`. Throws if one is missing. */
export function assembleProof(plan: ProofPlan, nodes: ReadonlyMap<string, Uint8Array>): Uint8Array[] {
  return assembleWith(plan, mapReader(nodes));
}

// Sync-callback conveniences for callers that can read one node at a time.

export function inclusionProof(index: number, size: number, getNode: NodeReader): Uint8Array[] {
  return assembleWith(inclusionPlan(index, size), getNode);
}

export function consistencyProof(from: number, to: number, getNode: NodeReader): Uint8Array[] {
  return assembleWith(consistencyPlan(from, to), getNode);
}

export function rootAt(size: number, getNode: NodeReader): Uint8Array {
  return assembleWith(rootPlan(size), getNode)[0];
}

// PATH(m, D[n]) over the subtree [start, start + n), written with offsets instead of slices so the
// siblings it names are global (level, index) addresses. The sub-path comes first, then the
// sibling: RFC 9162 proofs run from the leaf upward.
function pathPlan(m: number, start: number, n: number, out: NodeAddress[][]): void {
  if (n === 1) return;
  const k = largestPowerOfTwoBelow(n);
  if (m < k) {
    pathPlan(m, start, k, out);
    out.push(completeSubtrees(start + k, start + n));
  } else {
    pathPlan(m - k, start + k, n - k, out);
    out.push(completeSubtrees(start, start + k));
  }
}

// SUBPROOF(m, D[n], b) over [start, start + n); `isOriginal` is the RFC's b: true while the
// subtree is still the whole of the old tree's left spine, whose hash the verifier already has.
function subproofPlan(m: number, start: number, n: number, isOriginal: boolean, out: NodeAddress[][]): void {
  if (m === n) {
    if (!isOriginal) out.push(completeSubtrees(start, start + n));
    return;
  }
  const k = largestPowerOfTwoBelow(n);
  if (m <= k) {
    subproofPlan(m, start, k, isOriginal, out);
    out.push(completeSubtrees(start + k, start + n));
  } else {
    subproofPlan(m - k, start + k, n - k, false, out);
    out.push(completeSubtrees(start, start + k));
  }
}

/**
 * Tiles [start, end) with complete subtrees, largest first. Every range PATH and SUBPROOF visit
 * starts on a multiple of a power of two at least as wide as itself, so the tiles follow the binary
 * digits of (end − start) and each lands on an aligned (level, index).
 */
function completeSubtrees(start: number, end: number): NodeAddress[] {
  const out: NodeAddress[] = [];
  while (start < end) {
    let width = 1;
    let level = 0;
    while (width * 2 <= end - start) {
      width *= 2;
      level += 1;
    }
    if (start % width !== 0) throw new Error(`merkle: range [${start}, ${end}) is not aligned`); // a bug here, not bad input
    out.push({ level, index: start / width });
    start += width;
  }
  return out;
}

/**
 * MTH of a run of adjacent complete subtrees, largest first: RFC 9162 §2.1.1 splits at the largest
 * power of two below n, which for such a run is always the first subtree, so the hash folds from
 * the right. The empty run is the empty tree.
 */
export function foldSubtrees(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 0) return emptyRoot();
  let hash = hashes[hashes.length - 1];
  for (let i = hashes.length - 2; i >= 0; i -= 1) hash = nodeHash(hashes[i], hash);
  return hash;
}

function assembleWith(plan: ProofPlan, getNode: NodeReader): Uint8Array[] {
  return plan.map((group) => foldSubtrees(group.map((address) => lookup(getNode, address))));
}

function lookup(getNode: NodeReader, { level, index }: NodeAddress): Uint8Array {
  const hash = getNode(level, index);
  if (!hash || hash.length !== HASH_SIZE) {
    throw new DomainError(
      "merkle-node-missing",
      `the Merkle store has no hash for node (level ${level}, index ${index})`,
    );
  }
  return hash;
}

function mapReader(nodes: ReadonlyMap<string, Uint8Array>): NodeReader {
  return (level, index) => nodes.get(nodeKey(level, index));
}

// Hex for JSON surfaces (API responses, the dashboard, the CLI); merkle-verify.ts reads it back.

export function hashesToHex(hashes: readonly Uint8Array[]): string[] {
  return hashes.map(bytesToHex);
}

// ---------------------------------------------------------------------------------------------
// Small arithmetic, exact for all safe integers (merkle-verify.ts walks proofs with it too).

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export const isOdd = (n: number) => n % 2 === 1;
export const half = (n: number) => Math.floor(n / 2);
export const isTreeSize = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
export const isHash = (h: unknown): h is Uint8Array => h instanceof Uint8Array && h.length === HASH_SIZE;

function assertSize(n: number, field: string): void {
  if (!isTreeSize(n))
    throw new DomainError("invalid-tree-size", { detail: `${field} must be a non-negative safe integer`, field });
}

function assertHash(h: Uint8Array, what: string): void {
  if (!isHash(h)) throw new DomainError("invalid-hash", `${what} must be ${HASH_SIZE} bytes`);
}

function assertFrontier(frontier: Frontier): void {
  assertSize(frontier.size, "frontier size");
  if (frontier.hashes.length !== popCount(frontier.size) || !frontier.hashes.every(isHash)) {
    throw new DomainError(
      "invalid-frontier",
      `a frontier of size ${frontier.size} holds one ${HASH_SIZE}-byte hash per set bit of its size`,
    );
  }
}

export function popCount(n: number): number {
  let count = 0;
  for (; n > 0; n = half(n)) if (isOdd(n)) count += 1;
  return count;
}

function outOfRange(detail: string): DomainError {
  return new DomainError("proof-out-of-range", detail);
}

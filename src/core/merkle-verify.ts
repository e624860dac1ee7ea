// The consensus ledger's proof verifiers: RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2
// (consistency), over plain values, beside the builders in merkle.ts. Like transparency-dev/merkle's
// proof.VerifyInclusion and proof.VerifyConsistency (proof/verify.go), a refusal says why: sizes
// and hashes are checked first, then the proof's length against the one (index, size) or
// (from, to) implies ("wrong proof size N, want M"), and only then is anything hashed and the
// computed root compared with the expected one ("root mismatch"). They never throw: malformed
// input is a refusal with its reason, so the dashboard and the CLI can show it as it is.
import { bytesToHex, HEX64, hexToBytes } from "./hash.js";
import { emptyRoot, half, HASH_SIZE, isHash, isOdd, isTreeSize, nodeHash, popCount } from "./merkle.js";

/** Stable reasons a proof is refused; callers branch on these, never on `detail`. */
export type ProofFailure =
  | "invalid-size" // an index or size that is not a non-negative safe integer
  | "index-beyond-size" // inclusion: index ≥ size
  | "new-tree-smaller" // consistency: to < from
  | "malformed-hash" // a leaf, root or proof hash that is not 32 bytes (or, in hex, not 64 lowercase hex digits)
  | "wrong-proof-size" // the proof does not have the length (index, size) or (from, to) implies
  | "root-mismatch"; // the proof leads to another root than the expected one

export type ProofVerification = { ok: true } | { ok: false; reason: ProofFailure; detail: string };

const VERIFIED: ProofVerification = { ok: true };
const refuse = (reason: ProofFailure, detail: string): ProofVerification => ({ ok: false, reason, detail });

/**
 * RFC 9162 §2.1.3.2: verifies that `leaf` sits at `index` in the tree of `size` whose root is `root`.
 * Take `size` and `root` together from a verified checkpoint: the algorithm only checks the path's
 * shape, and some neighbouring sizes share one (index 0 of 3 and of 4 both climb left, left).
 */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): ProofVerification {
  const badSize = sizeProblem({ index, size });
  if (badSize) return badSize;
  if (index >= size) return refuse("index-beyond-size", `index is beyond size: ${index} >= ${size}`);
  const badHash = hashProblem({ "leaf hash": leaf, root }, proof);
  if (badHash) return badHash;
  const want = inclusionProofSize(index, size);
  if (proof.length !== want) return refuse("wrong-proof-size", `wrong proof size ${proof.length}, want ${want}`);
  // With the length fixed, the RFC's "proof longer than the path" and "sn ≠ 0 at the end" checks
  // cannot fail; the loop only hashes.
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      // Right edge: skip the levels where this node has no right sibling.
      while (!isOdd(fn) && fn !== 0) [fn, sn] = [half(fn), half(sn)];
    } else {
      r = nodeHash(r, p);
    }
    [fn, sn] = [half(fn), half(sn)];
  }
  return rootsMatch(r, root, "root");
}

/**
 * RFC 9162 §2.1.4.2: verifies that the tree of size `from` with root `fromRoot` is a prefix of the
 * tree of size `to` with root `toRoot`. Equal sizes need an empty proof and equal roots; from = 0
 * needs an empty proof and the empty-tree root (stricter than transparency-dev, which ignores it).
 */
export function verifyConsistency(
  from: number,
  to: number,
  fromRoot: Uint8Array,
  toRoot: Uint8Array,
  proof: readonly Uint8Array[],
): ProofVerification {
  const badSize = sizeProblem({ from, to });
  if (badSize) return badSize;
  if (from > to) return refuse("new-tree-smaller", `to (${to}) < from (${from})`);
  const badHash = hashProblem({ "old root": fromRoot, "new root": toRoot }, proof);
  if (badHash) return badHash;
  if (from === to) {
    if (proof.length !== 0) return refuse("wrong-proof-size", `wrong proof size ${proof.length}, want 0 (from = to)`);
    if (equalBytes(fromRoot, toRoot)) return VERIFIED;
    return refuse(
      "root-mismatch",
      `from = to, but the new root ${bytesToHex(toRoot)} is not the old root ${bytesToHex(fromRoot)}`,
    );
  }
  if (from === 0) {
    if (proof.length !== 0)
      return refuse("wrong-proof-size", `wrong proof size ${proof.length}, want 0 (from the empty tree)`);
    if (equalBytes(fromRoot, emptyRoot())) return VERIFIED;
    return refuse(
      "root-mismatch",
      `the old root ${bytesToHex(fromRoot)} is not the empty tree's (size 0 has one root)`,
    );
  }
  const want = consistencyProofSize(from, to);
  if (proof.length !== want) return refuse("wrong-proof-size", `wrong proof size ${proof.length}, want ${want}`);
  // Step 2: a power-of-two old tree is a complete node the proof leaves out; the verifier has it.
  const path = isPowerOfTwo(from) ? [fromRoot, ...proof] : proof;
  let fn = from - 1;
  let sn = to - 1;
  while (isOdd(fn)) [fn, sn] = [half(fn), half(sn)]; // step 4
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) [fn, sn] = [half(fn), half(sn)];
    } else {
      sr = nodeHash(sr, c);
    }
    [fn, sn] = [half(fn), half(sn)];
  }
  const old = rootsMatch(fr, fromRoot, "old root");
  return old.ok ? rootsMatch(sr, toRoot, "new root") : old;
}

// Hex forms for JSON surfaces (API responses, the dashboard, the CLI). The hex is checked first:
// a hash that is not 64 lowercase hex digits is refused before the sizes are looked at.

export function verifyInclusionHex(
  leafHex: string,
  index: number,
  size: number,
  proofHex: readonly string[],
  rootHex: string,
): ProofVerification {
  const badHex = hexProblem({ "leaf hash": leafHex, root: rootHex }, proofHex);
  if (badHex) return badHex;
  return verifyInclusion(
    hexToBytes(leafHex),
    index,
    size,
    proofHex.map((p) => hexToBytes(p)),
    hexToBytes(rootHex),
  );
}

export function verifyConsistencyHex(
  from: number,
  to: number,
  fromRootHex: string,
  toRootHex: string,
  proofHex: readonly string[],
): ProofVerification {
  const badHex = hexProblem({ "old root": fromRootHex, "new root": toRootHex }, proofHex);
  if (badHex) return badHex;
  return verifyConsistency(
    from,
    to,
    hexToBytes(fromRootHex),
    hexToBytes(toRootHex),
    proofHex.map((p) => hexToBytes(p)),
  );
}

// ---------------------------------------------------------------------------------------------
// Proof lengths, as transparency-dev's decompInclProof splits them, in arithmetic rather than bit
// operations (JS bit operations are 32-bit; sizes go to 2^53 − 1).

/**
 * Length of PATH(index, D[size]): `inner` levels below the node where the paths to `index` and to
 * `size − 1` meet (the bit length of index XOR (size − 1)), then one hash per set bit of the index
 * above it, where the path runs along the right border.
 */
function decomposeInclusion(index: number, size: number): { inner: number; border: number } {
  let a = index;
  let b = size - 1;
  let inner = 0;
  for (; a !== b; inner += 1) [a, b] = [half(a), half(b)];
  return { inner, border: popCount(a) };
}

function inclusionProofSize(index: number, size: number): number {
  const { inner, border } = decomposeInclusion(index, size);
  return inner + border;
}

/**
 * Length of PROOF(from, D[to]) for 0 < from < to: the inclusion path of leaf from − 1 in the new
 * tree above level `shift` (the old tree's last complete subtree, 2^shift wide, is the path's
 * seed), plus that seed itself unless the old tree is exactly that subtree (a power of two).
 */
function consistencyProofSize(from: number, to: number): number {
  const { inner, border } = decomposeInclusion(from - 1, to);
  let shift = 0;
  for (let m = from; !isOdd(m); m = half(m)) shift += 1;
  return (isPowerOfTwo(from) ? 0 : 1) + inner - shift + border;
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

// ---------------------------------------------------------------------------------------------
// Input checks, each naming the first offending value.

function sizeProblem(sizes: Record<string, number>): ProofVerification | undefined {
  for (const [name, value] of Object.entries(sizes))
    if (!isTreeSize(value)) return refuse("invalid-size", `${name} (${value}) must be a non-negative safe integer`);
  return undefined;
}

function hashProblem(named: Record<string, Uint8Array>, proof: readonly Uint8Array[]): ProofVerification | undefined {
  const all: Array<[string, unknown]> = [
    ...Object.entries(named),
    ...proof.map((p, i): [string, unknown] => [`proof[${i}]`, p]),
  ];
  for (const [name, hash] of all) {
    if (isHash(hash)) continue;
    const size = hash instanceof Uint8Array ? `${hash.length} bytes` : "not bytes";
    return refuse("malformed-hash", `${name} has unexpected size (${size}), want ${HASH_SIZE} bytes`);
  }
  return undefined;
}

function hexProblem(named: Record<string, string>, proofHex: readonly string[]): ProofVerification | undefined {
  const all: Array<[string, unknown]> = [
    ...Object.entries(named),
    ...proofHex.map((p, i): [string, unknown] => [`proof[${i}]`, p]),
  ];
  for (const [name, hex] of all)
    if (typeof hex !== "string" || !HEX64.test(hex))
      return refuse("malformed-hash", `${name} is not ${2 * HASH_SIZE} lowercase hex digits`);
  return undefined;
}

/** transparency-dev's RootMismatchError: both roots, so a reader can tell which side is wrong. */
function rootsMatch(calculated: Uint8Array, expected: Uint8Array, what: string): ProofVerification {
  if (equalBytes(calculated, expected)) return VERIFIED;
  return refuse(
    "root-mismatch",
    `calculated ${what} ${bytesToHex(calculated)} does not match the expected ${bytesToHex(expected)}`,
  );
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

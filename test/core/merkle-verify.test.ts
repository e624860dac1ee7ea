// The reasons the RFC 9162 verifiers give for a refusal (transparency-dev/merkle proof/verify.go:
// "index is beyond size", "wrong proof size N, want M", root mismatch). Whether a proof is
// accepted at all, for every shape to 200 leaves, is test/core/merkle.test.ts.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { utf8 } from "../../src/core/canonical-json.js";
import { bytesToHex } from "../../src/core/hash.js";
import {
  appendLeaf,
  consistencyPlan,
  consistencyProof,
  emptyFrontier,
  emptyRoot,
  hashesToHex,
  inclusionPlan,
  inclusionProof,
  leafHash,
  nodeKey,
  rootAt,
  type Frontier,
} from "../../src/core/merkle.js";
import {
  verifyConsistency,
  verifyConsistencyHex,
  verifyInclusion,
  verifyInclusionHex,
} from "../../src/core/merkle-verify.js";

const LEAVES = Array.from({ length: 64 }, (_, i) => leafHash(utf8(`ledger entry ${i}`)));
const nodes = new Map<string, Uint8Array>();
let frontier: Frontier = emptyFrontier();
for (const leaf of LEAVES) {
  const appended = appendLeaf(frontier, leaf);
  frontier = appended.frontier;
  for (const node of appended.newNodes) nodes.set(nodeKey(node.level, node.index), node.hash);
}
const getNode = (level: number, index: number) => nodes.get(nodeKey(level, index));
const root = (size: number) => rootAt(size, getNode);
const flipped = (bytes: Uint8Array) => bytes.map((byte, i) => (i === 0 ? byte ^ 0x01 : byte));
const filler = (length: number) => Array.from({ length }, (_, i) => leafHash(utf8(`filler ${i}`)));

describe("an inclusion proof refused", () => {
  it("for an index at or beyond the size says index-beyond-size", () => {
    const proof = inclusionProof(2, 5, getNode);
    expect(verifyInclusion(LEAVES[2], 5, 5, proof, root(5))).toEqual({
      ok: false,
      reason: "index-beyond-size",
      detail: "index is beyond size: 5 >= 5",
    });
    expect(verifyInclusion(LEAVES[0], 0, 0, [], emptyRoot())).toMatchObject({ reason: "index-beyond-size" });
  });

  it("for an index or size that is not a non-negative safe integer says invalid-size, naming it", () => {
    const proof = inclusionProof(2, 5, getNode);
    expect(verifyInclusion(LEAVES[2], -1, 5, proof, root(5))).toEqual({
      ok: false,
      reason: "invalid-size",
      detail: "index (-1) must be a non-negative safe integer",
    });
    expect(verifyInclusion(LEAVES[2], 2, 5.5, proof, root(5))).toMatchObject({
      reason: "invalid-size",
      detail: expect.stringContaining("size (5.5)"),
    });
    expect(verifyInclusion(LEAVES[2], 2, 2 ** 53, proof, root(5))).toMatchObject({ reason: "invalid-size" });
  });

  it("for a leaf, root or proof hash that is not 32 bytes says malformed-hash, naming which", () => {
    const proof = inclusionProof(2, 5, getNode);
    expect(verifyInclusion(LEAVES[2].slice(1), 2, 5, proof, root(5))).toEqual({
      ok: false,
      reason: "malformed-hash",
      detail: "leaf hash has unexpected size (31 bytes), want 32 bytes",
    });
    expect(verifyInclusion(LEAVES[2], 2, 5, proof, new Uint8Array(33))).toMatchObject({
      reason: "malformed-hash",
      detail: expect.stringMatching(/^root has unexpected size \(33 bytes\)/),
    });
    const shortElement = proof.map((p, i) => (i === 1 ? p.slice(0, 16) : p));
    expect(verifyInclusion(LEAVES[2], 2, 5, shortElement, root(5))).toMatchObject({
      reason: "malformed-hash",
      detail: expect.stringMatching(/^proof\[1\] has unexpected size \(16 bytes\)/),
    });
  });

  it("one hash short or one too long says wrong-proof-size with the length wanted, for every index to 64 leaves", () => {
    const wrong: string[] = [];
    for (let n = 1; n <= 64; n += 1) {
      for (let m = 0; m < n; m += 1) {
        const proof = inclusionProof(m, n, getNode);
        const want = `want ${proof.length}`;
        const variants = [[...proof, root(n)], ...(proof.length > 0 ? [proof.slice(0, -1), proof.slice(1)] : [])];
        for (const variant of variants) {
          const result = verifyInclusion(LEAVES[m], m, n, variant, root(n));
          const expected = {
            ok: false,
            reason: "wrong-proof-size",
            detail: `wrong proof size ${variant.length}, ${want}`,
          };
          if (JSON.stringify(result) !== JSON.stringify(expected)) wrong.push(`${m}/${n}: ${JSON.stringify(result)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it("with a flipped leaf, sibling or root says root-mismatch, showing both roots", () => {
    const proof = inclusionProof(6, 13, getNode);
    const expected = root(13);
    const leafFlipped = verifyInclusion(flipped(LEAVES[6]), 6, 13, proof, expected);
    expect(leafFlipped).toMatchObject({ ok: false, reason: "root-mismatch" });
    expect(leafFlipped.ok || leafFlipped.detail).toMatch(
      new RegExp(`^calculated root [0-9a-f]{64} does not match the expected ${bytesToHex(expected)}$`),
    );
    const siblingFlipped = proof.map((p, i) => (i === 2 ? flipped(p) : p));
    expect(verifyInclusion(LEAVES[6], 6, 13, siblingFlipped, expected)).toMatchObject({ reason: "root-mismatch" });
    expect(verifyInclusion(LEAVES[6], 6, 13, proof, flipped(expected))).toEqual({
      ok: false,
      reason: "root-mismatch",
      detail: `calculated root ${bytesToHex(expected)} does not match the expected ${bytesToHex(flipped(expected))}`,
    });
  });

  it("never says wrong-proof-size for a proof as long as the builder's, at any size to 2^53 − 1", () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: Number.MAX_SAFE_INTEGER })
          .chain((size) => fc.tuple(fc.constant(size), fc.integer({ min: 0, max: size - 1 }))),
        ([size, index]) => {
          const proof = filler(inclusionPlan(index, size).length);
          expect(verifyInclusion(LEAVES[0], index, size, proof, LEAVES[1])).toMatchObject({ reason: "root-mismatch" });
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("a consistency proof refused", () => {
  it("for a new tree smaller than the old says new-tree-smaller", () => {
    expect(verifyConsistency(9, 5, root(9), root(5), [])).toEqual({
      ok: false,
      reason: "new-tree-smaller",
      detail: "to (5) < from (9)",
    });
  });

  it("for a size that is not a non-negative safe integer says invalid-size", () => {
    expect(verifyConsistency(-3, 5, root(3), root(5), [])).toMatchObject({
      reason: "invalid-size",
      detail: "from (-3) must be a non-negative safe integer",
    });
    expect(verifyConsistency(3, Number.NaN, root(3), root(5), [])).toMatchObject({ reason: "invalid-size" });
  });

  it("for a root or proof hash that is not 32 bytes says malformed-hash, naming which", () => {
    const proof = consistencyProof(3, 7, getNode);
    expect(verifyConsistency(3, 7, root(3).slice(2), root(7), proof)).toMatchObject({
      reason: "malformed-hash",
      detail: "old root has unexpected size (30 bytes), want 32 bytes",
    });
    expect(verifyConsistency(3, 7, root(3), root(7), [...proof.slice(0, -1), new Uint8Array(0)])).toMatchObject({
      reason: "malformed-hash",
      detail: expect.stringMatching(new RegExp(`^proof\\[${proof.length - 1}\\] has unexpected size \\(0 bytes\\)`)),
    });
  });

  it("empty, truncated or padded says wrong-proof-size with the length wanted, for every pair to 64 leaves", () => {
    const wrong: string[] = [];
    for (let n = 2; n <= 64; n += 1) {
      for (let m = 1; m < n; m += 1) {
        const proof = consistencyProof(m, n, getNode);
        for (const variant of [[], proof.slice(0, -1), [...proof, root(n)], [root(m), ...proof]]) {
          const result = verifyConsistency(m, n, root(m), root(n), variant);
          const detail = `wrong proof size ${variant.length}, want ${proof.length}`;
          if (JSON.stringify(result) !== JSON.stringify({ ok: false, reason: "wrong-proof-size", detail }))
            wrong.push(`${m} → ${n}: ${JSON.stringify(result)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it("with any proof between equal sizes or from the empty tree says wrong-proof-size, want 0", () => {
    expect(verifyConsistency(5, 5, root(5), root(5), [root(5)])).toEqual({
      ok: false,
      reason: "wrong-proof-size",
      detail: "wrong proof size 1, want 0 (from = to)",
    });
    expect(verifyConsistency(0, 9, emptyRoot(), root(9), [root(9)])).toEqual({
      ok: false,
      reason: "wrong-proof-size",
      detail: "wrong proof size 1, want 0 (from the empty tree)",
    });
  });

  it("with a flipped old root, new root or proof hash says root-mismatch, naming the root that differs", () => {
    const proof = consistencyProof(6, 13, getNode);
    const [from, to] = [root(6), root(13)];
    expect(verifyConsistency(6, 13, flipped(from), to, proof)).toMatchObject({
      reason: "root-mismatch",
      detail: `calculated old root ${bytesToHex(from)} does not match the expected ${bytesToHex(flipped(from))}`,
    });
    expect(verifyConsistency(6, 13, from, flipped(to), proof)).toMatchObject({
      reason: "root-mismatch",
      detail: `calculated new root ${bytesToHex(to)} does not match the expected ${bytesToHex(flipped(to))}`,
    });
    const elementFlipped = proof.map((p, i) => (i === proof.length - 1 ? flipped(p) : p));
    expect(verifyConsistency(6, 13, from, to, elementFlipped)).toMatchObject({ reason: "root-mismatch" });
  });

  it("between equal sizes with different roots, or from the empty tree with another root, says root-mismatch", () => {
    expect(verifyConsistency(5, 5, root(5), root(9), [])).toMatchObject({
      reason: "root-mismatch",
      detail: `from = to, but the new root ${bytesToHex(root(9))} is not the old root ${bytesToHex(root(5))}`,
    });
    expect(verifyConsistency(0, 9, root(5), root(9), [])).toMatchObject({
      reason: "root-mismatch",
      detail: `the old root ${bytesToHex(root(5))} is not the empty tree's (size 0 has one root)`,
    });
  });

  it("never says wrong-proof-size for a proof as long as the builder's, at any sizes to 2^53 − 1", () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: Number.MAX_SAFE_INTEGER })
          .chain((to) => fc.tuple(fc.integer({ min: 1, max: to - 1 }), fc.constant(to))),
        ([from, to]) => {
          const proof = filler(consistencyPlan(from, to).length);
          expect(verifyConsistency(from, to, LEAVES[0], LEAVES[1], proof)).toMatchObject({ reason: "root-mismatch" });
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("the hex forms", () => {
  it("accept what the byte forms accept", () => {
    const proof = hashesToHex(inclusionProof(4, 21, getNode));
    expect(verifyInclusionHex(bytesToHex(LEAVES[4]), 4, 21, proof, bytesToHex(root(21)))).toEqual({ ok: true });
    const consistency = hashesToHex(consistencyProof(13, 21, getNode));
    expect(verifyConsistencyHex(13, 21, bytesToHex(root(13)), bytesToHex(root(21)), consistency)).toEqual({
      ok: true,
    });
  });

  it("refuse a hash that is not 64 lowercase hex digits as malformed-hash, naming which", () => {
    const proof = hashesToHex(inclusionProof(4, 21, getNode));
    const rootHex = bytesToHex(root(21));
    expect(verifyInclusionHex(bytesToHex(LEAVES[4]), 4, 21, proof, rootHex.toUpperCase())).toEqual({
      ok: false,
      reason: "malformed-hash",
      detail: "root is not 64 lowercase hex digits",
    });
    expect(verifyInclusionHex(bytesToHex(LEAVES[4]), 4, 21, [...proof.slice(1), "zz"], rootHex)).toMatchObject({
      reason: "malformed-hash",
      detail: `proof[${proof.length - 1}] is not 64 lowercase hex digits`,
    });
    const consistency = hashesToHex(consistencyProof(13, 21, getNode));
    expect(verifyConsistencyHex(13, 21, bytesToHex(root(13)), rootHex.slice(2), consistency)).toMatchObject({
      reason: "malformed-hash",
      detail: "new root is not 64 lowercase hex digits",
    });
  });

  it("pass the byte forms' reasons through", () => {
    const proof = hashesToHex(inclusionProof(4, 21, getNode));
    expect(verifyInclusionHex(bytesToHex(LEAVES[4]), 4, 21, proof.slice(1), bytesToHex(root(21)))).toMatchObject({
      reason: "wrong-proof-size",
    });
    expect(verifyConsistencyHex(21, 13, bytesToHex(root(21)), bytesToHex(root(13)), [])).toMatchObject({
      reason: "new-tree-smaller",
    });
  });
});

import { describe, expect, it } from "vitest";
import { utf8 } from "../../src/core/canonical-json.js";
import { bytesToHex, concatBytes, hexToBytes, sha3 } from "../../src/core/hash.js";
import {
  appendLeaf,
  assembleProof,
  consistencyPlan,
  consistencyProof,
  emptyFrontier,
  emptyRoot,
  frontierAddresses,
  frontierRoot,
  inclusionPlan,
  inclusionProof,
  leafHash,
  nodeKey,
  planAddresses,
  restoreFrontier,
  rootAt,
  rootPlan,
  type Frontier,
  type MerkleNode,
  type ProofPlan,
} from "../../src/core/merkle.js";
import { verifyConsistency, verifyInclusion } from "../../src/core/merkle-verify.js";
import { DomainError } from "../../src/core/problem.js";

// ---------------------------------------------------------------------------------------------
// RFC 9162 §2.1, written straight from the text (SHA3-256 in place of SHA-256). D is the list of
// leaf inputs. MTH is memoised on the slice's first element and length because every D below is a
// slice of the same list; that changes the cost, not the definition.

const H = (...parts: Uint8Array[]) => sha3(concatBytes(...parts));
const memo = new WeakMap<Uint8Array, Map<number, Uint8Array>>();

function largestPowerOfTwoLessThan(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

// §2.1.1
function MTH(D: Uint8Array[]): Uint8Array {
  const n = D.length;
  if (n === 0) return H(new Uint8Array(0));
  const cached = memo.get(D[0])?.get(n);
  if (cached) return cached;
  let hash: Uint8Array;
  if (n === 1) {
    hash = H(new Uint8Array([0x00]), D[0]);
  } else {
    const k = largestPowerOfTwoLessThan(n);
    hash = H(new Uint8Array([0x01]), MTH(D.slice(0, k)), MTH(D.slice(k)));
  }
  if (!memo.has(D[0])) memo.set(D[0], new Map());
  memo.get(D[0])!.set(n, hash);
  return hash;
}

// §2.1.3.1
function PATH(m: number, D: Uint8Array[]): Uint8Array[] {
  const n = D.length;
  if (n === 1) return [];
  const k = largestPowerOfTwoLessThan(n);
  if (m < k) return [...PATH(m, D.slice(0, k)), MTH(D.slice(k, n))];
  return [...PATH(m - k, D.slice(k, n)), MTH(D.slice(0, k))];
}

// §2.1.4.1
function PROOF(m: number, D: Uint8Array[]): Uint8Array[] {
  return SUBPROOF(m, D, true);
}

function SUBPROOF(m: number, D: Uint8Array[], b: boolean): Uint8Array[] {
  const n = D.length;
  if (m === n) return b ? [] : [MTH(D)];
  const k = largestPowerOfTwoLessThan(n);
  if (m <= k) return [...SUBPROOF(m, D.slice(0, k), b), MTH(D.slice(k, n))];
  return [...SUBPROOF(m - k, D.slice(k, n), false), MTH(D.slice(0, k))];
}

// ---------------------------------------------------------------------------------------------

const MAX = 200;
const DATA = Array.from({ length: MAX }, (_, i) => utf8(`ledger entry ${i}`));
const LEAVES = DATA.map(leafHash);
const D = (n: number) => DATA.slice(0, n);
// Tamper probes run every proof of these sizes: all shapes up to six levels plus the edges of the
// seventh and eighth. Every size to 200 costs ~7 s per probe in workerd (SHA3 is a few µs here);
// the equality-with-the-RFC checks do run every size and pair to 200.
const PROBED_SIZES = [...Array.from({ length: 64 }, (_, i) => i + 1), 100, 127, 128, 129, 199, 200];

/** A log as the Ledger DO keeps it: a frontier plus every complete node appends reported. */
class Log {
  frontier: Frontier = emptyFrontier();
  readonly nodes = new Map<string, Uint8Array>();
  readonly getNode = (level: number, index: number) => this.nodes.get(nodeKey(level, index));

  append(leaf: Uint8Array): MerkleNode[] {
    const { frontier, newNodes } = appendLeaf(this.frontier, leaf);
    this.frontier = frontier;
    for (const node of newNodes) this.nodes.set(nodeKey(node.level, node.index), node.hash);
    return newNodes;
  }
}

function grownLog(size: number): Log {
  const log = new Log();
  for (let i = 0; i < size; i += 1) log.append(LEAVES[i]);
  return log;
}

const flipped = (bytes: Uint8Array, at: number) => bytes.map((byte, i) => (i === at ? byte ^ 0x01 : byte));
const withElement = (proof: Uint8Array[], i: number, element: Uint8Array) =>
  proof.map((p, j) => (j === i ? element : p));
const hex = (hashes: Uint8Array[]) => hashes.map(bytesToHex);
// Whether a proof is accepted; test/core/merkle-verify.test.ts checks the reason given for a refusal.
const includes = (...args: Parameters<typeof verifyInclusion>) => verifyInclusion(...args).ok;
const consistent = (...args: Parameters<typeof verifyConsistency>) => verifyConsistency(...args).ok;

describe("Merkle tree hashing", () => {
  it("gives the empty log the hash of the empty string as its root", () => {
    expect(bytesToHex(frontierRoot(emptyFrontier()))).toBe(bytesToHex(sha3(new Uint8Array(0))));
    expect(bytesToHex(rootAt(0, () => undefined))).toBe(bytesToHex(MTH([])));
    expect(bytesToHex(emptyRoot())).toBe("a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
  });

  it("reproduces roots computed independently with Python's hashlib SHA3-256", () => {
    // The RFC 6962 test leaves of transparency-dev/merkle; the script reproduced their SHA-256
    // roots before switching to SHA3-256, so it implements the same tree.
    const leaves = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];
    const expected = [
      "5d53469f20fef4f8eab52b88044ede69c77a6a68a60728609fc4a65ff531e7d0",
      "00aa2729e7518d75a0bddbc27a81792cba8eef7d1f4776db825ac648d53ff899",
      "1fb033ea975c1b122f83bab69ac3d599e22022483e6d59d8483664f4468a12e7",
      "989723635d78295ffead0c3d2cdc1124d7005a02f1fcb5e0738d27dd121dda7b",
      "b68ad310ac9dac7dbb4eed8f461feef36a300d5b8c069b9a147d7fb42e119371",
      "b41b1d6937a1dc9a427a59f86a243017ca22ca52e617319a22d333d668086457",
      "16e8656d265de9fb0275341f3813e0851caecd33653df1597f0cd39ce40a4564",
      "da799b626ea73f9f5e404ef56ddac189d7f8a4c00b5c317b6ed69463a441ae3f",
    ];
    const log = new Log();
    leaves.forEach((leaf, i) => {
      log.append(leafHash(hexToBytes(leaf)));
      expect(bytesToHex(frontierRoot(log.frontier))).toBe(expected[i]);
    });
  });

  it("keeps the frontier root equal to the RFC 9162 MTH at every size from 1 to 200", () => {
    const log = new Log();
    for (let n = 1; n <= MAX; n += 1) {
      log.append(LEAVES[n - 1]);
      const want = bytesToHex(MTH(D(n)));
      expect(bytesToHex(frontierRoot(log.frontier))).toBe(want);
      expect(bytesToHex(rootAt(n, log.getNode))).toBe(want);
    }
  });

  it("reports every complete subtree an append finishes, each hashing exactly the leaves it covers", () => {
    const log = new Log();
    for (let n = 1; n <= MAX; n += 1) {
      const created = log.append(LEAVES[n - 1]);
      expect(created[0]).toMatchObject({ level: 0, index: n - 1 });
      for (const { level, index, hash } of created) {
        const width = 2 ** level;
        expect((index + 1) * width).toBe(n); // completed by this very leaf
        expect(bytesToHex(hash)).toBe(bytesToHex(MTH(DATA.slice(index * width, (index + 1) * width))));
      }
      // A tree of n leaves has 2n − 1 nodes; the incomplete right edge accounts for the rest.
      expect(log.nodes.size).toBe(2 * n - frontierAddresses(n).length);
    }
  });

  it("restores a frontier from stored nodes and keeps appending to the same roots", () => {
    const log = grownLog(77);
    const restored = new Log();
    for (const [key, hash] of log.nodes) restored.nodes.set(key, hash);
    restored.frontier = restoreFrontier(77, log.nodes);
    for (let n = 78; n <= 130; n += 1) {
      restored.append(LEAVES[n - 1]);
      expect(bytesToHex(frontierRoot(restored.frontier))).toBe(bytesToHex(MTH(D(n))));
    }
  });

  it("refuses a frontier whose hashes do not match its size", () => {
    const broken = { size: 3, hashes: [LEAVES[0]] };
    expect(() => appendLeaf(broken, LEAVES[1])).toThrow(DomainError);
    expect(() => appendLeaf(emptyFrontier(), new Uint8Array(31))).toThrow(DomainError);
  });
});

describe("inclusion proofs", () => {
  it("equal the RFC 9162 PATH and verify, for every index of every size from 1 to 200", () => {
    const failures: string[] = [];
    const log = new Log();
    for (let n = 1; n <= MAX; n += 1) {
      log.append(LEAVES[n - 1]); // only nodes that exist at size n are in the store
      const root = MTH(D(n));
      for (let m = 0; m < n; m += 1) {
        const proof = inclusionProof(m, n, log.getNode);
        if (hex(proof).join() !== hex(PATH(m, D(n))).join()) failures.push(`PATH(${m}, D[${n}]) differs`);
        if (!includes(LEAVES[m], m, n, proof, root)) failures.push(`proof of ${m} in ${n} does not verify`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("are rejected when any single byte of a proof element, the root or the leaf hash is flipped", () => {
    const log = grownLog(MAX);
    const cases: Array<[number, number]> = [
      [0, 1],
      [0, 2],
      [1, 2],
      [2, 3],
      [4, 7],
      [5, 8],
      [6, 8],
      [12, 13],
      [31, 32],
      [32, 33],
      [0, 200],
      [99, 200],
      [127, 200],
      [128, 200],
      [199, 200],
    ];
    for (const [m, n] of cases) {
      const proof = inclusionProof(m, n, log.getNode);
      const root = MTH(D(n));
      for (let at = 0; at < 32; at += 1) {
        expect(includes(flipped(LEAVES[m], at), m, n, proof, root)).toBe(false);
        expect(includes(LEAVES[m], m, n, proof, flipped(root, at))).toBe(false);
        proof.forEach((p, i) =>
          expect(includes(LEAVES[m], m, n, withElement(proof, i, flipped(p, at)), root)).toBe(false),
        );
      }
    }
  });

  it("are rejected with one flipped byte in each element, for every index of the probed sizes", () => {
    const accepted: string[] = [];
    const log = grownLog(MAX);
    for (const n of PROBED_SIZES) {
      const root = MTH(D(n));
      for (let m = 0; m < n; m += 1) {
        const proof = inclusionProof(m, n, log.getNode);
        const at = (m * 7 + n) % 32;
        proof.forEach((p, i) => {
          if (includes(LEAVES[m], m, n, withElement(proof, i, flipped(p, at)), root))
            accepted.push(`${m}/${n} element ${i}`);
        });
        if (includes(LEAVES[m], m, n, proof, flipped(root, at))) accepted.push(`${m}/${n} root`);
        if (includes(flipped(LEAVES[m], at), m, n, proof, root)) accepted.push(`${m}/${n} leaf`);
      }
    }
    expect(accepted).toEqual([]);
  });

  it("are rejected for any other index in the same tree, and for a tree twice or half the size", () => {
    const accepted: string[] = [];
    const log = grownLog(MAX);
    for (const n of PROBED_SIZES) {
      const root = MTH(D(n));
      for (let m = 0; m < n; m += 1) {
        const proof = inclusionProof(m, n, log.getNode);
        // Every other index for small trees; the neighbours and m xor 2 (transparency-dev's probes) beyond.
        const others = n <= 32 ? Array.from({ length: n + 2 }, (_, i) => i - 1) : [m - 1, m + 1, m ^ 2, n, n + 1];
        for (const other of others) {
          if (other !== m && includes(LEAVES[m], other, n, proof, root)) accepted.push(`${m}/${n} as index ${other}`);
        }
        for (const size of [n * 2, Math.floor(n / 2), 0]) {
          if (includes(LEAVES[m], m, size, proof, root)) accepted.push(`${m}/${n} as size ${size}`);
        }
      }
    }
    expect(accepted).toEqual([]);
  });

  // RFC 9162 §2.1.3.2 only checks that the path has the shape (index, size) implies, and some
  // neighbouring sizes share a shape: 0/3 and 0/4 both climb "left, left". A root is therefore only
  // meaningful together with its size, which is what the signed checkpoint binds.
  it("rely on the signed checkpoint to bind a root to its size, as the RFC algorithm does not", () => {
    const log = grownLog(4);
    const proof = inclusionProof(0, 3, log.getNode);
    expect(includes(LEAVES[0], 0, 3, proof, MTH(D(3)))).toBe(true);
    expect(includes(LEAVES[0], 0, 4, proof, MTH(D(3)))).toBe(true);
    expect(includes(LEAVES[0], 0, 4, proof, MTH(D(4)))).toBe(false);
  });

  it("are rejected when a proof element is dropped, added or the proof is for another leaf", () => {
    const log = grownLog(MAX);
    for (const [m, n] of [
      [0, 5],
      [3, 8],
      [6, 7],
      [100, 200],
      [199, 200],
    ] as const) {
      const proof = inclusionProof(m, n, log.getNode);
      const root = MTH(D(n));
      expect(includes(LEAVES[m], m, n, proof.slice(0, -1), root)).toBe(false);
      expect(includes(LEAVES[m], m, n, [...proof, root], root)).toBe(false);
      expect(includes(LEAVES[m], m, n, [root, ...proof], root)).toBe(false);
      expect(includes(LEAVES[(m + 1) % n], m, n, proof, root)).toBe(false);
      expect(includes(LEAVES[m], m, n, [...proof.slice(0, -1), new Uint8Array(31)], root)).toBe(false);
    }
  });

  it("cannot be requested for an index outside the tree", () => {
    const log = grownLog(5);
    const attempt = (m: number, n: number) => () => inclusionProof(m, n, log.getNode);
    expect(attempt(5, 5)).toThrow(expect.objectContaining({ code: "proof-out-of-range" }));
    expect(attempt(0, 0)).toThrow(expect.objectContaining({ code: "proof-out-of-range" }));
    expect(attempt(-1, 5)).toThrow(expect.objectContaining({ code: "invalid-tree-size" }));
    expect(attempt(1.5, 5)).toThrow(expect.objectContaining({ code: "invalid-tree-size" }));
    expect(attempt(3, 9)).toThrow(expect.objectContaining({ code: "merkle-node-missing" })); // the store never saw size 9
  });
});

describe("consistency proofs", () => {
  it("equal the RFC 9162 PROOF and verify, for every pair 1 ≤ m ≤ n ≤ 200", () => {
    const failures: string[] = [];
    const log = new Log();
    for (let n = 1; n <= MAX; n += 1) {
      log.append(LEAVES[n - 1]);
      const toRoot = MTH(D(n));
      for (let m = 1; m <= n; m += 1) {
        const proof = consistencyProof(m, n, log.getNode);
        if (hex(proof).join() !== hex(PROOF(m, D(n))).join()) failures.push(`PROOF(${m}, D[${n}]) differs`);
        if (!consistent(m, n, MTH(D(m)), toRoot, proof)) failures.push(`proof ${m} → ${n} does not verify`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("are rejected when any single byte of a proof element or of either root is flipped", () => {
    const log = grownLog(MAX);
    const cases: Array<[number, number]> = [
      [1, 2],
      [1, 8],
      [2, 5],
      [3, 7],
      [4, 9],
      [6, 8],
      [6, 7],
      [31, 33],
      [64, 200],
      [100, 200],
      [199, 200],
    ];
    for (const [m, n] of cases) {
      const proof = consistencyProof(m, n, log.getNode);
      const [fromRoot, toRoot] = [MTH(D(m)), MTH(D(n))];
      for (let at = 0; at < 32; at += 1) {
        expect(consistent(m, n, flipped(fromRoot, at), toRoot, proof)).toBe(false);
        expect(consistent(m, n, fromRoot, flipped(toRoot, at), proof)).toBe(false);
        proof.forEach((p, i) =>
          expect(consistent(m, n, fromRoot, toRoot, withElement(proof, i, flipped(p, at)))).toBe(false),
        );
      }
    }
  });

  it("are rejected with one flipped byte in each element or root, for every pair of the probed sizes", () => {
    const accepted: string[] = [];
    const log = grownLog(MAX);
    for (const n of PROBED_SIZES) {
      const toRoot = MTH(D(n));
      for (let m = 1; m < n; m += 1) {
        const proof = consistencyProof(m, n, log.getNode);
        const fromRoot = MTH(D(m));
        const at = (m * 5 + n) % 32;
        proof.forEach((p, i) => {
          if (consistent(m, n, fromRoot, toRoot, withElement(proof, i, flipped(p, at))))
            accepted.push(`${m} → ${n} element ${i}`);
        });
        if (consistent(m, n, flipped(fromRoot, at), toRoot, proof)) accepted.push(`${m} → ${n} old root`);
        if (consistent(m, n, fromRoot, flipped(toRoot, at), proof)) accepted.push(`${m} → ${n} new root`);
      }
    }
    expect(accepted).toEqual([]);
  });

  it("are rejected for wrong sizes, swapped roots, and truncated or padded proofs", () => {
    const accepted: string[] = [];
    const log = grownLog(MAX);
    for (const n of PROBED_SIZES) {
      for (let m = 1; m < n; m += 1) {
        const proof = consistencyProof(m, n, log.getNode);
        const [fromRoot, toRoot] = [MTH(D(m)), MTH(D(n))];
        const probes: Array<[string, number, number, Uint8Array, Uint8Array, Uint8Array[]]> = [
          ["from − 1", m - 1, n, fromRoot, toRoot, proof],
          ["from + 1", m + 1, n, fromRoot, toRoot, proof],
          ["to × 2", m, n * 2, fromRoot, toRoot, proof],
          ["to ÷ 2", m, Math.floor(n / 2), fromRoot, toRoot, proof],
          ["sizes swapped", n, m, fromRoot, toRoot, proof],
          ["roots swapped", m, n, toRoot, fromRoot, proof],
          ["empty proof", m, n, fromRoot, toRoot, []],
          ["truncated", m, n, fromRoot, toRoot, proof.slice(0, -1)],
          ["trailing root", m, n, fromRoot, toRoot, [...proof, toRoot]],
          ["leading root", m, n, fromRoot, toRoot, [fromRoot, ...proof]],
        ];
        for (const [what, from, to, a, b, p] of probes) {
          if (!(from === m && to === n && p === proof && a === fromRoot) && consistent(from, to, a, b, p))
            accepted.push(`${m} → ${n}: ${what}`);
        }
      }
    }
    expect(accepted).toEqual([]);
  });

  it("treat equal sizes and the empty tree as trivially consistent, and nothing else", () => {
    const [r5, r9] = [MTH(D(5)), MTH(D(9))];
    expect(consistent(5, 5, r5, r5, [])).toBe(true);
    expect(consistent(5, 5, r5, r9, [])).toBe(false);
    expect(consistent(5, 5, r5, r5, [r5])).toBe(false);
    expect(consistent(0, 9, emptyRoot(), r9, [])).toBe(true);
    expect(consistent(0, 9, r5, r9, [])).toBe(false); // size 0 has exactly one root
    expect(consistent(0, 9, emptyRoot(), r9, [r9])).toBe(false);
    expect(consistent(9, 5, r9, r5, [])).toBe(false);
    expect(consistencyProof(0, 9, () => undefined)).toEqual([]);
    expect(() => consistencyProof(9, 5, () => undefined)).toThrow(
      expect.objectContaining({ code: "proof-out-of-range" }),
    );
  });
});

describe("batched node reads", () => {
  it("name only complete nodes inside the tree, each once, and assemble the same proofs as the callback", () => {
    const problems: string[] = [];
    const log = grownLog(MAX);
    const bound = (n: number) => 2 * Math.ceil(Math.log2(n)) + 1; // O(log n) reads per proof
    for (let n = 1; n <= MAX; n += 1) {
      const plans: Array<[string, ProofPlan, Uint8Array[]]> = [["root", rootPlan(n), [MTH(D(n))]]];
      for (let m = 0; m < n; m += 1)
        plans.push([`inclusion ${m}/${n}`, inclusionPlan(m, n), inclusionProof(m, n, log.getNode)]);
      for (let m = 1; m <= n; m += 1)
        plans.push([`consistency ${m} → ${n}`, consistencyPlan(m, n), consistencyProof(m, n, log.getNode)]);
      for (const [what, plan, expected] of plans) {
        const addresses = planAddresses(plan);
        const keys = addresses.map((a) => nodeKey(a.level, a.index));
        if (new Set(keys).size !== keys.length) problems.push(`${what} names a node twice`);
        if (addresses.some((a) => (a.index + 1) * 2 ** a.level > n)) problems.push(`${what} reads past the tree`);
        if (addresses.length > bound(n)) problems.push(`${what} reads ${addresses.length} nodes`);
        const nodes = new Map(keys.map((key) => [key, log.nodes.get(key)!]));
        if (hex(assembleProof(plan, nodes)).join() !== hex(expected).join())
          problems.push(`${what} assembles differently`);
      }
    }
    expect(problems).toEqual([]);
  }, 60_000); // ~2 s alone; CPU-bound, so a loaded machine needs more than the 5 s default

  it("serve the root of every earlier size from the nodes of the grown log", () => {
    const log = grownLog(MAX);
    for (let m = 0; m <= MAX; m += 1) expect(bytesToHex(rootAt(m, log.getNode))).toBe(bytesToHex(MTH(D(m))));
  });

  it("report a missing node as a storage problem rather than a wrong proof", () => {
    const log = grownLog(10);
    const plan = inclusionPlan(3, 10);
    const partial = new Map(log.nodes);
    partial.delete(nodeKey(0, 2)); // the sibling of leaf 3
    expect(() => assembleProof(plan, partial)).toThrow(
      expect.objectContaining({ code: "merkle-node-missing", status: 500 }),
    );
  });
});

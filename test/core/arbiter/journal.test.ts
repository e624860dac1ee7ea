import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { bytesToHex, concatBytes, hexToBytes, sha3 } from "../../../src/core/hash.js";
import { DomainError } from "../../../src/core/problem.js";
import {
  actionRecord,
  appendEntries,
  appendEntry,
  entryHash,
  EMPTY_JOURNAL,
  extendFrontier,
  flowResultRecord,
  genesisEntry,
  headOf,
  hexFrontierRoot,
  journalManifest,
  journalMerkleRoot,
  merkleRoot,
  pulseRecord,
  verifyChain,
  verifyJournalSteps,
  withoutProgress,
  type JournalEntry,
  type VerificationRecord,
} from "../../../src/core/arbiter/journal.js";
import { GENESIS_PREVIOUS_HASH } from "../../../src/core/hash.js";

const T = 1_700_000_000.25;

function sampleJournal(extra = 8): JournalEntry[] {
  const genesis = genesisEntry(T, { worldLine: "wl_test" });
  const payloads = Array.from({ length: extra }, (_, i) =>
    i % 3 === 0
      ? pulseRecord({ sequence: i, tLambda: 0.004 })
      : i % 3 === 1
        ? flowResultRecord("E", { threat_score: i / 10 })
        : actionRecord("NOOP", { threat: 0.5 }),
  );
  return [genesis, ...appendEntries(headOf([genesis]), payloads, T + 1).entries];
}

const flip = (hex: string) => (hex[0] === "0" ? "1" : "0") + hex.slice(1);
const node = (l: string, r: string) => bytesToHex(sha3(concatBytes(new Uint8Array([1]), hexToBytes(l), hexToBytes(r))));

describe("journal chain (seed 001 §6)", () => {
  it("starts with a genesis entry at index 0 chained to 64 zeros", () => {
    const genesis = genesisEntry(T, { worldLine: "wl_test" });
    expect(genesis.index).toBe(0);
    expect(genesis.previous_hash).toBe(GENESIS_PREVIOUS_HASH);
    expect(genesis.data).toMatchObject({ type: "genesis", worldLine: "wl_test" });
    expect(genesis.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("hashes each entry with SHA3-256 over the canonical JSON of index, timestamp, data and previous_hash", () => {
    const { entry } = appendEntry(EMPTY_JOURNAL, { type: "action", action: "NOOP", details: { b: 1, a: 2 } }, T);
    const canonical = `{"data":{"action":"NOOP","details":{"a":2,"b":1},"type":"action"},"index":0,"previous_hash":"${GENESIS_PREVIOUS_HASH}","timestamp":${T}}`;
    expect(entry.hash).toBe(bytesToHex(sha3(new TextEncoder().encode(canonical))));
    expect(entryHash(entry)).toBe(entry.hash);
  });

  it("links every entry to the hash of the one before", () => {
    const entries = sampleJournal();
    entries.slice(1).forEach((entry, i) => expect(entry.previous_hash).toBe(entries[i].hash));
    expect(headOf(entries)).toEqual({ length: entries.length, hash: entries[entries.length - 1].hash });
  });

  it("an untouched journal verifies", () => {
    const entries = sampleJournal();
    expect(verifyChain(entries)).toEqual({ ok: true, head: headOf(entries) });
  });

  it("verification fails at the entry where any field of any entry was tampered with", () => {
    const entries = sampleJournal();
    const tamperings: Array<(e: JournalEntry) => JournalEntry> = [
      (e) => ({ ...e, data: { ...e.data, tampered: true } }),
      (e) => ({ ...e, timestamp: e.timestamp + 1 }),
      (e) => ({ ...e, index: e.index + 1 }),
      (e) => ({ ...e, previous_hash: flip(e.previous_hash) }),
      (e) => ({ ...e, hash: flip(e.hash) }),
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: entries.length - 1 }),
        fc.integer({ min: 0, max: tamperings.length - 1 }),
        (at, how) => {
          const tampered = entries.map((e, i) => (i === at ? tamperings[how](e) : e));
          const result = verifyChain(tampered);
          return !result.ok && result.index === at;
        },
      ),
      { numRuns: 200 },
    );
  });

  it("re-sealing a tampered entry with a fresh hash still breaks the link to the next entry", () => {
    const entries = sampleJournal();
    const forged = { ...entries[3], data: { type: "action", action: "NOOP", details: {} } };
    const resealed = { ...forged, hash: entryHash(forged) };
    const result = verifyChain(entries.map((e, i) => (i === 3 ? resealed : e)));
    expect(result).toEqual({ ok: false, index: 4, reason: "previous_hash" });
  });

  it("dropping or reordering entries fails verification", () => {
    const entries = sampleJournal();
    expect(verifyChain([...entries.slice(0, 2), ...entries.slice(3)])).toMatchObject({
      ok: false,
      index: 2,
      reason: "index",
    });
    expect(verifyChain([entries[1], entries[0], ...entries.slice(2)]).ok).toBe(false);
  });

  it("a page of entries verifies against the head it continues, and not against another", () => {
    const entries = sampleJournal();
    const trusted = headOf(entries.slice(0, 4));
    expect(verifyChain(entries.slice(4), trusted).ok).toBe(true);
    expect(verifyChain(entries.slice(4), headOf(entries.slice(0, 3))).ok).toBe(false);
  });
});

describe("journal Merkle root and manifest (seed 001 §6)", () => {
  const [a, b, c] = ["a", "b", "c"].map((s) => bytesToHex(sha3(new TextEncoder().encode(s))));

  it("builds a binary tree over entry hashes, carrying an unpaired node up unchanged", () => {
    expect(merkleRoot([])).toBe(bytesToHex(sha3(new Uint8Array(0))));
    expect(merkleRoot([a])).toBe(a);
    expect(merkleRoot([a, b])).toBe(node(a, b));
    expect(merkleRoot([a, b, c])).toBe(node(node(a, b), c));
    expect(merkleRoot([a, b, c, c])).not.toBe(merkleRoot([a, b, c]));
  });

  it("changes when any entry changes", () => {
    const entries = sampleJournal();
    const root = journalMerkleRoot(entries);
    for (let i = 0; i < entries.length; i++) {
      expect(journalMerkleRoot(entries.map((e, j) => (j === i ? { ...e, hash: flip(e.hash) } : e)))).not.toBe(root);
    }
  });

  it("refuses leaves that are not 64-hex hashes", () => {
    expect(() => merkleRoot([a, "xyz"])).toThrow(DomainError);
  });

  it("the manifest names the algorithms, the genesis and head hashes, the root and whether the chain verifies", () => {
    const entries = sampleJournal();
    expect(journalManifest(entries)).toEqual({
      format: "venom-ledger/1",
      hash_algorithm: "SHA3-256",
      canonical_json: "RFC 8785",
      length: entries.length,
      genesis_hash: entries[0].hash,
      head_hash: entries[entries.length - 1].hash,
      merkle_root: journalMerkleRoot(entries),
      first_timestamp: T,
      last_timestamp: T + 1,
      verified: true,
    });
  });

  it("the manifest of a tampered journal says it does not verify and gives no root", () => {
    const entries = sampleJournal();
    entries[2] = { ...entries[2], timestamp: 0 };
    expect(journalManifest(entries)).toMatchObject({ verified: false, merkle_root: null });
  });
});

describe("journal verification in steps", () => {
  const journal = sampleJournal(20); // 21 entries
  const root = journalMerkleRoot(journal);
  const reader = (entries: JournalEntry[]) => (from: number, limit: number) =>
    entries.filter((e) => e.index >= from).slice(0, limit);
  const step = (earlier: VerificationRecord | undefined, entries = journal, limit = 8, now = 10) =>
    verifyJournalSteps({ earlier, size: entries.length, limit, chunk: 3, root, now, read: reader(entries) });

  it("the frontier kept as entries are appended has the journal's Merkle root", () => {
    const frontier = extendFrontier(extendFrontier({ size: 0, hashes: [] }, journal.slice(0, 5)), journal.slice(5));
    expect(frontier.size).toBe(journal.length);
    expect(hexFrontierRoot(frontier)).toBe(root);
  });

  it("continues each call where the last stopped, and is done once every entry and the root check out", () => {
    const first = step(undefined, journal, 8, 10);
    expect(withoutProgress(first)).toEqual({
      ok: true,
      length: 8,
      journalLength: 21,
      done: false,
      startedAt: 10,
      at: 10,
    });
    const second = step(first, journal, 8, 20);
    expect([second.length, second.done, second.startedAt, second.at]).toEqual([16, false, 10, 20]);
    const third = step(second, journal, 8, 30);
    expect(withoutProgress(third)).toEqual({
      ok: true,
      length: 21,
      journalLength: 21,
      done: true,
      startedAt: 10,
      at: 30,
    });
  });

  it("reports the first bad entry, missing entries, unreadable data and a root that is not the arbiter's", () => {
    const tampered = journal.map((e) => (e.index === 5 ? { ...e, data: { ...e.data, forged: true } } : e));
    expect(step(undefined, tampered)).toMatchObject({ ok: false, firstBadIndex: 5, reason: "hash", length: 3 }); // length: the entries checked before the 3-row chunk that holds it
    const missing = verifyJournalSteps({
      earlier: undefined,
      size: 21,
      limit: 100,
      chunk: 3,
      root,
      now: 1,
      read: reader(journal.slice(0, 7)),
    });
    expect(missing).toMatchObject({ ok: false, firstBadIndex: 7, reason: "index" });
    const unreadable = verifyJournalSteps({
      earlier: undefined,
      size: 21,
      limit: 100,
      chunk: 3,
      root,
      now: 1,
      read: (from) => {
        if (from >= 9) throw new SyntaxError("not JSON");
        return reader(journal)(from, 3);
      },
    });
    expect(unreadable).toMatchObject({ ok: false, firstBadIndex: 9, reason: "data" });
    const otherRoot = verifyJournalSteps({
      earlier: undefined,
      size: 21,
      limit: 100,
      chunk: 3,
      root: "0".repeat(64),
      now: 1,
      read: reader(journal),
    });
    expect(withoutProgress(otherRoot)).toMatchObject({ ok: false, length: 21, done: false, reason: "merkle_root" });
  });
});

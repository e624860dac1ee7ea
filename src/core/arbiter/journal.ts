// The arbiter's journal: the seed's immutable, hash-chained ledger (seed 001 §6 "Immutable Ledger").
//
//   LedgerEntry { index, timestamp, data, previous_hash, hash }
//   hash = SHA3-256(canonical JSON of the entry without `hash`)
//
// Field names are the seed's, so a journal exported from DarkMatter reads like a VENOM ledger.
// Canonical JSON is RFC 8785 (DESIGN "Canonical bytes") rather than the seed's Python
// `json.dumps(sort_keys=True, separators=(",", ":"))`: both sort keys and drop whitespace, but Python
// escapes non-ASCII and prints some floats differently, so hashes are not byte-compatible with a Python
// VENOM ledger. Timestamps are seconds since the epoch as floats, as in the seed.
//
// Like the rest of src/core this module holds no storage: functions take entries (or the chain head)
// and return new entries; the Arbiter Durable Object persists them (src/stores/arbiter-store.ts).
import type { z } from "zod";
import type { JsonObject } from "../canonical-json.js";
import type { ArbiterJournal } from "../../schemas/arbiter.js";
import { bytesToHex, concatBytes, GENESIS_PREVIOUS_HASH, hashJson, hexToBytes, HEX64, sha3 } from "../hash.js";
import { appendLeaf, frontierRoot, type Frontier } from "../merkle.js";
import { DomainError } from "../problem.js";
import type { JournalVerification as JournalVerificationSchema } from "../../schemas/arbiter.js";

/** One entry: `{index, timestamp (seconds, float), data, previous_hash, hash}` (schema and field docs: `ArbiterJournal` in src/schemas/arbiter.ts). */
export type JournalEntry = z.infer<typeof ArbiterJournal>["entries"][number];

/** Entry payloads are JSON objects with a `type` (seed §6 operations: genesis, pulse, flow_result, action). */
export type JournalData = JournalEntry["data"];

/** What the next append needs: how many entries exist and the hash of the last one. Plain data, persisted with the arbiter state. */
export interface JournalHead {
  length: number;
  hash: string;
}

export const EMPTY_JOURNAL: Readonly<JournalHead> = Object.freeze({ length: 0, hash: GENESIS_PREVIOUS_HASH });
export const JOURNAL_FORMAT = "venom-ledger/1";

/** SHA3-256 over RFC 8785 bytes of `{index, timestamp, data, previous_hash}`. */
export function entryHash(entry: Omit<JournalEntry, "hash">): string {
  return hashJson({
    index: entry.index,
    timestamp: entry.timestamp,
    data: entry.data,
    previous_hash: entry.previous_hash,
  });
}

/** Seed §6 `add_entry(data)`: the entry that follows `head`. Returns the entry and the new head. */
export function appendEntry(
  head: JournalHead,
  data: JournalData,
  timestamp: number,
): { entry: JournalEntry; head: JournalHead } {
  const unsealed = { index: head.length, timestamp, data, previous_hash: head.hash };
  const entry: JournalEntry = { ...unsealed, hash: entryHash(unsealed) };
  return { entry, head: { length: head.length + 1, hash: entry.hash } };
}

/** Appends several payloads in order, all stamped `timestamp`. */
export function appendEntries(
  head: JournalHead,
  payloads: readonly JournalData[],
  timestamp: number,
): { entries: JournalEntry[]; head: JournalHead } {
  const entries: JournalEntry[] = [];
  let current = head;
  for (const data of payloads) {
    const appended = appendEntry(current, data, timestamp);
    entries.push(appended.entry);
    current = appended.head;
  }
  return { entries, head: current };
}

/** Seed §"Testing" "Genesis block creation": entry 0, chained to 64 zeros. `extra` can name the world line. */
export function genesisEntry(timestamp: number, extra: JsonObject = {}): JournalEntry {
  return appendEntry(EMPTY_JOURNAL, { ...extra, type: "genesis", format: JOURNAL_FORMAT }, timestamp).entry;
}

/** Seed §6 `record_pulse(pulse_data)`. */
export function pulseRecord(pulse: object): JournalData {
  return { type: "pulse", pulse };
}

/** Seed §6 `record_flow_result(flow, result)`: one core's output. */
export function flowResultRecord(flow: string, result: object): JournalData {
  return { type: "flow_result", flow, result };
}

/** Seed §6 `record_action(type, details)`. */
export function actionRecord(action: string, details: object): JournalData {
  return { type: "action", action, details };
}

export function headOf(entries: readonly JournalEntry[], start: JournalHead = EMPTY_JOURNAL): JournalHead {
  const last = entries[entries.length - 1];
  return last ? { length: last.index + 1, hash: last.hash } : { ...start };
}

export type JournalVerification =
  { ok: true; head: JournalHead } | { ok: false; index: number; reason: "index" | "previous_hash" | "hash" };

/**
 * Seed §6 `verify_chain()`: every entry sits at its index, links to its predecessor's hash (64 zeros for
 * genesis) and carries the hash of its own content. `start` lets a caller verify a page of entries that
 * continues a head it already trusts. Reports the first entry that fails.
 */
export function verifyChain(entries: readonly JournalEntry[], start: JournalHead = EMPTY_JOURNAL): JournalVerification {
  let head = { ...start };
  for (const entry of entries) {
    if (entry.index !== head.length) return { ok: false, index: head.length, reason: "index" };
    if (entry.previous_hash !== head.hash) return { ok: false, index: entry.index, reason: "previous_hash" };
    if (!HEX64.test(entry.hash) || entryHash(entry) !== entry.hash)
      return { ok: false, index: entry.index, reason: "hash" };
    head = { length: entry.index + 1, hash: entry.hash };
  }
  return { ok: true, head };
}

/** Internal-node prefix, as in RFC 9162 §2.1.1, so a node can never be mistaken for an entry hash. */
const NODE_PREFIX = new Uint8Array([0x01]);

/**
 * Seed §6 "Merkle Root: computed from all entry hashes, binary tree structure". The seed fixes no more,
 * so: the leaves are the entry hashes themselves (already SHA3-256 of canonical entries); each level
 * pairs neighbours as SHA3-256(0x01 ‖ left ‖ right); an unpaired last node moves up unchanged (never
 * duplicated, so [a, b, c] and [a, b, c, c] differ). That is the same tree shape as RFC 9162 (left
 * subtree = largest power of two). The root of one entry is its hash; of none, SHA3-256 of no bytes.
 * Cost O(n), as the seed says.
 */
export function merkleRoot(leafHashes: readonly string[]): string {
  if (leafHashes.length === 0) return bytesToHex(sha3(new Uint8Array(0)));
  let level: Uint8Array[] = leafHashes.map((hash, i) => {
    if (!HEX64.test(hash))
      throw new DomainError("invalid-journal", {
        detail: `leaf ${i} is not a 64-hex SHA3-256 hash`,
        errors: [{ path: `/${i}`, message: "expected 64 lowercase hex" }],
      });
    return hexToBytes(hash);
  });
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? sha3(concatBytes(NODE_PREFIX, level[i], level[i + 1])) : level[i]);
    }
    level = next;
  }
  return bytesToHex(level[0]);
}

/** Seed §6 `compute_merkle_root()`. */
export function journalMerkleRoot(entries: readonly JournalEntry[]): string {
  return merkleRoot(entries.map((entry) => entry.hash));
}

/** The answer of POST …/journal/verify (fields: `JournalVerification` in src/schemas/arbiter.ts). */
export type Verification = z.infer<typeof JournalVerificationSchema>;

/** Seed §6 `get_manifest()`: what a reader needs to check and anchor the journal (fields and their meaning: `ArbiterJournal` in src/schemas/arbiter.ts). */
export type JournalManifest = z.infer<typeof ArbiterJournal>["manifest"];

export function journalManifest(entries: readonly JournalEntry[]): JournalManifest {
  const first = entries[0];
  const last = entries[entries.length - 1];
  const verified = verifyChain(entries).ok;
  // A root over a broken chain would commit to entries nobody can vouch for, so there is none.
  return manifestOf({
    length: entries.length,
    first,
    last,
    merkleRoot: journalMerkleRoot(entries),
    isBroken: !verified,
  });
}

/**
 * The manifest without reading the journal: the length and Merkle root from the frontier kept as
 * entries are appended, the first and last entries (two reads), and whether a verification has
 * found the chain broken. Cost O(1) in the journal's length, where `journalManifest` is O(n).
 */
export function manifestOf(summary: {
  length: number;
  first: Pick<JournalEntry, "hash" | "timestamp"> | undefined;
  last: Pick<JournalEntry, "hash" | "timestamp"> | undefined;
  merkleRoot: string;
  isBroken: boolean;
}): JournalManifest {
  const { first, last } = summary;
  return {
    format: JOURNAL_FORMAT,
    hash_algorithm: "SHA3-256",
    canonical_json: "RFC 8785",
    length: summary.length,
    genesis_hash: first?.hash ?? null,
    head_hash: last?.hash ?? null,
    merkle_root: summary.isBroken ? null : summary.merkleRoot,
    first_timestamp: first?.timestamp ?? null,
    last_timestamp: last?.timestamp ?? null,
    verified: !summary.isBroken,
  };
}

/**
 * Where a verification that runs in steps has got to: the head of the chain checked so far and the
 * Merkle frontier (RFC 9162 compact range, hex) of the entries checked, so the next step reads on
 * from there instead of from genesis.
 */
export interface VerificationProgress {
  head: JournalHead;
  frontier: { size: number; hashes: string[] };
}

export const NO_PROGRESS: Readonly<VerificationProgress> = Object.freeze({
  head: EMPTY_JOURNAL,
  frontier: { size: 0, hashes: [] },
});

export type VerificationStep =
  | { ok: true; progress: VerificationProgress }
  | { ok: false; index: number; reason: "index" | "previous_hash" | "hash" };

/**
 * The journal's Merkle frontier as the arbiter persists it (RFC 9162 compact range, node hashes in
 * hex): the arbiter keeps one for its whole journal, a verification one for the entries it checked.
 */
export interface HexFrontier {
  size: number;
  hashes: string[];
}

/** The frontier with `entries` appended as leaves (their hashes, already SHA3-256 of the canonical entries). */
export function extendFrontier(frontier: HexFrontier, entries: readonly Pick<JournalEntry, "hash">[]): HexFrontier {
  let next: Frontier = { size: frontier.size, hashes: frontier.hashes.map((hash) => hexToBytes(hash)) };
  for (const entry of entries) next = appendLeaf(next, hexToBytes(entry.hash)).frontier;
  return { size: next.size, hashes: next.hashes.map(bytesToHex) };
}

/** The Merkle root of the entries a frontier holds (equal to `journalMerkleRoot` of them: same tree shape, same node prefix). */
export function hexFrontierRoot(frontier: HexFrontier): string {
  return bytesToHex(frontierRoot({ size: frontier.size, hashes: frontier.hashes.map((hash) => hexToBytes(hash)) }));
}

/** `verifyChain` over the next entries, also folding their hashes into the Merkle frontier. */
export function continueVerification(
  progress: VerificationProgress,
  entries: readonly JournalEntry[],
): VerificationStep {
  const checked = verifyChain(entries, progress.head);
  if (!checked.ok) return checked;
  return { ok: true, progress: { head: checked.head, frontier: extendFrontier(progress.frontier, entries) } };
}

/** The Merkle root of the entries a verification has checked. */
export function progressRoot(progress: VerificationProgress): string {
  return hexFrontierRoot(progress.frontier);
}

/** The last verification of a journal as the arbiter keeps it: the answer, and where it stopped. */
export type VerificationRecord = Verification & { progress: VerificationProgress };

/**
 * One call of a verification that runs in steps (POST …/journal/verify): from where `earlier`
 * stopped (from genesis without it), at most `limit` more entries, read `chunk` at a time through
 * `read` (which throws on a row whose data is not JSON). Done when every entry of the journal's
 * `size` is checked and their Merkle root is `root`, the one the arbiter kept and anchors: a journal
 * rewritten consistently from some entry on still fails there.
 */
export function verifyJournalSteps(input: {
  earlier: VerificationRecord | undefined;
  size: number;
  limit: number;
  chunk: number;
  root: string;
  now: number;
  read: (from: number, limit: number) => JournalEntry[];
}): VerificationRecord {
  const { earlier, size, now } = input;
  let progress = earlier?.progress ?? NO_PROGRESS;
  const result = (failure?: Pick<Verification, "firstBadIndex" | "reason">): VerificationRecord => ({
    ok: !failure,
    length: progress.head.length,
    journalLength: size,
    done: !failure && progress.head.length === size,
    startedAt: earlier?.startedAt ?? now,
    at: now,
    ...failure,
    progress,
  });
  let outcome: VerificationRecord | undefined;
  const end = Math.min(size, progress.head.length + input.limit);
  while (!outcome && progress.head.length < end) {
    const from = progress.head.length;
    let rows: JournalEntry[];
    try {
      rows = input.read(from, Math.min(input.chunk, end - from));
    } catch {
      outcome = result({ firstBadIndex: from, reason: "data" }); // a row whose data is not JSON
      break;
    }
    if (rows.length === 0) {
      outcome = result({ firstBadIndex: from, reason: "index" }); // entries missing
      break;
    }
    const step = continueVerification(progress, rows);
    if (step.ok) progress = step.progress;
    else outcome = result({ firstBadIndex: step.index, reason: step.reason });
  }
  if (!outcome && progress.head.length === size && progressRoot(progress) !== input.root)
    outcome = result({ reason: "merkle_root" });
  return outcome ?? result();
}

/** A verification as answered: without where it stopped. */
export function withoutProgress(verification: Verification & { progress?: VerificationProgress }): Verification {
  const { progress: _, ...rest } = verification;
  return rest;
}

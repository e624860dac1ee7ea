// Consensus-ledger entries (DESIGN: Ledger; seed 001 entry format): {index, timestamp, kind, data,
// previousHash, hash}, hash = SHA3-256 over the RFC 8785 bytes of the entry without `hash`.
// The Merkle leaf of an entry is RFC 9162's H(0x00 ‖ JCS(entry)) over the entry *with* its hash.
import type { z } from "zod";
import type { LedgerEntry as LedgerEntrySchema } from "../schemas/ledger.js";
import { canonicalBytes } from "./canonical-json.js";
import { hashJson } from "./hash.js";
import { leafHash } from "./merkle.js";

export const LEDGER_KINDS = [
  "genesis",
  "proposal",
  "approval",
  "promote",
  "rollback",
  "authorities",
  "anchor",
] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/** Kinds that change what is canonical and therefore carry quorum signatures and the four proofs. */
export const DECISION_KINDS: readonly LedgerKind[] = ["promote", "rollback", "authorities"];

/** An entry as stored and served (schema: `LedgerEntry` in src/schemas/ledger.ts); `data` is JSON, one record of ledger-records.ts per kind. */
export type LedgerEntry = z.infer<typeof LedgerEntrySchema>;

export type UnsealedEntry = Omit<LedgerEntry, "hash">;

export function sealEntry(entry: UnsealedEntry): LedgerEntry {
  const { index, timestamp, kind, data, previousHash } = entry;
  const unsealed = { index, timestamp, kind, data, previousHash };
  return { ...unsealed, hash: hashJson(unsealed) };
}

export function entryHashMatches(entry: LedgerEntry): boolean {
  const { hash, ...unsealed } = entry;
  return hashJson(unsealed) === hash;
}

export function entryLeaf(entry: LedgerEntry): Uint8Array {
  return leafHash(canonicalBytes(entry));
}

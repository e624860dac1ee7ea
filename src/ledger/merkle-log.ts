// The ledger's append-only log on the Durable Object's SQLite: the entries, every complete Merkle
// subtree hash (so an append is O(log n) through the frontier and any proof for any earlier size
// reads O(log n) stored hashes, never the log), the frontier and the head hash (kept in `meta`).
// The math is src/core/merkle.ts (RFC 9162 §2.1), which knows nothing of storage; the audit
// is src/core/ledger-audit.ts.
import type { z } from "zod";
import type { ConsistencyProof, InclusionProof, VerifyResult } from "../schemas/ledger.js";
import type { Json } from "../core/canonical-json.js";
import { bytesToHex, GENESIS_PREVIOUS_HASH, hexToBytes } from "../core/hash.js";
import { LedgerAuditor } from "../core/ledger-audit.js";
import { entryLeaf, sealEntry, type LedgerEntry, type LedgerKind } from "../core/ledger-entry.js";
import {
  appendLeaf,
  assembleProof,
  consistencyPlan,
  emptyFrontier,
  frontierRoot,
  inclusionPlan,
  nodeKey,
  planAddresses,
  rootPlan,
  type Frontier,
  type NodeAddress,
} from "../core/merkle.js";
import { DomainError } from "../core/problem.js";

interface EntryRow {
  idx: number;
  timestamp: number;
  kind: LedgerKind;
  data: string;
  previous_hash: string;
  hash: string;
  [column: string]: SqlStorageValue;
}

/** A read of entries in index order, from an index, optionally of one kind or about one world line. */
export interface EntryQuery {
  from: number;
  limit: number;
  kind?: LedgerKind;
  worldline?: string;
}

/** `worldlines[i]` names the world line `items[i]` concerns (the route hides private ones from anonymous readers). */
export interface EntryPage {
  items: LedgerEntry[];
  worldlines: Array<string | null>;
  size: number;
}

const toEntry = (row: EntryRow): LedgerEntry => ({
  index: row.idx,
  timestamp: row.timestamp,
  kind: row.kind,
  data: JSON.parse(row.data),
  previousHash: row.previous_hash,
  hash: row.hash,
});

export class MerkleLog {
  private frontier: Frontier = emptyFrontier();
  private headHash = GENESIS_PREVIOUS_HASH;

  constructor(private readonly sql: SqlStorage) {}

  get size(): number {
    return this.frontier.size;
  }

  /** The hash of the last entry (the genesis previous hash while the log is empty). */
  get head(): string {
    return this.headHash;
  }

  rootHex(): string {
    return bytesToHex(frontierRoot(this.frontier));
  }

  /** Loads the frontier and head as `append` stored them in `meta`. */
  restore(stored: string): void {
    const { size, hashes, head } = JSON.parse(stored) as { size: number; hashes: string[]; head: string };
    this.frontier = { size, hashes: hashes.map((hash) => hexToBytes(hash)) };
    this.headHash = head;
  }

  /**
   * Appends one entry: its row, the subtrees it completes and the new frontier. Callers run it
   * inside a storage transaction with the writes that belong to the entry. `data` may be built
   * from the entry's index, previous hash and timestamp (a decision records its own WHEN).
   */
  append(
    kind: LedgerKind,
    data: Json | ((index: number, previousHash: string, timestamp: number) => Json),
    worldline: string | null = null,
  ): LedgerEntry {
    const index = this.frontier.size;
    const timestamp = Date.now();
    const body = typeof data === "function" ? data(index, this.headHash, timestamp) : data;
    const entry = sealEntry({ index, timestamp, kind, data: body, previousHash: this.headHash });
    const { frontier, newNodes } = appendLeaf(this.frontier, entryLeaf(entry));
    this.sql.exec(
      "INSERT INTO entries (idx, timestamp, kind, worldline, data, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
      index,
      timestamp,
      kind,
      worldline,
      JSON.stringify(body),
      entry.previousHash,
      entry.hash,
    );
    for (const node of newNodes)
      this.sql.exec("INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)", node.level, node.index, node.hash);
    this.sql.exec(
      "INSERT OR REPLACE INTO meta (key, value) VALUES ('frontier', ?)",
      JSON.stringify({ size: frontier.size, hashes: frontier.hashes.map(bytesToHex), head: entry.hash }),
    );
    this.frontier = frontier;
    this.headHash = entry.hash;
    return entry;
  }

  entries(query: EntryQuery): EntryPage {
    const filters = ["idx >= ?"];
    const args: SqlStorageValue[] = [query.from];
    if (query.kind) (filters.push("kind = ?"), args.push(query.kind));
    if (query.worldline) (filters.push("worldline = ?"), args.push(query.worldline));
    const rows = this.sql
      .exec<EntryRow>(`SELECT * FROM entries WHERE ${filters.join(" AND ")} ORDER BY idx LIMIT ?`, ...args, query.limit)
      .toArray();
    return {
      items: rows.map(toEntry),
      worldlines: rows.map((row) => (row.worldline as string | null) ?? null),
      size: this.frontier.size,
    };
  }

  entry(index: number): { entry: LedgerEntry; worldline: string | null } {
    const row = this.sql
      .exec<{ worldline: string | null }>("SELECT worldline FROM entries WHERE idx = ?", index)
      .toArray()[0];
    return { entry: this.readEntry(index), worldline: row?.worldline ?? null };
  }

  readEntry(index: number): LedgerEntry {
    const row = this.sql.exec<EntryRow>("SELECT * FROM entries WHERE idx = ?", index).toArray()[0];
    if (!row) throw new DomainError("not-found", `ledger entry ${index} does not exist (size ${this.frontier.size})`);
    return toEntry(row);
  }

  /** The hashes of `count` entries from `from`, in index order (what an earlier append answered). */
  hashesFrom(from: number, count: number): Array<{ index: number; hash: string }> {
    return this.sql
      .exec<{ idx: number; hash: string }>(
        "SELECT idx, hash FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx",
        from,
        from + count,
      )
      .toArray()
      .map((row) => ({ index: row.idx, hash: row.hash }));
  }

  /** The indexes of the entries of one kind below `before`, in order. */
  indexesOf(kind: LedgerKind, before: number): number[] {
    return this.sql
      .exec<{ idx: number }>("SELECT idx FROM entries WHERE kind = ? AND idx < ? ORDER BY idx", kind, before)
      .toArray()
      .map((row) => row.idx);
  }

  // ---- proofs (RFC 9162 §2.1.3, §2.1.4) ---------------------------------------------------

  inclusion(index: number, size?: number): z.infer<typeof InclusionProof> {
    const at = size ?? this.frontier.size;
    this.checkSize(at);
    if (!Number.isSafeInteger(index) || index < 0 || index >= at)
      throw new DomainError("index-out-of-range", `index ${index} is not below size ${at}`);
    return {
      index,
      size: at,
      root: this.rootHexAt(at),
      leafHash: bytesToHex(this.node(0, index)),
      proof: this.inclusionPath(index, at),
    };
  }

  /** The inclusion proof's hashes alone, for an index and size already known to be in range. */
  inclusionPath(index: number, size: number): string[] {
    return this.proof(inclusionPlan(index, size));
  }

  consistency(from: number, to?: number): z.infer<typeof ConsistencyProof> {
    const end = to ?? this.frontier.size;
    this.checkSize(end);
    if (!Number.isSafeInteger(from) || from < 1 || from > end)
      throw new DomainError("size-out-of-range", `from (${from}) must be between 1 and to (${end})`);
    return {
      from,
      to: end,
      fromRoot: this.rootHexAt(from),
      toRoot: this.rootHexAt(end),
      proof: this.proof(consistencyPlan(from, end)),
    };
  }

  /** Re-checks every hash link, entry hash, Merkle leaf and root, and quorum signature, streaming from genesis. */
  async verify(): Promise<z.infer<typeof VerifyResult>> {
    const auditor = new LedgerAuditor();
    const size = this.frontier.size;
    const root = bytesToHex(frontierRoot(this.frontier));
    const CHUNK = 2000;
    for (let from = 0; from < size; from += CHUNK) {
      const rows = this.sql
        .exec<EntryRow & { leaf: ArrayBuffer | null }>(
          "SELECT e.*, n.hash AS leaf FROM entries e LEFT JOIN nodes n ON n.level = 0 AND n.idx = e.idx WHERE e.idx >= ? AND e.idx < ? ORDER BY e.idx",
          from,
          Math.min(size, from + CHUNK),
        )
        .toArray();
      for (const row of rows) {
        let entry: LedgerEntry;
        try {
          entry = toEntry(row);
        } catch {
          return { ok: false, size, root, firstBadIndex: row.idx, reason: "entry data is not JSON" };
        }
        if (!(await auditor.feed(entry, row.leaf ? new Uint8Array(row.leaf) : new Uint8Array()))) {
          return { ok: false, size, root, firstBadIndex: auditor.failure!.index, reason: auditor.failure!.reason };
        }
      }
      if (rows.length === 0) break;
    }
    if (auditor.size !== size)
      return { ok: false, size, root, firstBadIndex: auditor.size, reason: "entries are missing" };
    if (auditor.rootHex() !== root)
      return { ok: false, size, root, reason: "the stored Merkle root does not match the entries" };
    return { ok: true, size, root };
  }

  private checkSize(size: number): void {
    if (!Number.isSafeInteger(size) || size < 1 || size > this.frontier.size)
      throw new DomainError(
        "size-out-of-range",
        `size must be between 1 and the ledger's size (${this.frontier.size})`,
      );
  }

  private node(level: number, index: number): Uint8Array {
    const row = this.sql
      .exec<{ hash: ArrayBuffer }>("SELECT hash FROM nodes WHERE level = ? AND idx = ?", level, index)
      .toArray()[0];
    if (!row) throw new DomainError("merkle-node-missing", `stored Merkle node (${level}, ${index}) is missing`);
    return new Uint8Array(row.hash);
  }

  private readNodes(addresses: NodeAddress[]): Map<string, Uint8Array> {
    return new Map(addresses.map(({ level, index }) => [nodeKey(level, index), this.node(level, index)]));
  }

  private proof(plan: ReturnType<typeof inclusionPlan>): string[] {
    return assembleProof(plan, this.readNodes(planAddresses(plan))).map(bytesToHex);
  }

  private rootHexAt(size: number): string {
    if (size === this.frontier.size) return bytesToHex(frontierRoot(this.frontier));
    const [root] = this.proof(rootPlan(size));
    return root!;
  }
}

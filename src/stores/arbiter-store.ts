// The Arbiter Durable Object's own storage: the arbiter's record (core/arbiter/record.ts) in its
// key-value store, and two SQLite tables, the journal (seed 001 §6 entries) and the effects outbox
// (core/arbiter/outbox.ts). A beat is recorded in one synchronous transaction, state, journal
// entries and effects together, so it is never half-recorded and no other call slips in.
import { effectKey, effectsOfBeat, OUTBOX_CAPACITY, type ArbiterEffect } from "../core/arbiter/outbox.js";
import type { JournalEntry } from "../core/arbiter/journal.js";
import { journalRoot, newArbiterRecord, type ArbiterRecord } from "../core/arbiter/record.js";
import type { ArbiterTunables } from "../core/arbiter/state.js";
import { DomainError } from "../core/problem.js";

/** The deployment's settings, read when asked (durable-objects/arbiter.ts reads them from the environment). */
export interface ArbiterSettings {
  /** DM_ARBITER_MIN_INTERVAL_MS: the floor of every beat interval, and a new arbiter's interval. */
  readonly minIntervalMs: number;
  /** DM_ARBITER_ANCHOR_EVERY: anchor the journal root into the ledger every this many beats. */
  readonly anchorEvery: number;
}

/** Before issue 12 the outbox was this list in the record; `load` moves it into the `outbox` table. */
type ListOutbox = Array<{ kind: "quarantine" | "alert" | "anchor"; worldline: string; beat: number; threat?: number }>;

interface JournalRow {
  idx: number;
  timestamp: number;
  data: string;
  previous_hash: string;
  hash: string;
  [column: string]: SqlStorageValue;
}

export class ArbiterStore {
  private stored: ArbiterRecord | null = null;

  constructor(
    private readonly storage: DurableObjectStorage,
    readonly settings: ArbiterSettings,
  ) {}

  /** The record as last written; null while the arbiter never ran (nothing is created by a read: issue 12). */
  get record(): ArbiterRecord | null {
    return this.stored;
  }

  /** The alarm the beats and the effect retries share. */
  get alarm(): Pick<DurableObjectStorage, "getAlarm" | "setAlarm" | "deleteAlarm"> {
    return this.storage;
  }

  async load(): Promise<void> {
    const stored = (await this.storage.get<ArbiterRecord & { outbox?: ListOutbox }>("arbiter")) ?? null;
    if (!stored) return;
    this.stored = stored;
    this.ensureTables(); // an arbiter from before the outbox table
    if (stored.outbox) {
      // The list form of the outbox (before issue 12): the same effects, keyed.
      const root = journalRoot(stored);
      const effects = stored.outbox.flatMap((old): ArbiterEffect[] =>
        old.kind === "anchor"
          ? [{ kind: "anchor", worldline: old.worldline, beat: old.beat, root, size: stored.frontier.size }]
          : effectsOfBeat({
              worldline: old.worldline,
              beat: old.beat,
              action: old.kind === "quarantine" ? "QUARANTINE" : "ALERT",
              threat: old.threat ?? 0,
              at: stored.lastBeatAt,
              journal: { root, size: stored.frontier.size },
              subscribers: stored.config.subscribers,
              anchorEvery: Number.MAX_SAFE_INTEGER,
            }).filter((e) => e.kind !== "anchor"),
      );
      const { outbox: _, ...rest } = stored;
      this.write(rest, [], effects);
    }
  }

  private ensureTables(): void {
    this.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS journal (idx INTEGER PRIMARY KEY, timestamp REAL NOT NULL, data TEXT NOT NULL, previous_hash TEXT NOT NULL, hash TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, effect TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT);
    `);
  }

  /** A new arbiter and its genesis entry, in memory only. */
  fresh(worldline: string, tunables: Partial<ArbiterTunables>): { record: ArbiterRecord; entries: JournalEntry[] } {
    return newArbiterRecord({ worldline, tunables, nowMs: Date.now(), intervalMs: this.settings.minIntervalMs });
  }

  /** The arbiter, created (genesis written) if it never ran: for the calls that write anyway. */
  current(worldline: string): ArbiterRecord {
    if (!this.stored) {
      const { record, entries } = this.fresh(worldline, {});
      this.write(record, entries);
    }
    return this.stored!;
  }

  existing(): ArbiterRecord {
    if (!this.stored) throw new DomainError("no-arbiter", "this world line's arbiter has not run yet");
    return this.stored;
  }

  /** State, journal entries and effects in one synchronous transaction: recorded together or not at all, with no await for another call to slip into. */
  write(next: ArbiterRecord, entries: readonly JournalEntry[] = [], effects: readonly ArbiterEffect[] = []): void {
    const sql = this.storage.sql;
    this.storage.transactionSync(() => {
      this.ensureTables();
      for (const entry of entries)
        sql.exec(
          "INSERT INTO journal (idx, timestamp, data, previous_hash, hash) VALUES (?, ?, ?, ?, ?)",
          entry.index,
          entry.timestamp,
          JSON.stringify(entry.data),
          entry.previous_hash,
          entry.hash,
        );
      for (const effect of effects)
        sql.exec("INSERT OR IGNORE INTO outbox (key, effect) VALUES (?, ?)", effectKey(effect), JSON.stringify(effect));
      if (effects.length) {
        const overflow = sql
          .exec<{ key: string }>("SELECT key FROM outbox ORDER BY seq DESC LIMIT -1 OFFSET ?", OUTBOX_CAPACITY)
          .toArray();
        for (const { key } of overflow) sql.exec("DELETE FROM outbox WHERE key = ?", key);
        if (overflow.length)
          console.error(
            `arbiter ${next.config.worldline}: outbox over ${OUTBOX_CAPACITY} effects, dropped the oldest ${overflow.length}`,
          );
      }
      this.storage.kv.put("arbiter", next);
    });
    this.stored = next;
  }

  /** Up to `limit` journal entries from index `from`; throws on a row whose data is not JSON. */
  readJournal(from: number, limit: number): JournalEntry[] {
    if (from < 0 || limit <= 0) return [];
    return this.storage.sql
      .exec<JournalRow>("SELECT * FROM journal WHERE idx >= ? ORDER BY idx LIMIT ?", from, limit)
      .toArray()
      .map((row) => ({
        index: row.idx,
        timestamp: row.timestamp,
        data: JSON.parse(row.data),
        previous_hash: row.previous_hash,
        hash: row.hash,
      }));
  }

  // ---- the effects outbox (applied by effect-outbox.ts) ------------------------------------

  /** The oldest pending effects, as stored (the effect as JSON text). */
  pendingEffects(limit: number): Array<{ key: string; effect: string }> {
    return this.storage.sql
      .exec<{ key: string; effect: string }>("SELECT key, effect FROM outbox ORDER BY seq LIMIT ?", limit)
      .toArray();
  }

  /** A failed attempt: counted, with its error, and what is left of the effect to do. */
  retryEffect(key: string, error: string, effect: ArbiterEffect): void {
    this.storage.sql.exec(
      "UPDATE outbox SET attempts = attempts + 1, last_error = ?, effect = ? WHERE key = ?",
      error,
      JSON.stringify(effect),
      key,
    );
  }

  removeEffect(key: string): void {
    this.storage.sql.exec("DELETE FROM outbox WHERE key = ?", key);
  }

  hasPendingEffects(): boolean {
    return this.stored !== null && this.storage.sql.exec("SELECT 1 FROM outbox LIMIT 1").toArray().length > 0;
  }
}

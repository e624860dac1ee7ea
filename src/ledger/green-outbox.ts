// The green outbox (DESIGN: Outboxes): a promote or rollback decision commits in the ledger with a
// row here, and the world line is told until it says it applied it. Failures stay and arm the
// Durable Object's alarm, backing off on the one retry schedule the events and the catalog outbox use.
import { setAlarmIfEarlier } from "../core/alarm.js";
import { retryDelaySeconds } from "../core/events.js";
import { worldLineStub } from "../stubs.js";

/** A decision recorded here and not yet applied to its world line. */
interface GreenOutboxRow {
  entry_index: number;
  worldline: string;
  commit_id: string;
  proposal: string;
  attempts: number;
  [column: string]: SqlStorageValue;
}

/** A decision not yet applied, as a test (through the Durable Object) sees it. */
export interface PendingGreen {
  ledgerIndex: number;
  worldline: string;
  commit: string;
  proposal: string;
  attempts: number;
  lastError: string | null;
}

export class GreenOutbox {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly env: Env,
  ) {}

  /** Inside the decision's transaction: the world line is told until it has applied it. */
  enqueue(entryIndex: number, worldline: string, commit: string, proposal: string): void {
    this.storage.sql.exec(
      "INSERT INTO green_outbox (entry_index, worldline, commit_id, proposal) VALUES (?, ?, ?, ?)",
      entryIndex,
      worldline,
      commit,
      proposal,
    );
  }

  /**
   * Tells each world line about the decisions recorded for it and not yet applied, in ledger
   * order. `setGreen` is idempotent per ledger index (a world line ignores an index at or below
   * the one it applied last), so a retry after a lost answer, or an older decision arriving after
   * a newer one, changes nothing. A row leaves the outbox only once its world line said it is
   * applied; failures keep it and arm the alarm. The Ledger runs it inside its serial queue,
   * never twice at once.
   */
  async apply(): Promise<void> {
    const sql = this.storage.sql;
    const pending = sql.exec<GreenOutboxRow>("SELECT * FROM green_outbox ORDER BY entry_index").toArray();
    let failures = 0;
    let attempts = 0;
    for (const row of pending) {
      let error: string | null = null;
      try {
        const outcome = await worldLineStub(this.env, row.worldline).setGreen(row.commit_id, row.entry_index);
        if (!outcome.ok) error = `${outcome.problem.status} ${outcome.problem.detail}`;
      } catch (thrown) {
        error = thrown instanceof Error ? thrown.message : String(thrown);
      }
      if (error === null) {
        sql.exec("DELETE FROM green_outbox WHERE entry_index = ?", row.entry_index);
        continue;
      }
      failures++;
      attempts = Math.max(attempts, row.attempts + 1);
      sql.exec(
        "UPDATE green_outbox SET attempts = attempts + 1, last_error = ? WHERE entry_index = ?",
        error.slice(0, 1000),
        row.entry_index,
      );
      console.warn(`ledger: green for ${row.worldline} (entry ${row.entry_index}) not applied yet: ${error}`);
    }
    if (failures > 0) {
      const delay = retryDelaySeconds(attempts) * 1000; // the one backoff schedule (events, outboxes)
      await setAlarmIfEarlier(this.storage, Date.now() + delay);
    }
  }

  /** Decisions recorded but not yet applied to their world lines (normally none). */
  pending(): PendingGreen[] {
    return this.storage.sql
      .exec<GreenOutboxRow & { last_error: string | null }>("SELECT * FROM green_outbox ORDER BY entry_index")
      .toArray()
      .map((row) => ({
        ledgerIndex: row.entry_index,
        worldline: row.worldline,
        commit: row.commit_id,
        proposal: row.proposal,
        attempts: row.attempts,
        lastError: row.last_error,
      }));
  }
}

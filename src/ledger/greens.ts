// The green commits the ledger decided, per world line, in ledger order (the `greens` table): a
// rollback must name one of them, and a world line's green proof bundle proves the latest.
export class Greens {
  constructor(private readonly sql: SqlStorage) {}

  /** A promote or rollback decision at ledger entry `entryIndex`; inside the decision's transaction. */
  record(worldline: string, commit: string, entryIndex: number): void {
    this.sql.exec(
      "INSERT INTO greens (worldline, commit_id, entry_index) VALUES (?, ?, ?)",
      worldline,
      commit,
      entryIndex,
    );
  }

  /** Every commit decided green on `worldline`, newest first (repeats included). */
  newestFirst(worldline: string | null): string[] {
    return this.sql
      .exec<{ commit_id: string }>(
        "SELECT commit_id FROM greens WHERE worldline = ? ORDER BY entry_index DESC",
        worldline,
      )
      .toArray()
      .map((row) => row.commit_id);
  }

  /** The current green commit of `worldline` and the entry that decided it, or null before its first promotion. */
  latest(worldline: string): { commit: string; entryIndex: number } | null {
    const row = this.sql
      .exec<{ commit_id: string; entry_index: number }>(
        "SELECT commit_id, entry_index FROM greens WHERE worldline = ? ORDER BY entry_index DESC LIMIT 1",
        worldline,
      )
      .toArray()[0];
    return row ? { commit: row.commit_id, entryIndex: row.entry_index } : null;
  }
}

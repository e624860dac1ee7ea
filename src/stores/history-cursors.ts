// Where a page of a world line's history stopped, kept in its Durable Object's SQLite. History is
// a DAG listed newest generation first; what remains after a page is every ancestor of the
// *frontier* (nextFrontier in core/commit.ts), which a (generation, id) cursor alone cannot name without walking
// all of history again from the head. The frontier can be wide after many merges, and a forged one
// would list any commit's ancestry through a readable world line, so clients get the SHA3-256 of
// the frontier as an opaque cursor and only frontiers this object computed can be named.
import { hashJson } from "../core/hash.js";

/** A cursor is honoured this long after it was last issued. */
export const HISTORY_CURSOR_TTL_MS = 24 * 60 * 60 * 1000;

export class HistoryCursors {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS history_cursors (token TEXT PRIMARY KEY, frontier TEXT NOT NULL, issued_at INTEGER NOT NULL) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS history_cursors_issued ON history_cursors (issued_at)`);
  }

  /** The cursor for this frontier (the same frontier always gets the same cursor). Synchronous: no input gate opens. */
  issue(frontier: readonly string[], now = Date.now()): string {
    const sorted = [...frontier].sort();
    const token = hashJson(sorted);
    this.sql.exec("DELETE FROM history_cursors WHERE issued_at < ?", now - HISTORY_CURSOR_TTL_MS);
    this.sql.exec(
      "INSERT OR REPLACE INTO history_cursors (token, frontier, issued_at) VALUES (?, ?, ?)",
      token,
      JSON.stringify(sorted),
      now,
    );
    return token;
  }

  /** The frontier a cursor names, or null when this object never issued it (or it expired). */
  frontier(token: string): string[] | null {
    const row = this.sql
      .exec<{ frontier: string }>("SELECT frontier FROM history_cursors WHERE token = ?", token)
      .toArray()[0];
    return row ? (JSON.parse(row.frontier) as string[]) : null;
  }
}

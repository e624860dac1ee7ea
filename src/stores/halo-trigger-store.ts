// The Halo Durable Object's SQLite: the error and critical events waiting for a cycle, each once
// (by event id) with the time it asked, which the object's alarm takes oldest first.
import { chunked } from "./page-cursor.js";

export class HaloTriggerStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS pending (event_id TEXT PRIMARY KEY, at INTEGER NOT NULL)");
  }

  /** Records an event that asks for a cycle; one already pending keeps its time. */
  add(eventId: string, at: number): void {
    this.sql.exec("INSERT OR IGNORE INTO pending (event_id, at) VALUES (?, ?)", eventId, at);
  }

  /** At most `limit` pending events' ids, oldest first. */
  oldest(limit: number): string[] {
    return this.sql
      .exec<{ event_id: string }>("SELECT event_id FROM pending ORDER BY at, event_id LIMIT ?", limit)
      .toArray()
      .map((row) => row.event_id);
  }

  /** Removes these events (their cycle ran), in chunks under the 100-bound-parameter limit. */
  remove(eventIds: readonly string[]): void {
    for (const chunk of chunked(eventIds))
      this.sql.exec(`DELETE FROM pending WHERE event_id IN (${chunk.map(() => "?").join(",")})`, ...chunk);
  }

  count(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM pending").one().n;
  }
}

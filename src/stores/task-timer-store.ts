// The Dispatcher Durable Object's SQLite: one pending timer per squad task (the running attempt's
// deadline or the failed attempt's retry, src/squads/dispatch.ts), which the object's alarm fires.
import type { TaskTimer } from "../squads/dispatch.js";

type TimerRow = { task_id: string; attempt: number; kind: TaskTimer["kind"]; due: number };

export class TaskTimerStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(
      "CREATE TABLE IF NOT EXISTS timers (task_id TEXT PRIMARY KEY, attempt INTEGER NOT NULL, kind TEXT NOT NULL, due INTEGER NOT NULL)",
    );
  }

  /** Sets the task's one timer, replacing any earlier one. */
  set(timer: TaskTimer): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO timers (task_id, attempt, kind, due) VALUES (?, ?, ?, ?)",
      timer.taskId,
      timer.attempt,
      timer.kind,
      timer.due,
    );
  }

  /** Sets the timer unless the task already has one (which then wins). */
  setUnlessPresent(timer: TaskTimer): void {
    this.sql.exec(
      "INSERT OR IGNORE INTO timers (task_id, attempt, kind, due) VALUES (?, ?, ?, ?)",
      timer.taskId,
      timer.attempt,
      timer.kind,
      timer.due,
    );
  }

  /** Every pending timer, soonest first. */
  all(): TaskTimer[] {
    return this.sql
      .exec<TimerRow>("SELECT task_id, attempt, kind, due FROM timers ORDER BY due")
      .toArray()
      .map((row) => ({ taskId: row.task_id, attempt: row.attempt, kind: row.kind, due: row.due }));
  }

  /** Removes this timer if it is still the task's one (matched on all four fields). */
  delete(timer: TaskTimer): void {
    this.sql.exec(
      "DELETE FROM timers WHERE task_id = ? AND attempt = ? AND kind = ? AND due = ?",
      timer.taskId,
      timer.attempt,
      timer.kind,
      timer.due,
    );
  }
}

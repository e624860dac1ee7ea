// The one Dispatcher Durable Object: the timers of squad tasks — each dispatched attempt's
// deadline and each failed attempt's retry — in its SQLite, fired by its alarm (never
// setTimeout). The work a timer triggers is src/squads/dispatch.ts; task state lives in D1.
import { DurableObject } from "cloudflare:workers";
import { setAlarmIfEarlier } from "../src/core/alarm.js";
import { capture, type Outcome } from "../src/core/problem.js";
import { describeError } from "../src/core/events.js";
import { dispatchTask, onTimer, type TaskTimer, type TaskTimers } from "../src/squads/dispatch.js";
import type { SquadTask } from "../src/schemas/squads.js";

/** A timer whose work failed (D1 or the hub unavailable) fires again this much later. */
const TIMER_RETRY_MS = 10_000;

export class Dispatcher extends DurableObject<Env> implements TaskTimers {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS timers (task_id TEXT PRIMARY KEY, attempt INTEGER NOT NULL, kind TEXT NOT NULL, due INTEGER NOT NULL)",
    );
  }

  /** Sets the task's one timer (replacing an earlier one) and wakes up in time for it. */
  async schedule(timer: TaskTimer): Promise<void> {
    this.ctx.storage.sql.exec(
      "INSERT OR REPLACE INTO timers (task_id, attempt, kind, due) VALUES (?, ?, ?, ?)",
      timer.taskId,
      timer.attempt,
      timer.kind,
      timer.due,
    );
    await setAlarmIfEarlier(this.ctx.storage, timer.due);
  }

  /** The operator's dispatch, run here so its timers are set without another round trip. */
  dispatch(taskId: string, agent?: string): Promise<Outcome<SquadTask>> {
    return capture(() => dispatchTask(this.env, this, taskId, { agent, by: "operator" }));
  }

  /** Pending timers, soonest first (for tests and the curious operator). */
  timers(): TaskTimer[] {
    return this.ctx.storage.sql
      .exec<{ task_id: string; attempt: number; kind: TaskTimer["kind"]; due: number }>(
        "SELECT task_id, attempt, kind, due FROM timers ORDER BY due",
      )
      .toArray()
      .map((row) => ({ taskId: row.task_id, attempt: row.attempt, kind: row.kind, due: row.due }));
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    const due = this.timers().filter((timer) => timer.due <= now);
    // Taken off before running: the work may set the task's next timer, which must survive.
    for (const timer of due)
      this.ctx.storage.sql.exec(
        "DELETE FROM timers WHERE task_id = ? AND attempt = ? AND kind = ? AND due = ?",
        timer.taskId,
        timer.attempt,
        timer.kind,
        timer.due,
      );
    await Promise.all(
      due.map(async (timer) => {
        try {
          await onTimer(this.env, this, timer);
        } catch (error) {
          console.error(
            `dispatcher: ${timer.kind} of task ${timer.taskId} attempt ${timer.attempt} failed; trying again in ${TIMER_RETRY_MS / 1000} s`,
            describeError(error),
          );
          const later = { ...timer, due: Date.now() + TIMER_RETRY_MS };
          this.ctx.storage.sql.exec(
            "INSERT OR IGNORE INTO timers (task_id, attempt, kind, due) VALUES (?, ?, ?, ?)",
            later.taskId,
            later.attempt,
            later.kind,
            later.due,
          );
        }
      }),
    );
    const next = this.timers()[0];
    if (next) await this.ctx.storage.setAlarm(Math.max(next.due, Date.now() + 1));
  }
}

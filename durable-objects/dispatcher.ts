// The one Dispatcher Durable Object: the timers of squad tasks — each dispatched attempt's
// deadline and each failed attempt's retry — in its SQLite, fired by its alarm (never
// setTimeout). The work a timer triggers is src/squads/dispatch.ts; task state lives in D1; the
// timers table is src/stores/task-timer-store.ts.
import { DurableObject } from "cloudflare:workers";
import { setAlarmIfEarlier } from "../src/core/alarm.js";
import { capture, type Outcome } from "../src/core/problem.js";
import { describeError } from "../src/core/events.js";
import { dispatchTask, onTimer, type TaskTimer, type TaskTimers } from "../src/squads/dispatch.js";
import type { SquadTask } from "../src/schemas/squads.js";
import { TaskTimerStore } from "../src/stores/task-timer-store.js";

/** A timer whose work failed (D1 or the hub unavailable) fires again this much later. */
const TIMER_RETRY_MS = 10_000;

export class Dispatcher extends DurableObject<Env> implements TaskTimers {
  private readonly store: TaskTimerStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new TaskTimerStore(ctx.storage.sql);
  }

  /** Sets the task's one timer (replacing an earlier one) and wakes up in time for it. */
  async schedule(timer: TaskTimer): Promise<void> {
    this.store.set(timer);
    await setAlarmIfEarlier(this.ctx.storage, timer.due);
  }

  /** The operator's dispatch, run here so its timers are set without another round trip. */
  dispatch(taskId: string, agent?: string): Promise<Outcome<SquadTask>> {
    return capture(() => dispatchTask(this.env, this, taskId, { agent, by: "operator" }));
  }

  /** Pending timers, soonest first (for tests and the curious operator). */
  timers(): TaskTimer[] {
    return this.store.all();
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    const due = this.timers().filter((timer) => timer.due <= now);
    // Taken off before running: the work may set the task's next timer, which must survive.
    for (const timer of due) this.store.delete(timer);
    await Promise.all(
      due.map(async (timer) => {
        try {
          await onTimer(this.env, this, timer);
        } catch (error) {
          console.error(
            `dispatcher: ${timer.kind} of task ${timer.taskId} attempt ${timer.attempt} failed; trying again in ${TIMER_RETRY_MS / 1000} s`,
            describeError(error),
          );
          this.store.setUnlessPresent({ ...timer, due: Date.now() + TIMER_RETRY_MS });
        }
      }),
    );
    const next = this.timers()[0];
    if (next) await this.ctx.storage.setAlarm(Math.max(next.due, Date.now() + 1));
  }
}

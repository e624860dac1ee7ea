// The one Halo Durable Object: every HALO cycle runs here, one at a time.
//
// Error and critical events do not wait for their cycle: the queue consumer's trigger records the
// event in this object's SQLite and sets its alarm, and the alarm runs one cycle for every event
// pending by then (a burst of a hundred error events costs one or two cycles, not a hundred). A
// cycle that fails leaves its events pending and throws, so the runtime retries the alarm with
// backoff; the cron cycle every five minutes reads the same window anyway.
//
// Cycles asked for directly (POST /api/v1/halo/cycles, the cron trigger) are answered with the
// cycle. A cycle asked for while one runs joins the next one, which starts when the running one
// ends: two cycles never race to propose the same task.
//
// The pending events' table is src/stores/halo-trigger-store.ts.
import { DurableObject } from "cloudflare:workers";
import { capture, type Outcome } from "../src/core/problem.js";
import { runHaloCycle, type CycleRequest } from "../src/halo/cycle.js";
import type { CycleTrigger, HaloCycleDetail } from "../src/schemas/halo.js";
import { HaloTriggerStore } from "../src/stores/halo-trigger-store.js";

/** Events one alarm's cycle takes at most; the rest wait for the next alarm, set at once. */
const MAX_EVENTS_PER_CYCLE = 1000;

export interface CycleAsk {
  trigger: CycleTrigger;
  events?: string[];
  /** Read events from here at the latest (a replayed window's start), not only DM_HALO_WINDOW_SECONDS back. */
  since?: number;
}

export class Halo extends DurableObject<Env> {
  private readonly pending: HaloTriggerStore;
  private running: Promise<HaloCycleDetail> | null = null;
  private queued: { asks: CycleAsk[]; cycle: Promise<HaloCycleDetail> } | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.pending = new HaloTriggerStore(ctx.storage.sql);
  }

  /** An error or critical event asks for a cycle: recorded once per event id, run by the alarm. */
  async trigger(eventId: string): Promise<void> {
    this.pending.add(eventId, Date.now());
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
  }

  /** Runs a cycle (or joins the next one) and answers it once it is persisted. */
  cycle(ask: CycleAsk): Promise<Outcome<HaloCycleDetail>> {
    return capture(() => this.join(ask));
  }

  override async alarm(): Promise<void> {
    const events = this.pending.oldest(MAX_EVENTS_PER_CYCLE);
    if (events.length === 0) return;
    await this.join({ trigger: "event", events }); // a failure throws: the runtime retries the alarm
    this.pending.remove(events);
    if (this.pending.count() > 0) await this.ctx.storage.setAlarm(Date.now());
  }

  private join(ask: CycleAsk): Promise<HaloCycleDetail> {
    if (!this.running) return this.start([ask]);
    if (this.queued) {
      this.queued.asks.push(ask);
      return this.queued.cycle;
    }
    const asks = [ask];
    const cycle = this.running
      .catch(() => undefined) // the next cycle runs whether or not the current one failed
      .then(() => {
        this.queued = null;
        return this.start(asks);
      });
    this.queued = { asks, cycle };
    return cycle;
  }

  private start(asks: CycleAsk[]): Promise<HaloCycleDetail> {
    const since = asks.flatMap((ask) => (ask.since === undefined ? [] : [ask.since]));
    const request: CycleRequest = {
      trigger: asks[0]!.trigger,
      events: [...new Set(asks.flatMap((ask) => ask.events ?? []))],
      ...(since.length && { since: Math.min(...since) }),
    };
    const run = runHaloCycle(this.env, request);
    this.running = run;
    const clear = () => {
      if (this.running === run) this.running = null;
    };
    run.then(clear, clear);
    return run;
  }
}

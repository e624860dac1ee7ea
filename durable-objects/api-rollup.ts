// One Durable Object per API route (method + route pattern): the route's counters for the current
// rollup window, and its usual 4xx share.
//
// Why a Durable Object: Workers isolates are short-lived, many run at once, and none has a timer
// that outlives its requests. Counters kept in an isolate would be split across isolates (so a 4xx
// spike spread over them would go unseen) and lost on eviction. One object per route sees every
// isolate's counts, keeps them in durable storage, and its alarm closes the window — with no
// cron and no request needed. The middleware batches counts per isolate (≤ 1 call per route per
// second per isolate), so this is not one RPC per request. Per-route objects also spread the load:
// no single object counts the whole API.
import { DurableObject } from "cloudflare:workers";
import {
  emptyCounts,
  isClientErrorSpike,
  mergeCounts,
  nextBaseline,
  ROLLUP_WINDOW_MS,
  spikeReport,
  successRollup,
  type RouteCounts,
} from "../src/core/api-rollup.js";
import { emitEvent } from "../src/events/producer.js";
import { apiRollupName, type RouteKey } from "../src/core/object-names.js";

interface RollupState {
  key: RouteKey;
  window: { start: number; counts: RouteCounts; spikeReported: boolean } | null;
  baseline: number | null;
  /** Every count since the object's first, for /metrics (Prometheus counters never reset). */
  totals?: RouteCounts;
}

export class ApiRollup extends DurableObject<Env> {
  private state: RollupState | undefined;

  /** Adds an isolate's counts to the open window (opening one, and its alarm, if needed). */
  async record(key: RouteKey, counts: RouteCounts): Promise<{ spike: boolean }> {
    const state = await this.load(key);
    const now = Date.now();
    if (!state.window) {
      state.window = { start: now, counts: emptyCounts(), spikeReported: false };
      await this.ctx.storage.setAlarm(now + ROLLUP_WINDOW_MS);
    }
    const window = state.window;
    window.counts = mergeCounts(window.counts, counts);
    state.totals = mergeCounts(state.totals ?? emptyCounts(), counts);
    const spike = !window.spikeReported && isClientErrorSpike(window.counts, state.baseline);
    if (spike) window.spikeReported = true; // before the emit: a concurrent record must not report it again
    await this.ctx.storage.put("state", state);
    if (spike)
      await emitEvent(this.env, {
        type: "api.endpoint.failed",
        data: spikeReport(key, window.start, window.counts, state.baseline),
      });
    return { spike };
  }

  /** Closes the window: one `api.endpoint.success` rollup if anything succeeded, and a new baseline. */
  override async alarm(): Promise<void> {
    const state = await this.load();
    if (!state?.window) return;
    const { start, counts } = state.window;
    if (counts.successes > 0) {
      const emitted = await emitEvent(this.env, {
        type: "api.endpoint.success",
        data: successRollup(state.key, start, Date.now(), counts),
      });
      // Throwing makes the runtime retry the alarm with backoff; the window stays until the rollup is queued.
      if (!emitted) throw new Error(`rollup for ${apiRollupName(state.key)} not queued; the alarm will retry`);
    }
    state.baseline = nextBaseline(state.baseline, counts);
    state.window = null;
    await this.ctx.storage.put("state", state);
  }

  /** The route's counts since its first request (src/metrics/collect.ts); null for a route never called. */
  async totals(): Promise<{ key: RouteKey; totals: RouteCounts } | null> {
    const state = await this.load();
    return state?.totals ? { key: state.key, totals: state.totals } : null;
  }

  /** The open window and baseline (dashboards, tests). */
  async peek(): Promise<RollupState | null> {
    return (await this.load()) ?? null;
  }

  private async load(key?: RouteKey): Promise<RollupState> {
    this.state ??=
      (await this.ctx.storage.get<RollupState>("state")) ?? (key ? { key, window: null, baseline: null } : undefined);
    return this.state!;
  }
}

// Per-route API counters (seed 003's `api.endpoint.success` / `api.endpoint.failed`), as plain
// data and pure functions: counting requests, merging counts, closing a window into a rollup, and
// the 4xx spike rule. The ApiRollup Durable Object holds one route's window; the middleware in
// src/http/api-events.ts feeds it.
import { LATENCY_BUCKETS_SECONDS, latencyBucket } from "./metrics.js";

/** One rollup window. Success rollups are emitted once per window per route. */
export const ROLLUP_WINDOW_MS = 60_000;
/** A window needs this many requests before its 4xx share means anything. */
export const SPIKE_MIN_REQUESTS = 20;
/** …and at least this 4xx share… */
export const SPIKE_MIN_RATE = 0.5;
/** …and at least this multiple of the route's usual share (so a route that always 404s is not "spiking"). */
export const SPIKE_FACTOR = 2;
/** Weight of the newest window in the moving average of a route's 4xx share. */
export const BASELINE_ALPHA = 0.3;
/** Requests that matched no route are counted under this name (not their raw paths: unbounded). */
export const UNMATCHED_ROUTE = "(unmatched)";

export interface RouteCounts {
  requests: number;
  successes: number;
  clientErrors: number;
  serverErrors: number;
  totalMs: number;
  maxMs: number;
  /** Responses per latency bucket (src/core/metrics.ts LATENCY_BUCKETS_SECONDS, then +Inf), not cumulative; absent in counts stored before /metrics. */
  latency?: number[];
}

export const emptyCounts = (): RouteCounts => ({
  requests: 0,
  successes: 0,
  clientErrors: 0,
  serverErrors: 0,
  totalMs: 0,
  maxMs: 0,
  latency: new Array<number>(LATENCY_BUCKETS_SECONDS.length + 1).fill(0),
});

function addLatency(a: readonly number[] | undefined, b: readonly number[] | undefined): number[] {
  const sum = new Array<number>(LATENCY_BUCKETS_SECONDS.length + 1).fill(0);
  for (const counts of [a, b]) counts?.forEach((n, i) => (sum[i]! += n));
  return sum;
}

/** Adds one response. 1xx–3xx count as successes. */
export function countResponse(counts: RouteCounts, status: number, ms: number): RouteCounts {
  return {
    requests: counts.requests + 1,
    successes: counts.successes + (status < 400 ? 1 : 0),
    clientErrors: counts.clientErrors + (status >= 400 && status < 500 ? 1 : 0),
    serverErrors: counts.serverErrors + (status >= 500 ? 1 : 0),
    totalMs: counts.totalMs + ms,
    maxMs: Math.max(counts.maxMs, ms),
    latency: (() => {
      const latency = addLatency(counts.latency, undefined);
      latency[latencyBucket(ms)]!++;
      return latency;
    })(),
  };
}

export function mergeCounts(a: RouteCounts, b: RouteCounts): RouteCounts {
  return {
    requests: a.requests + b.requests,
    successes: a.successes + b.successes,
    clientErrors: a.clientErrors + b.clientErrors,
    serverErrors: a.serverErrors + b.serverErrors,
    totalMs: a.totalMs + b.totalMs,
    maxMs: Math.max(a.maxMs, b.maxMs),
    latency: addLatency(a.latency, b.latency),
  };
}

export const clientErrorRate = (counts: RouteCounts) =>
  counts.requests === 0 ? 0 : counts.clientErrors / counts.requests;

/** Is this window's 4xx share a spike against the route's baseline (null: no full window seen yet)? */
export function isClientErrorSpike(counts: RouteCounts, baseline: number | null): boolean {
  if (counts.requests < SPIKE_MIN_REQUESTS) return false;
  const rate = clientErrorRate(counts);
  return rate >= SPIKE_MIN_RATE && (baseline === null || rate >= SPIKE_FACTOR * baseline);
}

/**
 * The baseline after a window closes: an exponential moving average of the 4xx share, fed only
 * by windows with enough requests to mean something. A persistently high share becomes the new
 * normal after a few windows, so a spike is reported when it starts, not every minute it lasts.
 */
export function nextBaseline(baseline: number | null, counts: RouteCounts): number | null {
  if (counts.requests < SPIKE_MIN_REQUESTS) return baseline;
  const rate = clientErrorRate(counts);
  return baseline === null ? rate : BASELINE_ALPHA * rate + (1 - BASELINE_ALPHA) * baseline;
}

const round = (value: number) => Math.round(value * 1000) / 1000;

/** The `api.endpoint.success` data for a closed window. */
export function successRollup(
  route: { method: string; route: string },
  windowStart: number,
  windowEnd: number,
  counts: RouteCounts,
) {
  return {
    method: route.method,
    route: route.route,
    windowStart,
    windowEnd,
    requests: counts.requests,
    successes: counts.successes,
    clientErrors: counts.clientErrors,
    serverErrors: counts.serverErrors,
    meanMs: counts.requests ? round(counts.totalMs / counts.requests) : 0,
    maxMs: round(counts.maxMs),
  };
}

/** The `api.endpoint.failed` data for a spiking window. */
export function spikeReport(
  route: { method: string; route: string },
  windowStart: number,
  counts: RouteCounts,
  baseline: number | null,
) {
  return {
    reason: "client-error-spike" as const,
    method: route.method,
    route: route.route,
    windowStart,
    requests: counts.requests,
    clientErrors: counts.clientErrors,
    rate: round(clientErrorRate(counts)),
    baseline: baseline === null ? null : round(baseline),
  };
}

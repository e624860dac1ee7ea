// Event wormholes over HTTP against wrangler dev: how fast events posted to /api/v1/events are
// queued, and how many per second the queue consumer persists to D1 (post N events, poll the
// event log until every one is readable). Local figures: miniflare's queue broker delivers a
// batch after max_batch_timeout (1 s) or at max_batch_size (100), and D1 is local SQLite.
import { median, percentile, round, timed, type Figure } from "./report.js";
import type { DevServer } from "../scripts/wrangler-dev.js";

const BATCH = 100;
const CONCURRENCY = 4;

export async function benchEvents(server: DevServer, options: { events?: number } = {}): Promise<Figure[]> {
  const total = options.events ?? Number(process.env.DM_BENCH_EVENTS ?? 5_000);
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(server.baseUrl + path, {
      method,
      headers: {
        authorization: `Bearer ${server.vars.DM_OPERATOR_TOKEN}`,
        ...(body !== undefined && { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await response.json();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json).slice(0, 300)}`);
    return json;
  };
  const run = `bench.r${Date.now().toString(36)}`;
  const event = (i: number) => ({ type: `${run}.tick`, source: "bench", data: { i, payload: "x".repeat(200) } });

  // single events: POST latency, and post → readable latency
  const posts: number[] = [];
  const visible: number[] = [];
  for (let i = 0; i < 30; i++) {
    const [ms, { id }] = await timed(() => call("POST", "/api/v1/events", { ...event(-1 - i), type: `${run}.single` }));
    posts.push(ms);
    if (i < 10) {
      const start = performance.now() - ms;
      for (;;) {
        const response = await fetch(`${server.baseUrl}/api/v1/events/${id}`, {
          headers: { authorization: `Bearer ${server.vars.DM_OPERATOR_TOKEN}` },
        });
        await response.arrayBuffer();
        if (response.status === 200) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      visible.push(performance.now() - start);
    }
  }

  // bulk: N events in batches of 100, CONCURRENCY requests in flight
  const batches: number[] = [];
  const startedAt = Date.now();
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) {
        const from = next;
        next += BATCH;
        const events = Array.from({ length: Math.min(BATCH, total - from) }, (_, k) => event(from + k));
        batches.push((await timed(() => call("POST", "/api/v1/events", { events })))[0]);
      }
    }),
  );
  const queuedMs = performance.now() - start;

  // poll the log until all N are readable
  type Stored = { time: number; persistedAt: number };
  let stored: Stored[] = [];
  const deadline = Date.now() + 10 * 60_000;
  while (stored.length < total) {
    if (Date.now() > deadline) throw new Error(`only ${stored.length} of ${total} events readable after 10 minutes`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    stored = [];
    let cursor: string | null = null;
    do {
      const page: { items: Stored[]; next: string | null } = await call(
        "GET",
        `/api/v1/events?type=${run}.tick&limit=500${cursor ? `&cursor=${cursor}` : ""}`,
      );
      stored.push(...page.items);
      cursor = page.next;
    } while (cursor);
  }
  const lastPersisted = Math.max(...stored.map((e) => e.persistedAt));
  const endToEndSeconds = (lastPersisted - startedAt) / 1000;
  const lag = stored.map((e) => e.persistedAt - e.time);
  const firstPersisted = Math.min(...stored.map((e) => e.persistedAt));

  return [
    {
      name: "events.persisted.throughput",
      value: round(total / endToEndSeconds, 0),
      unit: "events/s",
      params: {
        events: total,
        seconds: round(endToEndSeconds, 2),
        from: "first POST",
        to: "last event stored (persistedAt)",
        batch: BATCH,
        concurrency: CONCURRENCY,
      },
    },
    {
      name: "events.consumer.throughput",
      value: round(total / Math.max(0.001, (lastPersisted - firstPersisted) / 1000), 0),
      unit: "events/s",
      params: { events: total, note: "first to last persistedAt: the consumer's own rate once the queue is full" },
    },
    {
      name: "events.queued.throughput",
      value: round(total / (queuedMs / 1000), 0),
      unit: "events/s",
      params: { events: total, note: "POST /api/v1/events answered 202" },
    },
    { name: "events.post.batch_of_100.latency.p50", value: round(median(batches)), unit: "ms" },
    { name: "events.post.single.latency.p50", value: round(median(posts)), unit: "ms" },
    {
      name: "events.post_to_readable.latency.p50",
      value: round(median(visible)),
      unit: "ms",
      params: { samples: visible.length, note: "includes the consumer's 1 s max_batch_timeout" },
    },
    { name: "events.queue_to_d1.lag.p50", value: round(median(lag)), unit: "ms", params: { events: total } },
    { name: "events.queue_to_d1.lag.p99", value: round(percentile(lag, 99)), unit: "ms", params: { events: total } },
  ];
}

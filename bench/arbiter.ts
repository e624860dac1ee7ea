// The arbiter's costs: CPU of one beat (pure core, Node), beats per second through the burst
// endpoint (over HTTP, so each burst includes its journal writes and ledger anchor), how close
// alarm-driven beats keep to their interval (lateness from the journal's pulse timestamps), and a
// journal page read at a small and a large journal (issue 12: flat, the manifest is incremental),
// with the operator's full verification rate.
import { beat } from "../src/core/arbiter/beat.js";
import { createArbiterState } from "../src/core/arbiter/state.js";
import { operatorCaller } from "../scripts/http-json.js";
import { growth, median, percentile, round, timed, type Figure } from "./report.js";
import type { DevServer } from "../scripts/wrangler-dev.js";

export async function benchArbiter(server: DevServer): Promise<Figure[]> {
  const token = server.vars.DM_OPERATOR_TOKEN!;
  const call = operatorCaller(server.baseUrl, token);

  // 1. CPU of one beat, in process.
  let { state } = createArbiterState({ nowMs: 0 });
  const rounds = 20_000;
  const start = performance.now();
  for (let i = 0; i < rounds; i++) state = beat(state, { anoms: i % 7 }, { nowMs: 1000 + i * 1000 }).state;
  const cpuMicros = ((performance.now() - start) / rounds) * 1000;

  // 2. Bursts over HTTP.
  const wl = await call("POST", "/api/v1/worldlines", { name: "arbiter-bench" });
  const burstRates: number[] = [];
  for (const count of [1000, 10_000, 10_000]) {
    const [ms] = await timed(() => call("POST", `/api/v1/worldlines/${wl.id}/arbiter/beats`, { count }));
    if (count === 10_000) burstRates.push(count / (ms / 1000));
  }

  // 3. Alarm cadence: one world line beating every second for a minute.
  const seconds = Number(process.env.DM_BENCH_ARBITER_SECONDS ?? 60);
  const paced = await call("POST", "/api/v1/worldlines", { name: "arbiter-cadence" });
  await call("PUT", `/api/v1/worldlines/${paced.id}/arbiter`, { enabled: true, intervalMs: 1000 });
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  await call("PUT", `/api/v1/worldlines/${paced.id}/arbiter`, { enabled: false });
  const journal = await call("GET", `/api/v1/worldlines/${paced.id}/arbiter/journal?limit=1000`);
  const pulses: number[] = journal.entries
    .filter((e: { data: { type: string } }) => e.data.type === "pulse")
    .map((e: { timestamp: number }) => e.timestamp * 1000);
  const lateness = pulses.slice(1).map((t, i) => t - pulses[i]! - 1000);

  // 4. A journal page (last 100 entries, manifest included) at a small and a large journal; then
  //    the full verification of the large one (POST …/journal/verify, 100 000 entries per call).
  const largeBeats = Number(process.env.DM_BENCH_ARBITER_JOURNAL_BEATS ?? 50_000);
  const small = await call("POST", "/api/v1/worldlines", { name: "arbiter-journal-small" });
  await call("POST", `/api/v1/worldlines/${small.id}/arbiter/beats`, { count: 100 });
  const large = await call("POST", "/api/v1/worldlines", { name: "arbiter-journal-large" });
  for (let left = largeBeats; left > 0; left -= 10_000)
    await call("POST", `/api/v1/worldlines/${large.id}/arbiter/beats`, { count: Math.min(10_000, left) });
  const pageMs = new Map<number, number>();
  for (const id of [small.id, large.id]) {
    const size = (await call("GET", `/api/v1/worldlines/${id}/arbiter`)).journal.size as number;
    const samples: number[] = [];
    for (let i = 0; i < 40; i++)
      samples.push(
        (await timed(() => call("GET", `/api/v1/worldlines/${id}/arbiter/journal?from=${size - 100}&limit=100`)))[0],
      );
    pageMs.set(size, median(samples.slice(5))); // the first reads warm the object up
  }
  const [verifyMs, verified] = await timed(async () => {
    let step = await call("POST", `/api/v1/worldlines/${large.id}/arbiter/journal/verify?restart=true`);
    while (step.ok && !step.done) step = await call("POST", `/api/v1/worldlines/${large.id}/arbiter/journal/verify`);
    return step;
  });
  if (!verified.ok) throw new Error(`journal verification failed: ${JSON.stringify(verified)}`);

  return [
    ...growth("arbiter.journal.page.p50", "ms", pageMs, { limit: 100, page: "last", reads: 35 }),
    {
      name: "arbiter.journal.verify.rate",
      value: round(verified.length / (verifyMs / 1000), 0),
      unit: "entries/s",
      params: { entries: verified.length, calls: Math.ceil(verified.length / 100_000) },
    },
    {
      name: "arbiter.beat.cpu",
      value: round(cpuMicros, 2),
      unit: "µs",
      params: { where: "Node, src/core/arbiter/beat.ts", beats: rounds },
    },
    {
      name: "arbiter.burst.rate",
      value: round(median(burstRates), 0),
      unit: "beats/s",
      params: { count: 10_000, note: "POST …/arbiter/beats, journal rows written, one anchor per burst" },
    },
    {
      name: "arbiter.alarm.lateness.p50",
      value: round(median(lateness), 1),
      unit: "ms",
      params: { intervalMs: 1000, beats: pulses.length, seconds },
    },
    {
      name: "arbiter.alarm.lateness.p99",
      value: round(percentile(lateness, 99), 1),
      unit: "ms",
      params: { intervalMs: 1000, beats: pulses.length, seconds },
    },
  ];
}

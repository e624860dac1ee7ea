// HALO over HTTP against wrangler dev: how long from an error event to its `pending-approval`
// task. Measured two ways per sample: on the server's clock (the event's time → the task's
// createdAt, both stamped by the Worker) and as a client sees it (POST → the task readable at
// GET /api/v1/tasks). Local figures include the queue's 1 s max_batch_timeout: the consumer
// only sees a lone event once the batch times out.
import { median, percentile, round, type Figure } from "./report.js";
import type { DevServer } from "../scripts/wrangler-dev.js";

export async function benchHalo(
  server: DevServer,
  options: { samples?: number; burst?: number } = {},
): Promise<Figure[]> {
  const samples = options.samples ?? Number(process.env.DM_BENCH_HALO_SAMPLES ?? 20);
  const burst = options.burst ?? Number(process.env.DM_BENCH_HALO_BURST ?? 100);
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
  const run = `bench${Date.now().toString(36)}`;
  type Task = { id: string; createdAt: number; evidence: { cycleId: string } };
  const taskOf = async (type: string): Promise<Task | undefined> =>
    (await call("GET", `/api/v1/tasks?fingerprint=${encodeURIComponent(`error-events:event:${type}`)}&limit=1`))
      .items[0];
  const waitForTask = async (type: string, deadline = Date.now() + 60_000): Promise<Task> => {
    for (;;) {
      const task = await taskOf(type);
      if (task) return task;
      if (Date.now() > deadline) throw new Error(`no task for ${type} after 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  // one error event at a time
  const server_: number[] = [];
  const client: number[] = [];
  const cycles = new Set<string>();
  for (let i = 0; i < samples; i++) {
    const type = `sim.${run}.s${i}`;
    const start = performance.now();
    const { id } = await call("POST", "/api/v1/events", { type, source: "bench", severity: "error", data: { i } });
    const task = await waitForTask(type);
    client.push(performance.now() - start);
    const event = await call("GET", `/api/v1/events/${id}`);
    server_.push(task.createdAt - event.time);
    cycles.add(task.evidence.cycleId);
  }

  // a burst: `burst` error events of distinct types in one POST, so one queue batch
  const types = Array.from({ length: burst }, (_, i) => `sim.${run}.b${i}`);
  const { ids } = await call("POST", "/api/v1/events", {
    events: types.map((type, i) => ({ type, source: "bench", severity: "error", data: { i } })),
  });
  const burstTasks = await Promise.all(types.map((type) => waitForTask(type)));
  const times = new Map<string, number>();
  for (const id of ids as string[]) times.set(id, (await call("GET", `/api/v1/events/${id}`)).time);
  const burstLatency = burstTasks.map((task, i) => task.createdAt - times.get(ids[i])!);
  const burstCycles = new Set(burstTasks.map((task) => task.evidence.cycleId));
  const durations = await Promise.all(
    [...cycles].map(async (id) => (await call("GET", `/api/v1/halo/cycles/${id}`)).durationMs as number),
  );

  return [
    {
      name: "halo.error_to_task.latency.p50",
      value: round(median(server_)),
      unit: "ms",
      params: {
        samples,
        clock: "server: event time → task createdAt",
        note: "includes the queue's 1 s max_batch_timeout",
      },
    },
    {
      name: "halo.error_to_task.latency.p99",
      value: round(percentile(server_, 99)),
      unit: "ms",
      params: { samples, clock: "server" },
    },
    {
      name: "halo.error_to_task.client.p50",
      value: round(median(client)),
      unit: "ms",
      params: { samples, clock: "client: POST → task readable (10 ms polling)" },
    },
    { name: "halo.error_to_task.client.p99", value: round(percentile(client, 99)), unit: "ms", params: { samples } },
    {
      name: "halo.cycle.duration.p50",
      value: round(median(durations)),
      unit: "ms",
      params: { cycles: durations.length, note: "read window + state, rules, tasks, persist" },
    },
    {
      name: "halo.burst.error_to_task.latency.p50",
      value: round(median(burstLatency)),
      unit: "ms",
      params: {
        events: burst,
        cycles: burstCycles.size,
        note: "one POST of distinct error types; triggers arriving during a cycle share the next one",
      },
    },
    {
      name: "halo.burst.error_to_task.latency.p99",
      value: round(percentile(burstLatency, 99)),
      unit: "ms",
      params: { events: burst, cycles: burstCycles.size },
    },
  ];
}

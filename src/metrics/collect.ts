// GET /metrics (issue 16): every figure read, at scrape time, from the store or object that holds
// it — so it is true across isolates and restarts, and the request path pays nothing new but the
// per-route counts the API rollups already batch (src/http/api-events.ts: at most one RPC per
// route per second per isolate). A scrape costs one RPC per API route (its ApiRollup object), one
// D1 batch, one Ledger RPC, one Directory RPC and one RPC per hosted agent.
import { histogramSamples, type MetricFamily, type Sample } from "../core/metrics.js";
import { UNMATCHED_ROUTE, type RouteCounts } from "../core/api-rollup.js";
import type { RouteKey } from "../core/object-names.js";
import { SEVERITIES } from "../core/severity.js";
import { TASK_STATUSES } from "../core/task-lifecycle.js";
import { EventFailureStatus } from "../schemas/events.js";
import { WorldLineStatus } from "../schemas/worldline.js";
import { agentStub, apiRollupStub, directoryStub, ledgerStub } from "../stubs.js";

type CountRow = { label: string | null; n: number };

const gauge = (name: string, help: string, samples: Sample[]): MetricFamily => ({ name, help, type: "gauge", samples });
const counter = (name: string, help: string, samples: Sample[]): MetricFamily => ({
  name,
  help,
  type: "counter",
  samples,
});
const byLabel = (label: string, rows: CountRow[], known: readonly string[] = []): Sample[] => {
  const counts = new Map<string, number>(known.map((value) => [value, 0]));
  for (const row of rows) counts.set(row.label ?? "none", (counts.get(row.label ?? "none") ?? 0) + row.n);
  return [...counts].map(([value, n]) => ({ labels: { [label]: value }, value: n }));
};

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/** The route keys an ApiRollup may exist for: every route the app declares, and the unmatched bucket per method. */
export function routeKeys(routes: ReadonlyArray<{ method: string; path: string }>): RouteKey[] {
  const keys = new Map<string, RouteKey>();
  for (const route of routes)
    if (route.method !== "ALL") keys.set(`${route.method} ${route.path}`, { method: route.method, route: route.path });
  for (const method of METHODS) keys.set(`${method} ${UNMATCHED_ROUTE}`, { method, route: UNMATCHED_ROUTE });
  return [...keys.values()];
}

async function httpFamilies(env: Env, keys: RouteKey[]): Promise<MetricFamily[]> {
  const routes = (
    await Promise.all(
      keys.map((key) =>
        apiRollupStub(env, key)
          .totals()
          .catch(() => null),
      ),
    )
  ).filter((t): t is { key: RouteKey; totals: RouteCounts } => t !== null && t.totals.requests > 0);
  const requests: Sample[] = [];
  const latency: Sample[] = [];
  for (const { key, totals } of routes) {
    const labels = { method: key.method, route: key.route };
    for (const [statusClass, n] of [
      ["1xx-3xx", totals.successes],
      ["4xx", totals.clientErrors],
      ["5xx", totals.serverErrors],
    ] as const)
      requests.push({ labels: { ...labels, status_class: statusClass }, value: n });
    // Counts stored before latency buckets existed have none: those requests count in +Inf only.
    latency.push(...histogramSamples(labels, totals.latency ?? [], totals.totalMs / 1000, totals.requests));
  }
  return [
    counter("darkmatter_http_requests_total", "API requests by method, route pattern and status class", requests),
    {
      name: "darkmatter_http_request_duration_seconds",
      help: "API request duration by method and route pattern",
      type: "histogram",
      samples: latency,
    },
  ];
}

async function d1Families(env: Env): Promise<MetricFamily[]> {
  const statements = [
    "SELECT status AS label, count(*) AS n FROM worldlines GROUP BY status",
    "SELECT severity AS label, count(*) AS n FROM events GROUP BY severity",
    "SELECT status AS label, count(*) AS n FROM event_failures GROUP BY status",
    "SELECT NULL AS label, coalesce(max(persisted_at - time), 0) AS n FROM (SELECT persisted_at, time FROM events ORDER BY persisted_at DESC LIMIT 100)",
    "SELECT NULL AS label, count(*) AS n FROM halo_cycles",
    "SELECT NULL AS label, count(*) AS n FROM squad_tasks WHERE fingerprint IS NOT NULL AND status IN ('pending-approval', 'approved', 'dispatched')",
    "SELECT status AS label, count(*) AS n FROM squad_tasks GROUP BY status",
    "SELECT outcome AS label, count(*) AS n FROM squad_task_attempts GROUP BY outcome",
    "SELECT type AS label, count(*) AS n FROM events WHERE type IN ('arbiter.alert', 'arbiter.quarantine') GROUP BY type",
  ];
  const results = await env.DB.batch<CountRow>(statements.map((sql) => env.DB.prepare(sql)));
  const [worldlines, events, failures, lag, cycles, openWeakPoints, tasks, attempts, arbiter] = results.map(
    (result) => result.results,
  ) as CountRow[][];
  const one = (rows: CountRow[]) => rows[0]?.n ?? 0;
  return [
    gauge(
      "darkmatter_worldlines",
      "World lines by status (quarantined: held by the arbiter)",
      byLabel("status", worldlines!, WorldLineStatus.options),
    ),
    counter(
      "darkmatter_events_persisted_total",
      "Events stored by the consumer, by severity",
      byLabel("severity", events!, SEVERITIES),
    ),
    gauge(
      "darkmatter_event_failures",
      "Messages the event consumer failed on, by status (retrying, recovered, dead-lettered)",
      byLabel("status", failures!, EventFailureStatus.options),
    ),
    gauge(
      "darkmatter_events_queue_lag_seconds",
      "The longest time from an event's time to its storage among the latest 100 events",
      [{ value: one(lag!) / 1000 }],
    ),
    counter("darkmatter_halo_cycles_total", "HALO cycles run", [{ value: one(cycles!) }]),
    gauge(
      "darkmatter_halo_open_weak_points",
      "Weak points with an open task (pending approval, approved, dispatched)",
      [{ value: one(openWeakPoints!) }],
    ),
    gauge("darkmatter_tasks", "Squad tasks by status", byLabel("status", tasks!, TASK_STATUSES)),
    gauge(
      "darkmatter_task_dispatch_attempts",
      "Dispatch attempts by outcome (running until they end)",
      byLabel("outcome", attempts!),
    ),
    counter(
      "darkmatter_arbiter_decisions_total",
      "Arbiter decisions other than continue, by action (from their events)",
      byLabel(
        "action",
        arbiter!.map((row) => ({ ...row, label: row.label === "arbiter.alert" ? "alert" : "quarantine" })),
        ["alert", "quarantine"],
      ),
    ),
  ];
}

async function ledgerFamilies(env: Env): Promise<MetricFamily[]> {
  const outcome = await ledgerStub(env).metrics();
  if (!outcome.ok) return []; // an unconfigured ledger has no figures (its calls answer 503 with the reason)
  const { size, proposals, lastVerify } = outcome.value;
  return [
    gauge(
      "darkmatter_ledger_last_verify_ok",
      "1 when the last full verification (POST /api/v1/ledger/verify) passed, 0 when it failed; absent before the first",
      lastVerify ? [{ value: lastVerify.ok ? 1 : 0 }] : [],
    ),
    gauge(
      "darkmatter_ledger_last_verify_timestamp_seconds",
      "When the last full verification ran (Unix time)",
      lastVerify ? [{ value: lastVerify.at / 1000 }] : [],
    ),
    gauge("darkmatter_ledger_entries", "Entries in the consensus ledger (its Merkle tree size)", [{ value: size }]),
    gauge(
      "darkmatter_ledger_proposals",
      "Ledger proposals by kind and status (approved and rejected are the decisions)",
      proposals.map((p) => ({ labels: { kind: p.kind, status: p.status }, value: p.n })),
    ),
  ];
}

async function meshFamilies(env: Env): Promise<MetricFamily[]> {
  const directory = directoryStub(env);
  const [agents, registrations] = await Promise.all([directory.hostedAgents(), directory.registrationCount()]);
  const figures = await Promise.all(
    agents.map(async (agent) => ({
      name: agent.name,
      figures: await Promise.resolve(agentStub(env, agent.name).metrics()).catch(() => null),
    })),
  );
  const per = (pick: (f: NonNullable<(typeof figures)[number]["figures"]>) => number): Sample[] =>
    figures.flatMap(({ name, figures: f }) => (f ? [{ labels: { agent: name }, value: pick(f) }] : []));
  return [
    counter(
      "darkmatter_mesh_messages_received_total",
      "Messages a hosted agent accepted",
      per((f) => f.received),
    ),
    counter(
      "darkmatter_mesh_messages_sent_total",
      "Messages a hosted agent delivered to its current connections",
      per((f) => f.sent),
    ),
    counter(
      "darkmatter_mesh_messages_declined_total",
      "Messages from current connections a hosted agent refused (rate limits, inactive, full inbox)",
      per((f) => f.declined),
    ),
    gauge(
      "darkmatter_mesh_connections",
      "Connections per hosted agent",
      per((f) => f.connections),
    ),
    gauge(
      "darkmatter_mesh_inbox_messages",
      "Messages held in a hosted agent's inbox",
      per((f) => f.inbox),
    ),
    gauge("darkmatter_mesh_anchor_registrations", "Agents registered with this Worker's anchor", [
      { value: registrations },
    ]),
  ];
}

/** Every family; one source failing leaves the others (its families are absent, the scrape still answers). */
export async function collectMetrics(env: Env, routes: ReadonlyArray<{ method: string; path: string }>) {
  const parts = await Promise.allSettled([
    httpFamilies(env, routeKeys(routes)),
    d1Families(env),
    ledgerFamilies(env),
    meshFamilies(env),
  ]);
  const families = parts.flatMap((part) => (part.status === "fulfilled" ? part.value : []));
  const failed = parts
    .map((part, i) => (part.status === "rejected" ? ["http", "d1", "ledger", "mesh"][i]! : null))
    .filter((name): name is string => name !== null);
  families.push(
    gauge(
      "darkmatter_metrics_source_up",
      "Whether each source of these figures answered this scrape",
      ["http", "d1", "ledger", "mesh"].map((source) => ({
        labels: { source },
        value: failed.includes(source) ? 0 : 1,
      })),
    ),
  );
  return families;
}

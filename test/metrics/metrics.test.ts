// GET /metrics (issue 16) parsed by a maintained Prometheus text-format parser: the families and
// their types, and counters that move when what they count happens — through the real routes,
// ApiRollup objects, D1, the Ledger, the Directory and hosted Agent objects.
import { env } from "cloudflare:workers";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { api } from "../api.js";
import { flushApiCounts } from "../../src/http/api-events.js";
import { connect, createAgent, send } from "../mesh/mesh-helpers.js";
import { eventually } from "../events/helpers.js";

type Family = {
  name: string;
  type: string;
  metrics: Array<{
    value?: string;
    labels?: Record<string, string>;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }>;
};

let lastText = "";

async function scrape(): Promise<Map<string, Family>> {
  await flushApiCounts(env); // what the delayed flush does a second later
  const response = await api("GET", "/metrics", { token: "test-metrics-token" });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  lastText = response.body as string;
  const families = parsePrometheusTextFormat(lastText) as Family[];
  return new Map(families.map((f) => [f.name, f]));
}

const value = (families: Map<string, Family>, name: string, labels: Record<string, string> = {}) => {
  const sample = families.get(name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return sample ? Number(sample.value ?? sample.count) : undefined;
};

describe("GET /metrics", { timeout: 60_000 }, () => {
  it("needs DM_METRICS_TOKEN: no token and the operator's are 401", async () => {
    for (const token of [null, "test-operator-token", "wrong"]) {
      const refused = await api("GET", "/metrics", { token });
      expect([refused.status, refused.body.code], String(token)).toEqual([401, "unauthorized"]);
      expect(refused.headers.get("www-authenticate")).toContain("Bearer");
    }
  });

  it("exposes every family with its type, in names Prometheus conventions ask for", async () => {
    const families = await scrape();
    const types = Object.fromEntries([...families].map(([name, f]) => [name, f.type]));
    expect(types).toMatchObject({
      darkmatter_http_requests_total: "COUNTER",
      darkmatter_http_request_duration_seconds: "HISTOGRAM",
      darkmatter_worldlines: "GAUGE",
      darkmatter_events_persisted_total: "COUNTER",
      darkmatter_event_failures: "GAUGE",
      darkmatter_events_queue_lag_seconds: "GAUGE",
      darkmatter_halo_cycles_total: "COUNTER",
      darkmatter_halo_open_weak_points: "GAUGE",
      darkmatter_tasks: "GAUGE",
      darkmatter_task_dispatch_attempts: "GAUGE",
      darkmatter_arbiter_decisions_total: "COUNTER",
      darkmatter_ledger_entries: "GAUGE",
      darkmatter_ledger_proposals: "GAUGE",
      darkmatter_mesh_messages_received_total: "COUNTER",
      darkmatter_mesh_messages_sent_total: "COUNTER",
      darkmatter_mesh_messages_declined_total: "COUNTER",
      darkmatter_mesh_connections: "GAUGE",
      darkmatter_mesh_inbox_messages: "GAUGE",
      darkmatter_mesh_anchor_registrations: "GAUGE",
      darkmatter_metrics_source_up: "GAUGE",
    });
    for (const name of families.keys()) expect(name).toMatch(/^darkmatter_[a-z_]+$/);
    expect(families.get("darkmatter_metrics_source_up")!.metrics.every((m) => m.value === "1")).toBe(true);
  });

  it("moves its counters when requests, world lines and mesh messages happen", async () => {
    const before = await scrape();
    const route = { method: "POST", route: "/api/v1/worldlines", status_class: "1xx-3xx" };
    const created = await api("POST", "/api/v1/worldlines", { body: { name: "metrics" } });
    expect(created.status).toBe(201);
    const refused = await api("POST", "/api/v1/worldlines", { body: { name: 7 } });
    expect(refused.status).toBe(400);
    const a = await createAgent(`metrics-a-${Date.now().toString(36)}`);
    const b = await createAgent(`metrics-b-${Date.now().toString(36)}`);
    await connect(a.name, b.name);
    expect((await send(a.name, { content: "counted", target_agent_id: b.agent_id })).body.success).toBe(true);

    const after = await eventually(async () => {
      const families = await scrape();
      return (value(families, "darkmatter_http_requests_total", route) ?? 0) >=
        (value(before, "darkmatter_http_requests_total", route) ?? 0) + 1
        ? families
        : undefined;
    }, "the request counted");
    const clientErrors = { ...route, status_class: "4xx" };
    expect(value(after, "darkmatter_http_requests_total", clientErrors)).toBeGreaterThanOrEqual(
      (value(before, "darkmatter_http_requests_total", clientErrors) ?? 0) + 1,
    );
    // parse-prometheus-text-format flattens a labelled histogram into one label-less sample (a
    // limitation of that parser), so the route's own series are read from the exposition's lines.
    const series = (suffix: string, le?: string) =>
      Number(
        lastText
          .split("\n")
          .find((line) =>
            line.startsWith(
              `darkmatter_http_request_duration_seconds${suffix}{method="POST",route="/api/v1/worldlines"${le ? `,le="${le}"` : ""}}`,
            ),
          )
          ?.split(" ")[1],
      );
    expect(series("_count")).toBeGreaterThanOrEqual(2);
    expect(series("_bucket", "+Inf")).toBe(series("_count"));
    expect(series("_bucket", "10")).toBeLessThanOrEqual(series("_bucket", "+Inf"));
    expect(series("_sum")).toBeGreaterThan(0);
    expect(value(after, "darkmatter_worldlines", { status: "active" })).toBeGreaterThanOrEqual(
      (value(before, "darkmatter_worldlines", { status: "active" }) ?? 0) + 1,
    );
    expect(value(after, "darkmatter_mesh_messages_received_total", { agent: b.name })).toBe(1);
    expect(value(after, "darkmatter_mesh_messages_sent_total", { agent: a.name })).toBe(1);
    expect(value(after, "darkmatter_mesh_connections", { agent: a.name })).toBe(1);
    expect(value(after, "darkmatter_mesh_inbox_messages", { agent: b.name })).toBe(1);
    expect(value(after, "darkmatter_ledger_entries")).toBeGreaterThanOrEqual(1);

    // a full ledger verification leaves its outcome for the alert rule
    const verified = await api("POST", "/api/v1/ledger/verify");
    expect(verified.body.ok).toBe(true);
    const afterVerify = await scrape();
    expect(value(afterVerify, "darkmatter_ledger_last_verify_ok")).toBe(1);
    expect(value(afterVerify, "darkmatter_ledger_last_verify_timestamp_seconds")).toBeGreaterThan(
      Date.now() / 1000 - 60,
    );
  });
});

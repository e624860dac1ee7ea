// monitoring/ (issue 16): the Prometheus scrape configuration, the alerting rules and the Grafana
// dashboard parse (YAML with `yaml`, each PromQL expression with Prometheus's own lezer grammar,
// @prometheus-io/lezer-promql), and every metric they name is a family GET /metrics exposes.
import { parser } from "@prometheus-io/lezer-promql";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import alertsText from "../../monitoring/alerts.yml?raw";
import prometheusText from "../../monitoring/prometheus.yml?raw";
import dashboard from "../../monitoring/grafana/darkmatter-edge.json";
import { api } from "../api.js";

/** The metric names an expression selects; a syntax error fails the test with the expression. */
function metricNames(expr: string): string[] {
  const names: string[] = [];
  let isValid = true;
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) isValid = false;
      if (node.name === "Identifier" && node.node.parent?.name === "VectorSelector")
        names.push(expr.slice(node.from, node.to));
    },
  });
  expect(isValid, `PromQL does not parse: ${expr}`).toBe(true);
  return names;
}

/** Histogram series name their family with a suffix. */
const familyOf = (name: string) => name.replace(/_(bucket|sum|count)$/, "");

async function exposedFamilies(): Promise<Set<string>> {
  const response = await api("GET", "/metrics", { token: "test-metrics-token" });
  expect(response.status).toBe(200);
  const text = response.body as string;
  return new Set(
    text
      .split("\n")
      .filter((line) => line.startsWith("# TYPE "))
      .map((line) => line.split(" ")[2]!),
  );
}

describe("monitoring/", () => {
  it("scrapes /metrics with a bearer token, for npm start and for a deployed Worker", () => {
    const config = parseYaml(prometheusText);
    expect(config.rule_files).toEqual(["alerts.yml"]);
    expect(config.scrape_configs.map((job: { job_name: string }) => job.job_name)).toEqual([
      "darkmatter-edge-local",
      "darkmatter-edge",
    ]);
    for (const job of config.scrape_configs) {
      expect(job).toMatchObject({ metrics_path: "/metrics", authorization: { type: "Bearer" } });
      expect(job.authorization.credentials_file).toEqual(expect.any(String));
    }
    expect(config.scrape_configs[0].static_configs[0].targets).toEqual(["localhost:8787"]);
  });

  it("alerts on dead letters, quarantines, failing tasks, 5xx, queue lag and ledger verification, on metrics that exist", async () => {
    const rules = parseYaml(alertsText).groups.flatMap((group: { rules: unknown[] }) => group.rules) as Array<{
      alert: string;
      expr: string;
      labels: { severity: string };
      annotations: { summary: string };
    }>;
    const exposed = await exposedFamilies();
    const named = new Set<string>();
    for (const rule of rules) {
      expect(rule.alert).toMatch(/^DarkMatter[A-Za-z]+$/);
      expect(["warning", "critical"]).toContain(rule.labels.severity);
      expect(rule.annotations.summary).toEqual(expect.any(String));
      for (const name of metricNames(rule.expr)) named.add(familyOf(name));
    }
    for (const name of named) expect(exposed, `alerts.yml names ${name}`).toContain(name);
    for (const needed of [
      "darkmatter_event_failures",
      "darkmatter_worldlines",
      "darkmatter_task_dispatch_attempts",
      "darkmatter_http_requests_total",
      "darkmatter_events_queue_lag_seconds",
      "darkmatter_ledger_last_verify_ok",
    ])
      expect(named).toContain(needed);
  });

  it("has an importable Grafana dashboard whose panels query metrics that exist", async () => {
    expect(dashboard.__inputs[0]).toMatchObject({ name: "DS_PROMETHEUS", type: "datasource", pluginId: "prometheus" });
    const exposed = await exposedFamilies();
    const expressions = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));
    expect(expressions.length).toBeGreaterThan(10);
    const named = new Set(expressions.flatMap(metricNames).map(familyOf));
    for (const name of named) expect(exposed, `the dashboard names ${name}`).toContain(name);
    expect([...named]).toEqual(
      expect.arrayContaining([
        "darkmatter_http_requests_total",
        "darkmatter_http_request_duration_seconds",
        "darkmatter_ledger_entries",
        "darkmatter_events_persisted_total",
        "darkmatter_tasks",
        "darkmatter_arbiter_decisions_total",
        "darkmatter_mesh_messages_received_total",
      ]),
    );
  });
});

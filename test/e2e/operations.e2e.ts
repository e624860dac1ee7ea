// Issue 16 over HTTP against wrangler dev: /metrics scraped and parsed as Prometheus would, and
// an alert notice for a quarantine reaching a real webhook server on loopback
// (DM_ALERT_WEBHOOK, set by global-setup.ts).
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, inject, it } from "vitest";
import { baseUrl, http } from "./http.js";

describe("operations against wrangler dev", { timeout: 60_000 }, () => {
  it("serves /metrics to the metrics token only, in a format a Prometheus parser reads", async () => {
    expect((await fetch(`${baseUrl()}/metrics`)).status).toBe(401);
    const refused = await fetch(`${baseUrl()}/metrics`, {
      headers: { authorization: `Bearer ${inject("operatorToken")}` },
    });
    expect(refused.status).toBe(401);
    await http("GET", "/api/v1/worldlines");
    const response = await fetch(`${baseUrl()}/metrics`, {
      headers: { authorization: `Bearer ${inject("metricsToken")}` },
    });
    expect(response.status).toBe(200);
    const families = parsePrometheusTextFormat(await response.text());
    const names = families.map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "darkmatter_http_requests_total",
        "darkmatter_worldlines",
        "darkmatter_ledger_entries",
        "darkmatter_tasks",
      ]),
    );
    expect(families.find((f) => f.name === "darkmatter_metrics_source_up")!.metrics.every((m) => m.value === "1")).toBe(
      true,
    );
  });

  it("sends a signed alert notice to DM_ALERT_WEBHOOK when the arbiter quarantines a world line", async () => {
    const created = await http("POST", "/api/v1/worldlines", { body: { name: "runaway", entities: { a: 1 } } });
    const id = created.body.id as string;
    await http("POST", `/api/v1/worldlines/${id}/telemetry`, { body: { anoms: 15 } });
    const beat = await http("POST", `/api/v1/worldlines/${id}/arbiter/beats`, { body: { count: 1 } });
    expect(beat.body.decisions[0].action).toBe("QUARANTINE");
    const deadline = Date.now() + 30_000;
    let notice: { body: string; headers: Record<string, string> } | undefined;
    while (!notice && Date.now() < deadline) {
      const posts = (await (await fetch(`${inject("webhookOrigin")}/requests/e2e-alerts`)).json()) as Array<{
        body: string;
        headers: Record<string, string>;
      }>;
      notice = posts.find((p) => JSON.parse(p.body).worldline === id);
      if (!notice) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(notice, "no alert notice arrived").toBeDefined();
    expect(JSON.parse(notice!.body)).toMatchObject({
      darkmatter: "alert",
      type: "worldline.quarantined",
      worldline: id,
    });
    const hub = (await http("GET", "/api/v1/agents/hub")).body;
    expect(notice!.headers["x-darkmatter-agent-id"]).toBe(hub.agent_id);
  });
});

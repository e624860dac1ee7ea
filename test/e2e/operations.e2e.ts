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

describe("health, request ids and replay against wrangler dev", { timeout: 60_000 }, () => {
  it("checks D1, the ledger and the queue on /healthz, and stays cheap with ?deep=false", async () => {
    const deep = await http("GET", "/healthz", { token: null });
    expect(deep.status).toBe(200);
    expect(deep.body).toMatchObject({
      ok: true,
      components: { d1: { ok: true }, ledger: { ok: true }, queue: { ok: true } },
    });
    const shallow = await http("GET", "/healthz?deep=false", { token: null });
    expect([shallow.status, shallow.body.ok, shallow.body.components]).toEqual([200, true, undefined]);
  });

  it("echoes a client's x-request-id and names it in problem+json", async () => {
    const refused = await http("GET", "/api/v1/worldlines/wl_nope", { headers: { "x-request-id": "e2e-ops.1" } });
    expect(refused.headers.get("x-request-id")).toBe("e2e-ops.1");
    expect(refused.body).toMatchObject({ status: 404, requestId: "e2e-ops.1" });
  });

  it("re-routes a window of stored events to HALO without storing them again", async () => {
    const since = Date.now() - 1000;
    const type = `e2e.replay${Math.random().toString(16).slice(2, 8)}.failed`;
    const posted = await http("POST", "/api/v1/events", { body: { type, source: "e2e", severity: "error", data: {} } });
    expect(posted.status).toBe(202);
    const deadline = Date.now() + 20_000;
    while ((await http("GET", `/api/v1/events/${posted.body.id}`)).status !== 200 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 200));
    const replayed = await http("POST", "/api/v1/events/replay", {
      body: { since, until: Date.now(), types: [type] },
    });
    expect(replayed.status).toBe(200);
    expect(replayed.body).toMatchObject({ events: 1, rerouted: 1 });
    expect(replayed.body.cycles).toHaveLength(1);
    const stored = await http("GET", `/api/v1/events?type=${type}`);
    expect(stored.body.items).toHaveLength(1);
  });
});

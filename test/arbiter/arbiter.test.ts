import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createWorldLine, mergePatch } from "../api.js";
import { ArbiterJournal } from "../../src/schemas/arbiter.js";
import { connect, createAgent } from "../mesh/mesh-helpers.js";

const arbiterStub = (id: string) => env.ARBITER.get(env.ARBITER.idFromName(id)) as unknown as DurableObjectStub;
const beats = (id: string, count: number) => api("POST", `/api/v1/worldlines/${id}/arbiter/beats`, { body: { count } });
const telemetry = (id: string, anoms: number) => api("POST", `/api/v1/worldlines/${id}/telemetry`, { body: { anoms } });

describe("the arbiter's acceptance figures (seed 001)", () => {
  it("pulses at T_Λ = 0.004211 s with defaults", async () => {
    const wl = await createWorldLine();
    const status = (await api("GET", `/api/v1/worldlines/${wl.id}/arbiter`)).body;
    expect(status.tLambda).toBeCloseTo(0.004211, 6);
    expect(status).toMatchObject({ enabled: false, beats: 0, tunables: { k: 4, p: 5, tThreshold: 0.02 } });
    const weights = status.genome.weights;
    expect(weights.R + weights.B + weights.E + weights.O).toBeCloseTo(1, 12);
  });

  it("reports PID error ΔT = −0.015789 with ΔV < 0 after the first beat", async () => {
    const wl = await createWorldLine();
    const { view } = (await beats(wl.id, 1)).body;
    expect(view.pid.error).toBeCloseTo(-0.015789, 6);
    expect(view.pid.deltaV).toBeLessThan(0);
    expect(view.pid.stable).toBe(true);
  });

  it("turns telemetry of 5 anomalies into threat 0.6457 and ALERT, anchoring the journal root in the ledger", async () => {
    const wl = await createWorldLine();
    expect((await telemetry(wl.id, 5)).body.pendingAnoms).toBe(5);
    const { decisions, view } = (await beats(wl.id, 1)).body;
    expect(decisions[0]).toMatchObject({ action: "ALERT" });
    expect(decisions[0].threat).toBeCloseTo(0.6457, 4);
    expect(view.lastDecision.action).toBe("ALERT");
    const anchors = (await api("GET", `/api/v1/ledger/entries?kind=anchor&worldline=${wl.id}`)).body.items;
    expect(anchors.at(-1).data).toMatchObject({
      subject: `arbiter-journal:${wl.id}`,
      root: view.journal.root,
      size: view.journal.size,
    });
    // the anomalies were consumed: the next beat is calm
    expect((await beats(wl.id, 1)).body.decisions[0].action).not.toBe("ALERT");
  });

  it("quarantines a world line past threat 0.85: writes answer 423 until release", async () => {
    const wl = await createWorldLine({ entities: { a: 1 } });
    await telemetry(wl.id, 15);
    const { decisions } = (await beats(wl.id, 1)).body;
    expect(decisions[0].action).toBe("QUARANTINE");
    expect(decisions[0].threat).toBeGreaterThanOrEqual(0.85);
    expect((await api("GET", `/api/v1/worldlines/${wl.id}`)).body.status).toBe("quarantined");
    const blocked = await mergePatch(wl.id, { a: 2 });
    expect([blocked.status, blocked.contentType, blocked.body.code]).toEqual([
      423,
      "application/problem+json",
      "worldline-quarantined",
    ]);
    expect((await api("POST", `/api/v1/worldlines/${wl.id}/fork`, { body: { name: "still forkable" } })).status).toBe(
      201,
    );
    const released = await api("POST", `/api/v1/worldlines/${wl.id}/release`);
    expect([released.status, released.body.status]).toEqual([200, "active"]);
    expect((await mergePatch(wl.id, { a: 2 })).status).toBe(200);
    expect((await api("POST", `/api/v1/worldlines/${wl.id}/release`)).status).toBe(409);
  });

  it("a terminated world line's arbiter no longer runs (410) but stays readable", async () => {
    const wl = await createWorldLine();
    expect((await beats(wl.id, 1)).status).toBe(200);
    expect((await api("DELETE", `/api/v1/worldlines/${wl.id}`)).status).toBe(200);
    for (const refused of [
      await api("PUT", `/api/v1/worldlines/${wl.id}/arbiter`, { body: { enabled: true } }),
      await telemetry(wl.id, 1),
      await beats(wl.id, 1),
      await api("PUT", `/api/v1/worldlines/${wl.id}/subscribers`, { body: { agents: [] } }),
    ])
      expect([refused.status, refused.body.code]).toEqual([410, "worldline-terminated"]);
    const status = await api("GET", `/api/v1/worldlines/${wl.id}/arbiter`);
    expect([status.status, status.body.beats, status.body.enabled]).toEqual([200, 1, false]);
    expect((await api("GET", `/api/v1/worldlines/${wl.id}/arbiter/journal`)).status).toBe(200);
  });

  it("keeps a journal that verifies, whose root matches the last anchor, and detects tampering", async () => {
    const wl = await createWorldLine();
    await telemetry(wl.id, 6);
    await beats(wl.id, 3);
    const journal = ArbiterJournal.parse(
      (await api("GET", `/api/v1/worldlines/${wl.id}/arbiter/journal?limit=1000`)).body,
    ); // the documented shape
    expect(journal.manifest).toMatchObject({
      format: "venom-ledger/1",
      hash_algorithm: "SHA3-256",
      length: 1 + 3 * 6,
      verified: true,
    });
    expect(journal.entries.map((e) => e.data.type).slice(0, 7)).toEqual([
      "genesis",
      "pulse",
      "flow_result",
      "flow_result",
      "flow_result",
      "flow_result",
      "action",
    ]);
    const anchor = (await api("GET", `/api/v1/ledger/entries?kind=anchor&worldline=${wl.id}`)).body.items.at(-1);
    expect(journal.manifest.merkle_root).toBe(journal.anchoredRoot);
    expect(anchor.data).toMatchObject({ root: journal.manifest.merkle_root, size: journal.manifest.length });
    expect((await api("POST", `/api/v1/worldlines/${wl.id}/arbiter/journal/verify`)).body).toMatchObject({
      ok: true,
      done: true,
      length: 19,
    });

    await runInDurableObject(arbiterStub(wl.id), (_instance, state) => {
      state.storage.sql.exec(
        "UPDATE journal SET data = ? WHERE idx = 3",
        JSON.stringify({ type: "flow_result", flow: "R", result: { urgency: 0 } }),
      );
    });
    const found = (await api("POST", `/api/v1/worldlines/${wl.id}/arbiter/journal/verify?restart=true`)).body;
    expect(found).toMatchObject({ ok: false, done: false, firstBadIndex: 3, reason: "hash" });
    const tampered = (await api("GET", `/api/v1/worldlines/${wl.id}/arbiter/journal?limit=1000`)).body;
    expect(tampered.manifest.verified).toBe(false);
    expect(tampered.manifest.merkle_root).toBeNull();
    expect(tampered.verification).toMatchObject({ ok: false, firstBadIndex: 3 });
  });
});

describe("anchoring without flooding the ledger", () => {
  it("anchors a burst of alerting beats once, with the journal root after the burst", async () => {
    const wl = await createWorldLine();
    const before = (await api("GET", `/api/v1/ledger/entries?kind=anchor&worldline=${wl.id}`)).body.items.length;
    await api("POST", `/api/v1/worldlines/${wl.id}/arbiter/inject`, { body: { anoms: 5 } }); // every beat now alerts
    const { decisions, view } = (await beats(wl.id, 50)).body;
    expect(decisions.filter((d: { action: string }) => d.action === "ALERT").length).toBe(50);
    const anchors = (await api("GET", `/api/v1/ledger/entries?kind=anchor&worldline=${wl.id}`)).body.items;
    expect(anchors.length - before).toBe(1);
    expect(anchors.at(-1).data).toMatchObject({ root: view.journal.root, size: view.journal.size });
  });
});

describe("beats on alarms", () => {
  it("beats when its alarm fires, schedules the next one, and stops when disabled", async () => {
    const wl = await createWorldLine();
    const enabled = await api("PUT", `/api/v1/worldlines/${wl.id}/arbiter`, {
      body: { enabled: true, intervalMs: 2000 },
    });
    expect(enabled.body).toMatchObject({ enabled: true, intervalMs: 2000 });
    expect(await runDurableObjectAlarm(arbiterStub(wl.id))).toBe(true);
    expect(await runDurableObjectAlarm(arbiterStub(wl.id))).toBe(true);
    expect((await api("GET", `/api/v1/worldlines/${wl.id}/arbiter`)).body.beats).toBe(2);
    const alarm = await runInDurableObject(arbiterStub(wl.id), (_i, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThan(Date.now() + 1000);
    await api("PUT", `/api/v1/worldlines/${wl.id}/arbiter`, { body: { enabled: false } });
    expect(await runDurableObjectAlarm(arbiterStub(wl.id))).toBe(false);
  });

  it("retunes k, p and tThreshold and refuses unstable or malformed settings without changing anything", async () => {
    const wl = await createWorldLine();
    const retuned = (await api("PUT", `/api/v1/worldlines/${wl.id}/arbiter`, { body: { enabled: false, k: 2, p: 3 } }))
      .body;
    expect(retuned.tunables).toMatchObject({ k: 2, p: 3 });
    const unstable = await api("PUT", `/api/v1/worldlines/${wl.id}/arbiter`, {
      body: { enabled: false, k: 0.1, p: 2 },
    });
    expect([unstable.status, unstable.body.code]).toEqual([422, "invalid-tunables"]);
    expect(
      (await api("PUT", `/api/v1/worldlines/${wl.id}/arbiter`, { body: { enabled: "yes" } })).body.errors[0].path,
    ).toBe("/enabled");
    expect((await beats(wl.id, 10_001)).status).toBe(400);
    expect((await telemetry(wl.id, -1)).status).toBe(400);
    expect((await api("GET", `/api/v1/worldlines/${wl.id}/arbiter`)).body.tunables).toMatchObject({ k: 2, p: 3 });
    expect(
      (await api("PUT", `/api/v1/worldlines/${wl.id}/arbiter`, { body: { enabled: true }, token: null })).status,
    ).toBe(401);
  });

  it("injects anomalies and ml_weight into the genome", async () => {
    const wl = await createWorldLine();
    const injected = (
      await api("POST", `/api/v1/worldlines/${wl.id}/arbiter/inject`, { body: { anoms: 2, mlWeight: 0.3 } })
    ).body;
    expect(injected.genome).toMatchObject({ risk: { anoms: 2 }, ml: { ml_weight: 0.3 } });
    const { decisions } = (await beats(wl.id, 1)).body;
    expect(decisions[0].threat).toBeCloseTo(1 / (1 + Math.exp(-0.6)), 6);
  });
});

describe("entropy model training", () => {
  it("trains a new version on separable samples with lower loss and AUC 1, and beats use it", async () => {
    const before = (await api("GET", "/api/v1/arbiter/model")).body;
    const samples = [0, 1, 2, 3, 20, 25, 30, 35].map((anoms) => ({ anoms, label: anoms >= 20 ? 1 : 0 }));
    const trained = (
      await api("POST", "/api/v1/arbiter/model/train", { body: { samples, epochs: 2000, learningRate: 0.05 } })
    ).body;
    expect(trained.version).toBe(before.version + 1);
    expect(trained.auc).toBe(1);
    expect(trained.loss).toBeLessThan(0.25);
    // Read back from D1 field for field, as it was stored (loss, AUC, learning rate and all).
    expect((await api("GET", "/api/v1/arbiter/model")).body).toEqual(trained);
    const wl = await createWorldLine();
    await telemetry(wl.id, 3);
    const { decisions } = (await beats(wl.id, 1)).body;
    expect(decisions[0].threat).toBeCloseTo(1 / (1 + Math.exp(-(trained.w * 3 + trained.b))), 6);
    expect(
      (await api("POST", "/api/v1/arbiter/model/train", { body: { samples: [{ anoms: 1, label: 2 }] } })).status,
    ).toBe(400);
  });
});

describe("broadcasts to subscribed agents", () => {
  it("sends ALERT and QUARANTINE as signed messages from the hub to subscribers", async () => {
    const watcher = await createAgent("watcher");
    await connect("watcher", "hub");
    const wl = await createWorldLine();
    expect(
      (await api("PUT", `/api/v1/worldlines/${wl.id}/subscribers`, { body: { agents: [watcher.agent_id] } })).body
        .subscribers,
    ).toEqual([watcher.agent_id]);
    await telemetry(wl.id, 500); // far past 0.85 under the default model and under any model trained earlier in this file
    await beats(wl.id, 1);
    const inbox = (await api("GET", "/api/v1/agents/watcher/inbox")).body.items;
    const hub = (await api("GET", "/api/v1/agents/hub")).body;
    expect(inbox).toEqual([expect.objectContaining({ from_agent_id: hub.agent_id, verified: true })]);
    expect(JSON.parse(inbox[0].content)).toMatchObject({ type: "darkmatter.arbiter.quarantine", worldline: wl.id });
  });
});

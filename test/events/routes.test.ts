// POST /api/v1/events and the reads, over the Worker's fetch handler with the real queue and D1.
import { describe, expect, it } from "vitest";
import { newId } from "../../src/core/ids.js";
import { api } from "../api.js";
import { allEvents, storedEvent } from "./helpers.js";

const post = (body: unknown, token?: string | null) => api("POST", "/api/v1/events", { body, token });

describe("POST /api/v1/events", () => {
  it("queues an outside system's event (202) and it becomes readable at GET /api/v1/events/:id", async () => {
    const wl = newId("wl");
    const response = await post({
      type: "sim.episode.finished",
      source: "gym-runner-7",
      severity: "warning",
      worldline: wl,
      agent: "a".repeat(64),
      data: { episode: 41, reward: -3.5 },
    });
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ id: expect.stringMatching(/^ev_[0-9a-z]{26}$/), queued: true });
    expect(response.headers.get("location")).toBe(`/api/v1/events/${response.body.id}`);
    await storedEvent(response.body.id);
    const read = await api("GET", `/api/v1/events/${response.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      id: response.body.id,
      type: "sim.episode.finished",
      source: "gym-runner-7",
      severity: "warning",
      worldline: wl,
      agent: "a".repeat(64),
      data: { episode: 41, reward: -3.5 },
    });
    expect(read.body.time).toBeLessThanOrEqual(read.body.persistedAt);
  });

  it("defaults severity to info and data to {}, takes an ISO time, and accepts a system type whose data matches its schema", async () => {
    const at = "2026-01-02T03:04:05.678Z";
    const plain = await post({ type: "rl.env.reset", source: "env", time: at });
    const graft = await post({
      type: "graft.installed",
      source: "graft-engine",
      data: { graftId: "g-17", name: "physics-tweaks" },
    });
    expect([plain.status, graft.status]).toEqual([202, 202]);
    expect(await storedEvent(plain.body.id)).toMatchObject({ severity: "info", data: {}, time: Date.parse(at) });
    expect(await storedEvent(graft.body.id)).toMatchObject({
      type: "graft.installed",
      severity: "info",
      data: { graftId: "g-17", name: "physics-tweaks" },
    });
  });

  it("queues a batch and answers every id; an id the client chose makes a retried POST idempotent", async () => {
    const mine = newId("ev");
    const batch = {
      events: [
        { id: mine, type: "train.step.logged", source: "trainer", data: { step: 1 } },
        { type: "train.step.logged", source: "trainer", data: { step: 2 } },
      ],
    };
    const first = await post(batch);
    expect(first.status).toBe(202);
    expect(first.body.queued).toBe(true);
    expect(first.body.ids).toHaveLength(2);
    expect(first.body.ids[0]).toBe(mine);
    const retried = await post({ events: [batch.events[0]] });
    expect(retried.body.ids).toEqual([mine]);
    await storedEvent(first.body.ids[1]);
    await storedEvent(mine);
    const marker = await post({ type: "train.marker.sent", source: "trainer" }); // stored after the retry: the retry has been processed
    await storedEvent(marker.body.id);
    expect((await allEvents({ type: "train.step.logged" })).filter((e) => e.id === mine)).toHaveLength(1);
  });

  it("refuses invalid events with the fields at fault, and queues none of a batch with one bad event", async () => {
    // api.* events are left out: this many 400s on one route is a 4xx spike the rollup reports
    const countNonApi = async () => (await allEvents()).filter((e) => !e.type.startsWith("api.")).length;
    const before = await countNonApi();
    const cases: Array<[unknown, string[]]> = [
      [{ type: "Not A Type", source: "x" }, ["/type"]],
      [{ type: "single", source: "x" }, ["/type"]],
      [{ type: "sim.x", source: "x", severity: "fatal" }, ["/severity"]],
      [{ type: "sim.x", source: "" }, ["/source"]],
      [{ type: "sim.x" }, ["/source"]],
      [{ type: "sim.x", source: "x", data: [1, 2] }, ["/data"]],
      [{ type: "sim.x", source: "x", worldline: "not-a-world-line" }, ["/worldline"]],
      [{ type: "sim.x", source: "x", time: "yesterday" }, ["/time"]],
      [{ type: "sim.x", source: "x", time: Date.now() + 3_600_000 }, ["/time"]],
      [{ type: "sim.x", source: "x", id: "ev_nope" }, ["/id"]],
      [{ type: "halo.cycle.finished", source: "x" }, ["/type"]], // reserved namespace, not one of ours
      [
        { type: "worldline.forked", source: "x", data: { parent: "wl_x", name: "f" } },
        ["/data/parent", "/data/privacy", "/data/head"],
      ],
      [{ type: "graft.installed", source: "x", data: { graftId: "g", extra: true } }, ["/data"]], // system data is strict
      [{ events: [] }, ["/events"]],
      [
        {
          events: [
            { type: "sim.ok", source: "x" },
            { type: "sim.bad", source: "x", severity: "loud" },
          ],
        },
        ["/events/1/severity"],
      ],
      [{ events: Array.from({ length: 101 }, () => ({ type: "sim.x", source: "x" })) }, ["/events"]],
    ];
    for (const [body, paths] of cases) {
      const response = await post(body);
      expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(response.contentType).toBe("application/problem+json");
      expect(response.body.code).toBe("validation-failed");
      expect(response.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(paths));
    }
    const reserved = await post({ type: "halo.cycle.finished", source: "x" });
    expect(reserved.body.errors[0].message).toContain("reserved");
    const marker = await post({ type: "sim.validation.marker", source: "x" });
    await storedEvent(marker.body.id);
    expect(await countNonApi()).toBe(before + 1);
  });

  it("refuses data over 64 KiB with 413 and a body that is not JSON with 415, queueing nothing", async () => {
    const big = await post({ type: "sim.x", source: "x", data: { blob: "x".repeat(64 * 1024) } });
    expect([big.status, big.body.code, big.body.errors[0].path]).toEqual([413, "event-too-large", "/data"]);
    const inBatch = await post({
      events: [
        { type: "sim.x", source: "x" },
        { type: "sim.x", source: "x", data: { blob: "x".repeat(70_000) } },
      ],
    });
    expect([inBatch.status, inBatch.body.errors[0].path]).toEqual([413, "/events/1/data"]);
    const text = await api("POST", "/api/v1/events", { raw: "type=sim.x", headers: { "content-type": "text/plain" } });
    expect(text.status).toBe(415);
    expect((await allEvents({ type: "sim.x" })).length).toBe(0);
  });

  it("needs the operator token: 401 without it, 403 with a wrong one, for posting and for reading", async () => {
    const missing = await post({ type: "sim.x", source: "x" }, null);
    expect([missing.status, missing.body.code]).toEqual([401, "unauthorized"]);
    expect(missing.headers.get("www-authenticate")).toContain("Bearer");
    expect((await post({ type: "sim.x", source: "x" }, "wrong")).status).toBe(403);
    expect((await api("GET", "/api/v1/events", { token: null })).status).toBe(401);
    expect((await api("GET", `/api/v1/events/${newId("ev")}`, { token: null })).status).toBe(401);
    expect((await api("GET", "/api/v1/events/failures", { token: null })).status).toBe(401);
    expect((await allEvents({ type: "sim.x" })).length).toBe(0);
  });
});

describe("GET /api/v1/events", () => {
  it("filters by type, namespace, severity, world line, agent and since, newest first", async () => {
    const wl = newId("wl");
    const agent = "b".repeat(64);
    const base = Date.now() - 60_000;
    const { body } = await post({
      events: [
        { type: "lab.run.started", source: "lab", severity: "info", worldline: wl, time: base },
        { type: "lab.run.failed", source: "lab", severity: "error", worldline: wl, agent, time: base + 1000 },
        { type: "lab.probe.sampled", source: "lab", severity: "debug", agent, time: base + 2000 },
        { type: "lab.run.failed", source: "lab", severity: "critical", time: base + 3000 },
      ],
    });
    await Promise.all(body.ids.map((id: string) => storedEvent(id)));
    const ids = async (query: string) =>
      (await api("GET", `/api/v1/events?${query}`)).body.items.map((e: { id: string }) => e.id);
    const [started, failed, sampled, critical] = body.ids;
    expect(await ids(`worldline=${wl}`)).toEqual([failed, started]);
    expect(await ids(`agent=${agent}`)).toEqual([sampled, failed]);
    expect(await ids("type=lab.run.failed")).toEqual([critical, failed]);
    expect((await ids("type=lab.*")).filter((id: string) => body.ids.includes(id))).toEqual([
      critical,
      sampled,
      failed,
      started,
    ]);
    expect((await ids("type=lab.run.*")).filter((id: string) => body.ids.includes(id))).toEqual([
      critical,
      failed,
      started,
    ]);
    expect(await ids(`type=lab.*&severity=error,critical`)).toEqual([critical, failed]);
    expect(await ids(`type=lab.*&since=${base + 2000}`)).toEqual([critical, sampled]);
    expect(await ids(`type=lab.*&since=${new Date(base + 2500).toISOString()}`)).toEqual([critical]);
    expect(await ids(`worldline=${wl}&severity=debug`)).toEqual([]);
  });

  it("pages with a cursor without repeating or skipping, and refuses bad queries with 400", async () => {
    const { body } = await post({
      events: Array.from({ length: 7 }, (_, i) => ({
        type: "page.item.made",
        source: "pager",
        time: Date.now() - 10_000 + (i % 3) * 1000,
        data: { i },
      })),
    });
    await Promise.all(body.ids.map((id: string) => storedEvent(id)));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await api(
        "GET",
        `/api/v1/events?type=page.item.made&limit=3${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.items.map((e: { id: string }) => e.id));
      cursor = page.body.next;
    } while (cursor);
    expect([...seen].sort()).toEqual([...body.ids].sort());
    const times = (await api("GET", "/api/v1/events?type=page.item.made&limit=10")).body.items.map(
      (e: { time: number }) => e.time,
    );
    expect(times).toEqual([...times].sort((a, b) => b - a));
    for (const [query, path] of [
      ["severity=loud", "/severity"],
      ["since=last-week", "/since"],
      ["type=Bad", "/type"],
      ["worldline=x", "/worldline"],
      ["limit=0", "/limit"],
    ]) {
      const response = await api("GET", `/api/v1/events?${query}`);
      expect([response.status, response.body.errors[0].path]).toEqual([400, path]);
    }
    expect((await api("GET", "/api/v1/events?cursor=garbage")).body.code).toBe("invalid-cursor");
  });

  it("answers 404 problem+json for an unknown or malformed event id", async () => {
    for (const id of [newId("ev"), "nope"]) {
      const response = await api("GET", `/api/v1/events/${id}`);
      expect([response.status, response.contentType, response.body.code]).toEqual([
        404,
        "application/problem+json",
        "not-found",
      ]);
    }
  });

  it("lists the recorded dead letters at /api/v1/events/failures", async () => {
    const failures = await api("GET", "/api/v1/events/failures?status=dead-lettered&limit=5");
    expect(failures.status).toBe(200);
    expect(failures.body).toMatchObject({ items: expect.any(Array) });
    expect((await api("GET", "/api/v1/events/failures?status=lost")).status).toBe(400);
  });

  it("documents the events API in the OpenAPI document, with a data schema per system type", async () => {
    const doc = (await api("GET", "/api/openapi.json")).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/api/v1/events", "/api/v1/events/{id}", "/api/v1/events/failures"]),
    );
    expect(doc.components.schemas).toHaveProperty("EventInput");
    expect(doc.components.schemas).toHaveProperty("WorldLineForkedData");
    expect(doc.paths["/api/v1/events"].post.requestBody.content["application/json"].schema.oneOf).toHaveLength(2);
  });
});

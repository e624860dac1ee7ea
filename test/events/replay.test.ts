// Event replay over the Worker's fetch handler: dead letters put back on the real queue (once) and
// stored by the real consumer, and windows of stored events re-routed to the real Halo object.
// Dead letters are made by the real consumers on hand-made batches (deliver), so their rows are
// exactly what the pipeline records.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { newId } from "../../src/core/ids.js";
import { subscribe } from "../../src/events/routing.js";
import { api } from "../api.js";
import { allEvents, deliver, eventually, makeEvent, message, store, storedEvent } from "./helpers.js";
import type { Event } from "../../src/schemas/events.js";

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((undo) => undo()));

const haloTriggers = async (eventId: string) =>
  (await env.DB.prepare("SELECT * FROM halo_triggers WHERE event_id = ?").bind(eventId).all()).results;
const replay = (id: string) => api("POST", `/api/v1/events/failures/${id}/replay`);

/** A valid event the dead-letter consumer recorded after the retries (never stored: the consumer crashed). */
async function deadLetter(event: Event): Promise<Event> {
  await deliver("dm-events-dlq", [message(event, 6)]);
  return event;
}

describe("replaying a dead letter", { timeout: 30_000 }, () => {
  it("puts it back on the queue: the consumer stores it once, and the failure row says when it was replayed", async () => {
    const event = await deadLetter(makeEvent({ type: "sim.replay.lost" }));
    expect(await store().get(event.id)).toBeNull();
    const before = Date.now();
    const replayed = await replay(event.id);
    expect(replayed.status).toBe(202);
    expect(replayed.body).toMatchObject({ id: event.id, status: "dead-lettered", replayResult: "queued" });
    expect(replayed.body.replayedAt).toBeGreaterThanOrEqual(before);
    expect(await storedEvent(event.id)).toMatchObject({ ...event, routedAt: expect.any(Number) });
    expect(await store().failure(event.id)).toMatchObject({
      replayedAt: replayed.body.replayedAt,
      replayResult: "queued",
    });
    const listed = await api("GET", "/api/v1/events/failures?status=dead-lettered&limit=500");
    expect(listed.body.items.find((f: { id: string }) => f.id === event.id)).toMatchObject({ replayResult: "queued" });
    expect((await allEvents({ type: "sim.replay.lost" })).filter((e) => e.id === event.id)).toHaveLength(1);
  });

  it("routes an event that was stored before its subscriber failed, without storing it twice", async () => {
    const event = makeEvent({ type: "sim.replay.unrouted" });
    const undo = subscribe({
      name: "down",
      matches: (e) => e.id === event.id,
      handle: async () => {
        throw new Error("downstream is down");
      },
    });
    await deliver("dm-events", [message(event)]);
    undo();
    const stored = await store().get(event.id);
    expect(stored).toMatchObject({ routedAt: null });
    await deliver("dm-events-dlq", [message(event, 6)]);
    const handled: string[] = [];
    cleanups.push(
      subscribe({ name: "up", matches: (e) => e.id === event.id, handle: async (_env, e) => void handled.push(e.id) }),
    );
    expect((await replay(event.id)).status).toBe(202);
    const routed = await eventually(async () => {
      const row = await store().get(event.id);
      return row?.routedAt ? row : null;
    }, "the replayed event routed");
    expect(handled).toEqual([event.id]);
    expect(routed.persistedAt).toBe(stored!.persistedAt); // the same row, not a second one
    expect((await allEvents({ type: "sim.replay.unrouted" })).filter((e) => e.id === event.id)).toHaveLength(1);
  });

  it("refuses a second replay with 409 already-replayed, and changes nothing", async () => {
    const event = await deadLetter(makeEvent({ type: "sim.replay.twice" }));
    const first = await replay(event.id);
    expect(first.status).toBe(202);
    await storedEvent(event.id);
    const second = await replay(event.id);
    expect(second.status).toBe(409);
    expect(second.contentType).toBe("application/problem+json");
    expect(second.body).toMatchObject({ code: "already-replayed", status: 409 });
    expect(second.body.detail).toContain(new Date(first.body.replayedAt).toISOString());
    expect(await store().failure(event.id)).toMatchObject({
      replayedAt: first.body.replayedAt,
      replayResult: "queued",
    });
  });

  it("refuses a dead letter that is not a valid event (422), one still retrying (409) and an unknown id (404)", async () => {
    const poisonId = newId("ev");
    const poison = { id: poisonId, type: "halo.cycle.completed", source: "test", time: Date.now(), data: {} };
    await deliver("dm-events", [message(poison)]); // poison: forwarded to the real dead-letter queue
    await deliver("dm-events-dlq", [message(poison)]);
    const invalid = await replay(poisonId);
    expect(invalid.status).toBe(422);
    expect(invalid.body).toMatchObject({ code: "not-replayable" });
    expect(invalid.body.detail).toContain("not a valid event");
    expect(await store().failure(poisonId)).toMatchObject({ status: "dead-lettered", replayedAt: null });

    const flaky = makeEvent({ type: "sim.replay.retrying" });
    cleanups.push(
      subscribe({
        name: "flaky",
        matches: (e) => e.id === flaky.id,
        handle: async () => {
          throw new Error("not yet");
        },
      }),
    );
    await deliver("dm-events", [message(flaky)]);
    expect(await store().failure(flaky.id)).toMatchObject({ status: "retrying" });
    expect((await replay(flaky.id)).body).toMatchObject({ status: 409, code: "not-dead-lettered" });

    expect((await replay("ev_00000000000000000000000000")).body).toMatchObject({ status: 404, code: "not-found" });
  });
});

describe("replaying dead letters in bulk", { timeout: 30_000 }, () => {
  it("answers per id: replayed, already replayed, not an event, unknown", async () => {
    const fresh = await deadLetter(makeEvent({ type: "sim.bulk.fresh" }));
    const used = await deadLetter(makeEvent({ type: "sim.bulk.used" }));
    expect((await replay(used.id)).status).toBe(202);
    const poison = { id: newId("ev"), type: "worldline.created", source: "test", time: Date.now(), data: {} };
    await deliver("dm-events-dlq", [message(poison)]);
    const unknown = "ev_00000000000000000000000000";
    const bulk = await api("POST", "/api/v1/events/failures/replay", {
      body: { ids: [fresh.id, used.id, poison.id, unknown, fresh.id] },
    });
    expect(bulk.status).toBe(200);
    expect(bulk.body.replayed).toBe(1);
    expect(
      bulk.body.results.map((r: { id: string; status: number; code?: string }) => [r.id, r.status, r.code]),
    ).toEqual([
      [fresh.id, 202, undefined],
      [used.id, 409, "already-replayed"],
      [poison.id, 422, "not-replayable"],
      [unknown, 404, "not-found"],
      [fresh.id, 409, "already-replayed"],
    ]);
    await storedEvent(fresh.id);
    await storedEvent(used.id);
  });

  it("replays the dead letters a filter finds, each once, and refuses a body that mixes ids and a filter", async () => {
    const type = `sim.bulk${Date.now()}.filtered`;
    const letters = [await deadLetter(makeEvent({ type })), await deadLetter(makeEvent({ type }))];
    const first = await api("POST", "/api/v1/events/failures/replay", { body: { type } });
    expect(first.body.replayed).toBe(2);
    expect(first.body.results.map((r: { id: string }) => r.id).sort()).toEqual(letters.map((e) => e.id).sort());
    for (const event of letters) await storedEvent(event.id);
    expect((await api("POST", "/api/v1/events/failures/replay", { body: { type } })).body).toEqual({
      replayed: 0,
      results: [],
    });
    expect((await allEvents({ type })).length).toBe(2);

    const mixed = await api("POST", "/api/v1/events/failures/replay", { body: { ids: [letters[0]!.id], type } });
    expect(mixed.status).toBe(400);
    const tooMany = await api("POST", "/api/v1/events/failures/replay", {
      body: { ids: Array.from({ length: 101 }, () => newId("ev")) },
    });
    expect(tooMany.body).toMatchObject({ status: 400, code: "validation-failed" });
  });
});

describe("replaying a window of stored events", { timeout: 30_000 }, () => {
  it("GET /api/v1/events takes until as well as since, and its cursors keep the window", async () => {
    const type = `sim.window${Date.now()}.read`;
    const t0 = Date.now() - 3_600_000;
    const events = [0, 1, 2, 3].map((i) => makeEvent({ type, time: t0 + i * 1000 }));
    await deliver(
      "dm-events",
      events.map((e) => message(e)),
    );
    const window = `type=${type}&since=${t0 + 1000}&until=${new Date(t0 + 2000).toISOString()}`;
    const first = await api("GET", `/api/v1/events?${window}&limit=1`);
    expect(first.body.items.map((e: Event) => e.id)).toEqual([events[2]!.id]);
    const second = await api("GET", `/api/v1/events?${window}&limit=1&cursor=${first.body.next}`);
    expect(second.body.items.map((e: Event) => e.id)).toEqual([events[1]!.id]);
    expect(second.body.next).toBeNull();
    expect((await api("GET", "/api/v1/events?until=yesterday")).body).toMatchObject({ code: "validation-failed" });
  });

  it("re-routes the window's events to HALO: one replay cycle reads them, nothing is stored twice", async () => {
    const type = `sim.window${Date.now()}.crashed`;
    const t0 = Date.now() - 2 * 3_600_000; // long outside HALO's usual window (15 min)
    const events = [0, 1, 2].map((i) => makeEvent({ type, severity: "error", time: t0 + i }));
    const quiet = makeEvent({ type, severity: "info", time: t0 + 5 });
    await deliver(
      "dm-events",
      [...events, quiet].map((e) => message(e)),
    );
    const storedBefore = await allEvents({ type });
    const triggersBefore = await Promise.all(events.map((e) => haloTriggers(e.id)));
    expect(triggersBefore.map((rows) => rows.length)).toEqual([1, 1, 1]);

    const replayed = await api("POST", "/api/v1/events/replay", {
      body: { since: t0, until: new Date(t0 + 10).toISOString(), types: [type] },
    });
    expect(replayed.status).toBe(200);
    expect(replayed.body).toEqual({ events: 4, rerouted: 3, subscribers: { halo: 3 }, cycles: [expect.any(String)] });

    const cycle = (await api("GET", `/api/v1/halo/cycles/${replayed.body.cycles[0]}`)).body;
    expect(cycle).toMatchObject({ trigger: "replay" });
    expect([...cycle.triggerEvents].sort()).toEqual(events.map((e) => e.id).sort());
    expect(cycle.windowStart).toBeLessThanOrEqual(t0);
    const point = cycle.found.find((p: { evidence: string[] }) => p.evidence.includes(events[0]!.id));
    expect(point).toMatchObject({ kind: "error-events" });
    expect([...point.evidence].sort()).toEqual(events.map((e) => e.id).sort());

    expect(await allEvents({ type })).toEqual(storedBefore); // not stored again, not changed
    expect(await Promise.all(events.map((e) => haloTriggers(e.id)))).toEqual(triggersBefore); // held once
  });

  it("runs no cycle when no event of the window asks for one, and refuses a window over 1000 events", async () => {
    const type = `sim.window${Date.now()}.calm`;
    const t0 = Date.now() - 5 * 3_600_000;
    const many = Array.from({ length: 1001 }, (_, i) => makeEvent({ type, time: t0 + i }));
    for (let i = 0; i < many.length; i += 100)
      await deliver(
        "dm-events",
        many.slice(i, i + 100).map((e) => message(e)),
      );
    const calm = await api("POST", "/api/v1/events/replay", { body: { since: t0, until: t0 + 999, types: [type] } });
    expect(calm.body).toEqual({ events: 1000, rerouted: 0, subscribers: {}, cycles: [] });
    const tooMany = await api("POST", "/api/v1/events/replay", {
      body: { since: t0, until: t0 + 1000, types: [type] },
    });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body).toMatchObject({ code: "replay-window-too-large" });
    const backwards = await api("POST", "/api/v1/events/replay", { body: { since: t0 + 1, until: t0 } });
    expect(backwards.body).toMatchObject({ status: 400, code: "validation-failed" });
  });
});

// The real pipeline: the EVENTS queue binding, miniflare's queue broker, the Worker's queue
// handler, the dead-letter queue and its consumer, and D1 — nothing called by hand.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { newId } from "../../src/core/ids.js";
import { emitEvent } from "../../src/events/producer.js";
import { subscribe } from "../../src/events/routing.js";
import { allEvents, eventually, makeEvent, store, storedEvent } from "./helpers.js";

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((undo) => undo()));

// The dead-letter consumer waits up to its 5 s batch timeout, so these take seconds, not milliseconds.
describe("events through the real queue", { timeout: 40_000 }, () => {
  it("stores an emitted event once the consumer has run, with the envelope the producer sealed", async () => {
    const wl = newId("wl");
    const id = await emitEvent(env, {
      type: "worldline.quarantined",
      worldline: wl,
      data: { threat: 0.9, reason: "runaway entropy", beat: 12 },
    });
    expect(id).toMatch(/^ev_[0-9a-z]{26}$/);
    const stored = await storedEvent(id!);
    expect(stored).toMatchObject({
      id,
      type: "worldline.quarantined",
      source: "darkmatter-edge",
      severity: "warning",
      worldline: wl,
      data: { threat: 0.9, reason: "runaway entropy", beat: 12 },
    });
    expect(stored.routedAt).not.toBeNull();
  });

  it("records a redelivered event once: sending the same envelope again changes nothing", async () => {
    const event = makeEvent({ type: "sim.redelivery.checked", severity: "error" });
    await env.EVENTS.send(event, { contentType: "json" });
    // Settled first: stored, its HALO trigger recorded and the Halo object poked, marked routed.
    const first = await eventually(async () => {
      const stored = await store().get(event.id);
      return stored?.routedAt ? stored : null;
    }, "the event routed");
    const trigger = await eventually(
      () => env.DB.prepare("SELECT * FROM halo_triggers WHERE event_id = ?").bind(event.id).first(),
      "the HALO trigger",
    );
    await env.EVENTS.sendBatch([
      { body: { ...event, data: { changed: true } }, contentType: "json" },
      { body: event, contentType: "json" },
    ]);
    const marker = makeEvent();
    await env.EVENTS.send(marker, { contentType: "json" }); // sent after the duplicates: once it is stored, they were processed
    await storedEvent(marker.id);
    expect(await store().get(event.id)).toEqual(first);
    expect((await allEvents({ type: "sim.redelivery.checked" })).filter((e) => e.id === event.id)).toHaveLength(1);
    expect(await env.DB.prepare("SELECT * FROM halo_triggers WHERE event_id = ?").bind(event.id).all()).toMatchObject({
      results: [trigger],
    });
  });

  it("sends a poison message to the dead-letter queue, where its failure is recorded, while the rest of its batch is stored", async () => {
    const good = makeEvent({ type: "sim.batch.neighbour" });
    const poisonId = newId("ev");
    const poison = {
      id: poisonId,
      type: "halo.cycle.completed",
      source: "test",
      severity: "info",
      time: Date.now(),
      data: { cycleId: "c1" },
    }; // missing weakPoints, tasksCreated
    await env.EVENTS.sendBatch([
      { body: poison, contentType: "json" },
      { body: good, contentType: "json" },
    ]);
    await storedEvent(good.id);
    const failure = await eventually(async () => {
      const row = await store().failure(poisonId);
      return row?.status === "dead-lettered" && row;
    }, "the dead letter");
    expect(failure).toMatchObject({ eventId: poisonId, type: "halo.cycle.completed", attempts: 1 });
    expect(failure.lastError).toContain("/data/weakPoints");
    expect(JSON.parse(failure.payload)).toEqual(poison);
    expect(await store().get(poisonId)).toBeNull();
    // the pipeline reports its own dead letter as an error event (which triggers HALO)
    const report = await eventually(
      async () => (await allEvents({ type: "events.dead_lettered" })).find((e) => e.data.eventId === poisonId),
      "the events.dead_lettered event",
    );
    expect(report).toMatchObject({
      severity: "error",
      data: { eventType: "halo.cycle.completed", queue: "dm-events" },
    });
  });

  it("retries a failing handler until max_retries, then dead-letters the event with its last error and attempt count", async () => {
    let calls = 0;
    cleanups.push(
      subscribe({
        name: "always-fails",
        matches: (e) => e.type === "sim.handler.broken",
        handle: async () => {
          calls++;
          throw new Error("downstream is down");
        },
      }),
    );
    const event = makeEvent({ type: "sim.handler.broken" });
    const neighbour = makeEvent({ type: "sim.handler.neighbour" });
    await env.EVENTS.sendBatch([
      { body: event, contentType: "json" },
      { body: neighbour, contentType: "json" },
    ]);
    await storedEvent(neighbour.id);
    const failure = await eventually(
      async () => {
        const row = await store().failure(event.id);
        return row?.status === "dead-lettered" && row;
      },
      "the dead letter",
      30_000,
    );
    expect(calls).toBe(6); // the first delivery and max_retries = 5 retries
    expect(failure).toMatchObject({ type: "sim.handler.broken", attempts: 6, lastError: "Error: downstream is down" });
    expect(failure.deadLetteredAt).not.toBeNull();
    // stored on the first attempt (exactly once), never marked routed
    expect(await store().get(event.id)).toMatchObject({ id: event.id, routedAt: null });
  });
});

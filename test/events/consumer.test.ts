// The queue handler driven directly with createMessageBatch/getQueueResult: exact acks, retries
// and backoff delays per message, against the real D1.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { newId } from "../../src/core/ids.js";
import { PermanentEventError, retryDelaySeconds } from "../../src/core/events.js";
import { subscribe } from "../../src/events/routing.js";
import { deliver, makeEvent, message, store } from "./helpers.js";

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((undo) => undo()));
const haloTriggers = async (eventId: string) =>
  (await env.DB.prepare("SELECT * FROM halo_triggers WHERE event_id = ?").bind(eventId).all()).results;

describe("the event consumer", () => {
  it("stores every event of a batch and acks each message on its own", async () => {
    const events = [
      makeEvent(),
      makeEvent({
        type: "worldline.terminated",
        worldline: newId("wl"),
        source: "test",
        data: { name: "w", head: "a".repeat(64) },
      }),
      makeEvent({ severity: "debug" }),
    ];
    const result = await deliver(
      "dm-events",
      events.map((e) => message(e)),
    );
    expect(result.acked.size).toBe(3);
    expect(result.retried.size).toBe(0);
    expect(result.ackAll).toBe(false);
    for (const event of events)
      expect(await store().get(event.id)).toMatchObject({
        ...event,
        routedAt: expect.any(Number),
        persistedAt: expect.any(Number),
      });
  });

  it("routes and acks a full batch of 100 events (the queue's max_batch_size): marking them routed binds more than D1's 100 parameters", async () => {
    cleanups.push(
      subscribe({ name: "full-batch", matches: (e) => e.type === "sim.full.batch", handle: async () => {} }),
    );
    const events = Array.from({ length: 100 }, () => makeEvent({ type: "sim.full.batch" }));
    const result = await deliver(
      "dm-events",
      events.map((e) => message(e)),
    );
    expect([result.acked.size, result.retried.size]).toEqual([100, 0]);
    for (const event of events) expect(await store().get(event.id)).toMatchObject({ routedAt: expect.any(Number) });
  });

  it("changes nothing when the same event is delivered again, in a later batch or twice in one batch", async () => {
    const event = makeEvent({ type: "sim.crash.detected", severity: "critical" });
    await deliver("dm-events", [message(event)]);
    const stored = await store().get(event.id);
    const triggers = await haloTriggers(event.id);
    expect(triggers).toHaveLength(1);
    const again = await deliver("dm-events", [
      message(event, 2),
      message({ ...event, severity: "info", data: { other: 1 } }),
      message(event),
    ]);
    expect(again.acked.size).toBe(3);
    expect(await store().get(event.id)).toEqual(stored);
    expect(await haloTriggers(event.id)).toEqual(triggers);
  });

  it("triggers HALO for error and critical events only, and not for HALO's own events", async () => {
    const error = makeEvent({ severity: "error" });
    const critical = makeEvent({
      type: "squad.task.failed",
      severity: "critical",
      data: { taskId: "t1", error: "agent timed out" },
    });
    const warning = makeEvent({ severity: "warning" });
    const halo = makeEvent({
      type: "halo.weakpoint.critical",
      severity: "critical",
      data: { cycleId: "c1", weakPoint: "wp1", subsystem: "mesh", score: 0.97, detail: "inbox saturated" },
    });
    await deliver(
      "dm-events",
      [error, critical, warning, halo].map((e) => message(e)),
    );
    expect(await haloTriggers(error.id)).toMatchObject([
      { event_id: error.id, event_type: "sim.episode.finished", severity: "error", status: "pending" },
    ]);
    expect(await haloTriggers(critical.id)).toMatchObject([
      { event_type: "squad.task.failed", severity: "critical", status: "pending" },
    ]);
    expect(await haloTriggers(warning.id)).toEqual([]);
    expect(await haloTriggers(halo.id)).toEqual([]);
  });

  it("does not let one bad message hold back its batch: poison goes to the dead letters, a failing handler is retried, the rest is acked", async () => {
    cleanups.push(
      subscribe({
        name: "flaky",
        matches: (e) => e.type === "sim.flaky.handler",
        handle: async () => {
          throw new Error("flaky dependency");
        },
      }),
    );
    const good = [makeEvent(), makeEvent(), makeEvent()];
    const flaky = makeEvent({ type: "sim.flaky.handler" });
    const poison = message({ not: "an event" });
    const messages = [
      message(good[0]),
      poison,
      message(flaky, 3),
      message(good[1]),
      message("just a string"),
      message(good[2]),
    ];
    const result = await deliver("dm-events", messages, { DM_EVENTS_RETRY_BASE_SECONDS: "2" });
    expect([...result.acked].sort()).toEqual(
      [messages[0]!.id, messages[1]!.id, messages[3]!.id, messages[4]!.id, messages[5]!.id].sort(),
    ); // poison is acked once it sits in the DLQ
    expect([...result.retried]).toEqual([messages[2]!.id]);
    expect(result.delays.get(messages[2]!.id)).toBe(8); // third attempt: 2 · 2²
    for (const event of good) expect(await store().get(event.id)).not.toBeNull();
    expect(await store().get(flaky.id)).toMatchObject({ routedAt: null });
    expect(await store().failure(flaky.id)).toMatchObject({
      status: "retrying",
      attempts: 3,
      lastError: "Error: flaky dependency",
    });
  });

  it("retries with exponential backoff: 2, 4, 8, 16, 32 seconds", async () => {
    cleanups.push(
      subscribe({
        name: "down",
        matches: (e) => e.type === "sim.backoff.probe",
        handle: async () => {
          throw new Error("down");
        },
      }),
    );
    const event = makeEvent({ type: "sim.backoff.probe" });
    const delays: Array<number | undefined> = [];
    for (let attempts = 1; attempts <= 5; attempts++) {
      const m = message(event, attempts);
      delays.push((await deliver("dm-events", [m], { DM_EVENTS_RETRY_BASE_SECONDS: undefined })).delays.get(m.id));
    }
    expect(delays).toEqual([2, 4, 8, 16, 32]);
    expect([1, 2, 3, 4, 5].map((n) => retryDelaySeconds(n))).toEqual(delays);
    expect(retryDelaySeconds(40)).toBe(15 * 60); // capped
  });

  it("marks a failure recovered when a later attempt goes through", async () => {
    let failing = true;
    cleanups.push(
      subscribe({
        name: "recovering",
        matches: (e) => e.type === "sim.recovering.handler",
        handle: async () => {
          if (failing) throw new Error("not yet");
        },
      }),
    );
    const event = makeEvent({ type: "sim.recovering.handler" });
    await deliver("dm-events", [message(event)]);
    expect(await store().failure(event.id)).toMatchObject({ status: "retrying", attempts: 1 });
    failing = false;
    const second = await deliver("dm-events", [message(event, 2)]);
    expect(second.acked.size).toBe(1);
    expect(await store().failure(event.id)).toMatchObject({ status: "recovered" });
    expect((await store().get(event.id))!.routedAt).not.toBeNull();
  });

  it("sends an event a handler refuses for good (retryable: false) straight to the dead letters", async () => {
    cleanups.push(
      subscribe({
        name: "refuses",
        matches: (e) => e.type === "sim.unprocessable",
        handle: async () => {
          throw new PermanentEventError("unknown squad");
        },
      }),
    );
    const event = makeEvent({ type: "sim.unprocessable" });
    const m = message(event);
    const result = await deliver("dm-events", [m]);
    expect(result.acked.has(m.id)).toBe(true);
    expect(result.retried.size).toBe(0);
    expect(await store().failure(event.id)).toMatchObject({
      status: "retrying",
      attempts: 1,
      lastError: "PermanentEventError: unknown squad",
    }); // until the DLQ consumer takes it
  });
});

describe("the dead-letter consumer", () => {
  it("records a dead letter once, keeping the error recorded while retrying, and reports it as an event", async () => {
    cleanups.push(
      subscribe({
        name: "broken",
        matches: (e) => e.type === "sim.dead.end",
        handle: async () => {
          throw new Error("still broken");
        },
      }),
    );
    const event = makeEvent({ type: "sim.dead.end" });
    await deliver("dm-events", [message(event, 6)]);
    const dlq = await deliver("dm-events-dlq", [message(event)]);
    expect(dlq.acked.size).toBe(1);
    const failure = await store().failure(event.id);
    expect(failure).toMatchObject({
      status: "dead-lettered",
      attempts: 6,
      lastError: "Error: still broken",
      type: "sim.dead.end",
    });
    expect(JSON.parse(failure!.payload)).toEqual(event);
    const again = await deliver("dm-events-dlq", [message(event)]);
    expect(again.acked.size).toBe(1);
    expect(await store().failure(event.id)).toEqual(failure);
  });

  it("records a dead letter nobody saw fail, and one that is not an event at all, under its payload's hash", async () => {
    const unseen = makeEvent({ type: "sim.unseen.failure" });
    const garbage = { whatever: [1, 2, 3] };
    const result = await deliver("dm-events-dlq", [message(unseen), message(garbage)]);
    expect(result.acked.size).toBe(2);
    expect(await store().failure(unseen.id)).toMatchObject({
      status: "dead-lettered",
      attempts: 0,
      lastError: expect.stringContaining("no failure was recorded"),
    });
    const page = (await store().listFailures({ status: "dead-lettered", limit: 500 }))!;
    const row = page.items.find((item) => item.payload === JSON.stringify(garbage));
    expect(row).toMatchObject({ eventId: null, type: null });
    expect(row!.id).toMatch(/^msg_[0-9a-f]{32}$/);
  });
});

// The HALO trigger (seed 003, "Event Wormholes → HALO Loop": `processEvent()` →
// `haloTriggers.triggerFromEvent()` for error and critical events).
//
// Records the trigger durably, once per event (`halo_triggers`, keyed on the event id: the
// evidence that this event asked for a cycle; its `status` stays as first written), and pokes
// the Halo Durable Object, which runs one cycle for all the events pending when its alarm fires
// (durable-objects/halo.ts). A redelivered event is held once, and a cycle proposes no second
// task for a weak point that has an open one.
import { drizzle } from "drizzle-orm/d1";
import { describeError } from "../core/events.js";
import { unwrap } from "../core/problem.js";
import { haloTriggers } from "../db/schema.js";
import { chunked } from "../stores/page-cursor.js";
import { haloStub } from "../stubs.js";
import type { Event } from "../schemas/events.js";

const triggerRow = (event: Event, now: number) => ({
  eventId: event.id,
  eventType: event.type,
  severity: event.severity,
  worldline: event.worldline ?? null,
  agent: event.agent ?? null,
  status: "pending",
  triggeredAt: now,
});

export async function triggerHalo(env: Env, event: Event): Promise<void> {
  await drizzle(env.DB)
    .insert(haloTriggers)
    .values(triggerRow(event, Date.now()))
    .onConflictDoNothing({ target: haloTriggers.eventId });
  // The poke is awaited (a Worker may cancel what it left running once the batch is acked; the
  // Halo object only records the id and sets an alarm), but a failed poke does not fail routing:
  // the event is stored, and every cycle reads the whole window, so the next one (another event's,
  // or the cron's within five minutes) finds it. The poke only makes that cycle come now.
  await haloStub(env)
    .trigger(event.id)
    .catch((error: unknown) =>
      console.error(
        `halo: could not poke the Halo object for ${event.id}; the next cycle will see it`,
        describeError(error),
      ),
    );
}

/**
 * A replay (POST /api/v1/events/replay): the trigger rows of events that never had one, then one
 * cycle for all of them, run now and answered (not left to the alarm), reading from the replayed
 * window's start at the latest, so the replayed events are in what it looks at.
 */
export async function replayToHalo(
  env: Env,
  events: Event[],
  window: { since: number },
): Promise<{ cycles: string[] }> {
  const db = drizzle(env.DB);
  const now = Date.now();
  // 7 values a row: 12 rows stay under the 100 bound parameters of a statement
  for (const chunk of chunked(events, 12))
    await db
      .insert(haloTriggers)
      .values(chunk.map((event) => triggerRow(event, now)))
      .onConflictDoNothing({ target: haloTriggers.eventId });
  const cycle = unwrap(
    await haloStub(env).cycle({ trigger: "replay", events: events.map((event) => event.id), since: window.since }),
  );
  return { cycles: [cycle.id] };
}

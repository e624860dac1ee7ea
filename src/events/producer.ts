// THE event producer: every part of the system emits through here onto the `dm-events` queue
// (binding EVENTS). Two ways in:
//
// - `emitEvent` / `emitEvents` for side effects of something else (a world line was forked, a
//   promotion decided, a route failed). They never throw and never fail the caller's write: a
//   failed emit is logged and reported as `false`. Call them with `ctx.waitUntil(...)` from a
//   route or a Durable Object so the response does not wait for the queue.
// - `publishEvents` when queueing *is* the request (POST /api/v1/events): it throws, so the
//   caller can answer 503 instead of a 202 that was never true.
import { describeError, queueChunks, sealEvent, type EventDraft, type SystemEventInput } from "../core/events.js";
import type { Event } from "../schemas/events.js";

type Producer = Pick<Env, "EVENTS">;

/** Sends sealed events in sendBatch-sized chunks (≤ 100 messages, ≤ 256 KB). Throws if the queue refuses a chunk. */
export async function publishEvents(env: Producer, events: Event[]): Promise<void> {
  for (const chunk of queueChunks(events)) {
    await env.EVENTS.sendBatch(chunk.map((body) => ({ body, contentType: "json" as const })));
  }
}

/**
 * Seals (id, time, defaults, validation) and queues system events; never throws. The ids queued,
 * or null on failure. Outside systems' events come in through POST /api/v1/events instead.
 */
export async function emitEvents(env: Producer, inputs: SystemEventInput[]): Promise<string[] | null> {
  let sealed: Event[];
  try {
    const now = Date.now();
    sealed = inputs.map((input) => sealEvent(input as EventDraft, now));
  } catch (error) {
    // An emitter built an invalid event: a bug to fix, never a reason to fail the emitter's work.
    console.error(
      "event not emitted: invalid",
      inputs.map((input) => input.type).join(","),
      describeError(error),
      JSON.stringify((error as { fields?: { errors?: unknown } }).fields?.errors ?? []),
    );
    return null;
  }
  try {
    await publishEvents(env, sealed);
    return sealed.map((event) => event.id);
  } catch (error) {
    // The queue is unavailable. The emitter's own write already happened and stays; the event is
    // lost, which the log says loudly. (Retrying here would hold the caller's request open.)
    console.error(
      "event not emitted: queue send failed",
      sealed.map((event) => `${event.type} ${event.id}`).join(", "),
      describeError(error),
    );
    return null;
  }
}

export async function emitEvent(env: Producer, input: SystemEventInput): Promise<string | null> {
  return (await emitEvents(env, [input]))?.[0] ?? null;
}

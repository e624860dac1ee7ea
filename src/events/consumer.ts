// The queue consumer: `dm-events` → D1 `events` (exactly once) → routing (HALO trigger, later
// squads); `dm-events-dlq` → D1 `event_failures`.
//
// Every message is acked or retried on its own (never `retryAll`), so one bad message never
// holds back the rest of its batch:
// - a body that is not a valid event (poison) can never succeed: it is recorded and forwarded to
//   the dead-letter queue at once instead of burning retries;
// - any other failure (D1 unavailable, a subscriber throwing) is recorded and retried with
//   exponential backoff; after `max_retries` (wrangler.toml) the queue moves it to the DLQ.
import { publishLiveEvents } from "../live/publish.js";
import {
  describeError,
  isPermanent,
  PermanentEventError,
  retryDelaySeconds,
  DEFAULT_RETRY_BASE_SECONDS,
} from "../core/events.js";
import { EventStore, type FailureAttempt } from "../stores/event-store.js";
import { Event, EventId } from "../schemas/events.js";
import { emitEvent } from "./producer.js";
import { needsRouting, routeEvent } from "./routing.js";

export const EVENTS_QUEUE = "dm-events";
export const DEAD_LETTER_QUEUE = "dm-events-dlq";
const MAX_PAYLOAD_CHARS = 128 * 1024;

/** The Worker's `queue` handler: both queues of the event pipeline land here. */
export async function queue(batch: MessageBatch<unknown>, env: Env, _ctx: ExecutionContext): Promise<void> {
  // A deployment may suffix queue names per environment (dm-events-staging-dlq): go by the suffix.
  if (batch.queue.endsWith("-dlq")) return consumeDeadLetters(batch, env);
  return consumeEvents(batch, env);
}

export async function consumeEvents(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const store = new EventStore(env.DB);
  const now = Date.now();
  const onFailure = (message: Message<unknown>, error: unknown) => fail(env, store, message, error);

  // 1. validate: poison messages leave the batch here
  const byId = new Map<string, { event: Event; messages: Array<Message<unknown>> }>();
  const settled: Array<Promise<void>> = [];
  for (const message of batch.messages) {
    const parsed = Event.safeParse(message.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      settled.push(
        onFailure(
          message,
          new PermanentEventError(`not a valid event: /${issue.path.map(String).join("/")}: ${issue.message}`),
        ),
      );
      continue;
    }
    // the same event delivered twice in one batch is stored and routed once
    const entry = byId.get(parsed.data.id) ?? { event: parsed.data, messages: [] };
    entry.messages.push(message);
    byId.set(parsed.data.id, entry);
  }
  const entries = [...byId.values()];

  // 2. persist (exactly once per id); one round trip, or one per event if the batch write fails,
  //    so a row D1 refuses cannot sink the others
  let stored = entries;
  try {
    await store.persist(
      entries.map((entry) => entry.event),
      (event) => !needsRouting(event),
      now,
    );
  } catch (batchError) {
    console.error("events: batch insert failed, storing one by one", describeError(batchError));
    const results = await Promise.allSettled(
      entries.map((entry) => store.persist([entry.event], (event) => !needsRouting(event), now)),
    );
    stored = entries.filter((entry, i) => {
      const result = results[i]!;
      if (result.status === "rejected")
        entry.messages.forEach((message) => settled.push(onFailure(message, result.reason)));
      return result.status === "fulfilled";
    });
  }

  // 3. route what still needs it (a redelivered, already routed event is skipped), each on its own
  const wanting = stored.filter((entry) => needsRouting(entry.event));
  const done = stored.filter((entry) => !wanting.includes(entry)); // stored as routed already
  let unrouted: Set<string> | null = null;
  try {
    unrouted = await store.unrouted(wanting.map((entry) => entry.event.id));
  } catch (error) {
    wanting.forEach((entry) => entry.messages.forEach((message) => settled.push(onFailure(message, error))));
  }
  if (unrouted) {
    done.push(...wanting.filter((entry) => !unrouted.has(entry.event.id))); // routed on an earlier delivery
    const routedNow: typeof entries = [];
    await Promise.all(
      wanting
        .filter((entry) => unrouted.has(entry.event.id))
        .map(async (entry) => {
          try {
            await routeEvent(env, entry.event);
            routedNow.push(entry);
          } catch (error) {
            entry.messages.forEach((message) => settled.push(onFailure(message, error)));
          }
        }),
    );
    try {
      await store.markRouted(
        routedNow.map((entry) => entry.event.id),
        Date.now(),
      );
      done.push(...routedNow);
    } catch (error) {
      // routed but not marked: the retry routes again, and subscribers are idempotent on the id
      routedNow.forEach((entry) => entry.messages.forEach((message) => settled.push(onFailure(message, error))));
    }
  }

  // 4. ack; events that failed on an earlier attempt are marked recovered
  for (const entry of done) entry.messages.forEach((message) => message.ack());
  const recovered = done
    .filter((entry) => entry.messages.some((message) => message.attempts > 1))
    .map((entry) => entry.event.id);
  await store
    .markRecovered(recovered, Date.now())
    .catch((error) => console.error("events: could not mark recovered", recovered.join(","), describeError(error))); // bookkeeping only
  await Promise.all(settled);
  // 5. tell connected dashboards (best effort; they also poll)
  await publishLiveEvents(
    env,
    done.map((entry) => entry.event),
  );
}

/** One failed message: poison goes to the dead letters now, anything else is retried with backoff. */
async function fail(env: Env, store: EventStore, message: Message<unknown>, error: unknown): Promise<void> {
  const failure = await describeFailure(message, error);
  console.error(
    `events: message ${message.id} (${failure.type ?? "no type"}) failed on attempt ${message.attempts}: ${failure.error}`,
  );
  try {
    await store.recordAttempt(failure);
  } catch (recordError) {
    // D1 being down is usually the failure itself; the dead-letter consumer records the message later
    console.error("events: could not record the failure", failure.id, describeError(recordError));
  }
  if (isPermanent(error)) {
    try {
      await env.EVENTS_DLQ.send(message.body, { contentType: "json" });
      message.ack();
      return;
    } catch (sendError) {
      console.error(
        `events: could not forward ${failure.id} to the dead-letter queue; retrying instead`,
        describeError(sendError),
      );
    }
  }
  message.retry({ delaySeconds: retryDelaySeconds(message.attempts, retryBase(env)) });
}

/** `dm-events-dlq`: record each dead letter (once), tell the system about it, ack. */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const store = new EventStore(env.DB);
  await Promise.all(
    batch.messages.map(async (message) => {
      try {
        const failure = await describeFailure(message, null);
        const before = await store.failure(failure.id);
        const recorded = await store.recordDeadLetter({
          ...failure,
          attempts: 0,
          error: "no failure was recorded before the message was dead-lettered (the consumer crashed or timed out)",
          at: Date.now(),
        });
        // The pipeline reports its own failures as an event (seed 003: "errors are emitted as events
        // for monitoring") — except for a dead `events.dead_lettered`, which would loop.
        if (before?.status !== "dead-lettered" && recorded.type !== "events.dead_lettered") {
          await emitEvent(env, {
            type: "events.dead_lettered",
            data: {
              eventId: recorded.eventId,
              eventType: recorded.type?.slice(0, 256) ?? null,
              attempts: recorded.attempts,
              error: recorded.lastError,
              queue: EVENTS_QUEUE,
            },
          });
        }
        message.ack();
      } catch (error) {
        console.error(`events: could not record dead letter ${message.id}`, describeError(error));
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts, retryBase(env)) });
      }
    }),
  );
}

async function describeFailure(message: Message<unknown>, error: unknown): Promise<FailureAttempt> {
  const body = message.body as { id?: unknown; type?: unknown } | null;
  let payload: string;
  try {
    payload = JSON.stringify(message.body) ?? String(message.body);
  } catch {
    payload = String(message.body); // not JSON-representable (a v8-serialised message from elsewhere)
  }
  payload = payload.slice(0, MAX_PAYLOAD_CHARS);
  const eventId = typeof body?.id === "string" && EventId.safeParse(body.id).success ? body.id : null;
  // Without an event id, the payload's hash names the failure: the queue may give the message a
  // new id in the dead-letter queue, but its body stays the same.
  const id = eventId ?? `msg_${(await sha256Hex(payload)).slice(0, 32)}`;
  return {
    id,
    eventId,
    type: typeof body?.type === "string" ? body.type.slice(0, 256) : null,
    attempts: message.attempts,
    error: describeError(error),
    payload,
    at: Date.now(),
  };
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

function retryBase(env: Env): number {
  const configured = Number(env.DM_EVENTS_RETRY_BASE_SECONDS);
  return env.DM_EVENTS_RETRY_BASE_SECONDS !== undefined && Number.isFinite(configured) && configured >= 0
    ? configured
    : DEFAULT_RETRY_BASE_SECONDS;
}

// Event replay (seed 003, "Event replay and analysis"; issue 16):
//
// - a dead letter goes back on `dm-events` once. The failure row's `replayed_at` is claimed by a
//   compare-and-set before the send, so two replays never both queue it, and a second one is
//   refused (409 `already-replayed`) rather than answered again: the operator learns that the
//   event is already back, and when. The consumer stores by event id (ON CONFLICT DO NOTHING), so
//   a replayed event that was stored before it failed (a subscriber threw) is stored once and only
//   routed. A dead letter that is not a valid event could never be stored: 422 `not-replayable`.
// - a window of stored events goes through the consumer's routing step again
//   (src/events/routing.ts `rerouteEvents`), never through the store: HALO gets one cycle for them.
import { describeError } from "../core/events.js";
import { DomainError } from "../core/problem.js";
import { EventStore } from "../stores/event-store.js";
import {
  Event,
  MAX_REPLAY_EVENTS,
  MAX_REPLAY_FAILURES,
  type BulkFailureReplay,
  type EventFailure,
  type FailureReplay,
  type WindowReplay,
  type WindowReplayed,
} from "../schemas/events.js";
import { publishEvents } from "./producer.js";
import { rerouteEvents } from "./routing.js";

/** Puts one dead letter back on the event queue, once; the failure row as it is now. */
export async function replayFailure(env: Env, id: string): Promise<EventFailure> {
  const store = new EventStore(env.DB);
  const failure = await store.failure(id);
  if (!failure) throw new DomainError("not-found", `no failure ${id} (GET /api/v1/events/failures lists them)`);
  if (failure.status !== "dead-lettered")
    throw new DomainError(
      "not-dead-lettered",
      `failure ${id} is ${failure.status}: ${failure.status === "retrying" ? "the queue still holds it and retries it" : "it went through on a later attempt"}`,
    );
  if (failure.replayedAt !== null) throw alreadyReplayed(failure);
  const event = replayable(failure);
  const now = Date.now();
  if (!(await store.claimReplay(id, now))) throw alreadyReplayed((await store.failure(id)) ?? failure);
  try {
    await publishEvents(env, [event]);
  } catch (error) {
    console.error(`events: replay of ${id}: queue send failed`, describeError(error));
    await store.releaseReplay(id, now);
    throw new DomainError("queue-unavailable", "the event queue refused the replayed event; replay it again later");
  }
  return { ...failure, replayedAt: now, replayResult: "queued" };
}

/** The bulk form: each id (or each unreplayed dead letter the filter finds) on its own, answered per id. */
export async function replayFailures(
  env: Env,
  body: BulkFailureReplay,
): Promise<{ replayed: number; results: FailureReplay[] }> {
  const ids =
    body.ids ??
    (await new EventStore(env.DB).unreplayedDeadLetters({
      ...(body.type !== undefined && { type: body.type }),
      limit: body.limit ?? MAX_REPLAY_FAILURES,
    }));
  const results: FailureReplay[] = [];
  // one after the other: a repeated id in the list meets its own first replay (409), not a race
  for (const id of ids) {
    try {
      const failure = await replayFailure(env, id);
      results.push({ id, status: 202, replayedAt: failure.replayedAt! });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      results.push({
        id,
        status: error.status,
        code: error.code,
        ...(error.fields.detail && { detail: error.fields.detail }),
      });
    }
  }
  return { replayed: results.filter((result) => result.status === 202).length, results };
}

/** Re-routes the stored events of a window (at most MAX_REPLAY_EVENTS) without storing them again. */
export async function replayWindow(env: Env, body: WindowReplay): Promise<WindowReplayed> {
  const store = new EventStore(env.DB);
  const events = await store.window(body, MAX_REPLAY_EVENTS + 1);
  if (events.length > MAX_REPLAY_EVENTS)
    throw new DomainError(
      "replay-window-too-large",
      `the window holds more than ${MAX_REPLAY_EVENTS} stored events; narrow it (since, until) or name types`,
    );
  const envelopes = events.map(({ persistedAt: _, routedAt: __, ...event }) => event as Event);
  const outcome = await rerouteEvents(env, envelopes, { since: body.since });
  // events whose routing never finished (a subscriber failed until they were dead-lettered) are
  // routed now: every subscriber succeeded, or rerouteEvents threw
  await store.markRouted(
    events.filter((event) => event.routedAt === null).map((event) => event.id),
    Date.now(),
  );
  return { events: events.length, ...outcome };
}

function alreadyReplayed(failure: EventFailure): DomainError {
  return new DomainError("already-replayed", {
    detail: `failure ${failure.id} was put back on the queue at ${new Date(failure.replayedAt ?? 0).toISOString()} (${failure.replayResult}); a dead letter is replayed once`,
  });
}

/** The dead letter's event, if it is one: a payload that is not could never be stored. */
function replayable(failure: EventFailure): Event {
  let body: unknown;
  try {
    body = JSON.parse(failure.payload);
  } catch {
    throw new DomainError("not-replayable", `failure ${failure.id}: the payload is not JSON (or was cut at 128 KiB)`);
  }
  const parsed = Event.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DomainError(
      "not-replayable",
      `failure ${failure.id} is not a valid event (/${issue.path.map(String).join("/")}: ${issue.message}); it can never be stored`,
    );
  }
  return parsed.data;
}

// Where a stored event goes next. Each subscriber says which events it wants and handles them;
// the consumer calls `routeEvent` once per event after persisting it, and marks the event routed
// only when every matching subscriber succeeded. A subscriber must be idempotent on `event.id`
// (a crash between handling and marking means the event is routed again).
//
// Two subscribers: the HALO trigger (error and critical events start a cycle) and the operator's
// alert webhook (src/events/alert-notifier.ts).
// Squads need none: a member's answer reaches its task through the hub agent's webhook
// (src/squads/task-response.ts), and task failures reach HALO as error events. Others add an
// entry to SUBSCRIBERS, e.g.
//   { name: "audit", matches: (e) => e.type.startsWith("ledger."), handle: recordForAudit }
// A handler that throws is retried with backoff; one that throws PermanentEventError (or any error
// with `retryable: false`) sends the event straight to the dead letters.
import { triggersHalo } from "../core/events.js";
import type { Event } from "../schemas/events.js";
import { alertSubscriber } from "./alert-notifier.js";
import { replayToHalo, triggerHalo } from "./halo-trigger.js";

export interface EventSubscriber {
  name: string;
  matches: (event: Event) => boolean;
  handle: (env: Env, event: Event) => Promise<void>;
  /**
   * Stored events replayed to it (POST /api/v1/events/replay), all at once; without it, `handle`
   * runs for each. Answers the HALO cycles it ran.
   */
  replay?: (env: Env, events: Event[], window: ReplayWindow) => Promise<{ cycles: string[] }>;
}

/** The replayed window's start (event time), for subscribers that read around the events. */
export interface ReplayWindow {
  since: number;
}

const SUBSCRIBERS: EventSubscriber[] = [
  { name: "halo", matches: triggersHalo, handle: triggerHalo, replay: replayToHalo },
  // DM_ALERT_WEBHOOK: critical weak points, dead letters, quarantines; a replayed window finds
  // each notice already delivered and sends nothing again.
  alertSubscriber,
];

/** Adds a subscriber for the life of the isolate; returns the function that removes it again. */
export function subscribe(subscriber: EventSubscriber): () => void {
  SUBSCRIBERS.push(subscriber);
  return () => {
    const at = SUBSCRIBERS.indexOf(subscriber);
    if (at >= 0) SUBSCRIBERS.splice(at, 1);
  };
}

/** Does anything want this event? Events nobody wants are stored as routed already. */
export const needsRouting = (event: Event) => SUBSCRIBERS.some((subscriber) => subscriber.matches(event));

/** Runs every matching subscriber; the first failure is rethrown after all of them ran. */
export async function routeEvent(env: Env, event: Event): Promise<void> {
  const results = await Promise.allSettled(
    SUBSCRIBERS.filter((subscriber) => subscriber.matches(event)).map((subscriber) => subscriber.handle(env, event)),
  );
  const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failed) throw failed.reason;
}

export interface Rerouted {
  /** Events some subscriber wanted. */
  rerouted: number;
  /** Events per subscriber name. */
  subscribers: Record<string, number>;
  cycles: string[];
}

/**
 * The consumer's routing step again, for stored events (a replay): each subscriber gets the
 * events it matches. Nothing is stored; subscribers are idempotent on the event id, so an event
 * routed before is held once (HALO's trigger row stays as first written). The first failure is
 * rethrown after every subscriber ran.
 */
export async function rerouteEvents(env: Env, events: Event[], window: ReplayWindow): Promise<Rerouted> {
  const wanted = new Set<string>();
  const subscribers: Record<string, number> = {};
  const cycles: string[] = [];
  const results = await Promise.allSettled(
    SUBSCRIBERS.map(async (subscriber) => {
      const matching = events.filter((event) => subscriber.matches(event));
      if (matching.length === 0) return;
      subscribers[subscriber.name] = matching.length;
      matching.forEach((event) => wanted.add(event.id));
      if (subscriber.replay) cycles.push(...(await subscriber.replay(env, matching, window)).cycles);
      else for (const event of matching) await subscriber.handle(env, event);
    }),
  );
  const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failed) throw failed.reason;
  return { rerouted: wanted.size, subscribers, cycles };
}

// `publishLive(env, …)`: tell connected dashboards that something changed. Best effort: the
// dashboards poll as well, so a lost hint costs a few seconds of staleness, never correctness;
// it never throws into the caller.
import { liveStub } from "../stubs.js";
import type { Event } from "../schemas/events.js";
import { notificationOfEvent, type LiveNotification } from "../core/live-notification.js";

export async function publishLive(env: Env, notification: LiveNotification | LiveNotification[]): Promise<void> {
  const stub = liveStub(env);
  const notifications = Array.isArray(notification) ? notification : [notification];
  if (notifications.length === 0) return;
  try {
    await stub.publish(notifications);
  } catch (error) {
    console.error(
      "live: publish failed (dashboards catch up by polling)",
      error instanceof Error ? error.message : String(error),
    );
  }
}

/** The hints for stored events: call after persisting them (e.g. in the event consumer). */
export function publishLiveEvents(
  env: Env,
  events: ReadonlyArray<Pick<Event, "id" | "type" | "worldline" | "agent" | "time" | "data">>,
): Promise<void> {
  return publishLive(env, events.map(notificationOfEvent));
}

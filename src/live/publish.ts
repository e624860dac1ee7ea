// `publishLive(env, …)`: tell connected dashboards that something changed. Best effort: the
// dashboards poll as well, so a lost hint costs a few seconds of staleness, never correctness;
// it never throws into the caller. A no-op until the LIVE binding exists (wrangler.toml).
import type { Live } from "../../durable-objects/live.js";
import { LIVE_NAME } from "../../durable-objects/live.js";
import type { Event } from "../schemas/events.js";
import { notificationOfEvent, type LiveNotification } from "../core/live-notification.js";

type LiveRpc = Pick<Live, "publish" | "fetch">;

/** The Live Durable Object, or null when this deployment has no LIVE binding. */
export function liveStub(env: Env): LiveRpc | null {
  const namespace = (env as unknown as { LIVE?: DurableObjectNamespace }).LIVE;
  return namespace ? (namespace.get(namespace.idFromName(LIVE_NAME)) as unknown as LiveRpc) : null;
}

export async function publishLive(env: Env, notification: LiveNotification | LiveNotification[]): Promise<void> {
  const stub = liveStub(env);
  const notifications = Array.isArray(notification) ? notification : [notification];
  if (!stub || notifications.length === 0) return;
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

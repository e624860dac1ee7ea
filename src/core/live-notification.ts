// What the live channel (GET /api/v1/live, the Live Durable Object) tells connected dashboards:
// small "this changed" hints, never the data itself. A dashboard fetches the data again through
// the API, which applies privacy, so a hint only has to avoid leaking that something private
// exists: anonymous sockets get only hints whose audience is "public".

import type { Event } from "../schemas/events.js";
import type { Privacy } from "../schemas/worldline.js";
import { PUBLIC_LEVELS } from "./privacy.js";

// The upgrade handoff from the /api/v1/live route to the Live object (durable-objects/live.ts).
/** Set by the /api/v1/live route (never taken from the client): "1" when the upgrade request carried the operator token. */
export const LIVE_OPERATOR_HEADER = "x-dm-live-operator";
/** Set by the /api/v1/live route (never taken from the client): the upgrade's client address key (IPv6 by /64). */
export const LIVE_CLIENT_HEADER = "x-dm-live-client";
/**
 * Anonymous sockets one client address (an IPv4 address or an IPv6 /64) may hold open. A
 * dashboard needs one per browser tab; 8 leaves room for a household or an office behind one
 * NAT while keeping one client from taking the object's MAX_SOCKETS (issue 11). Operator
 * sockets, and sockets that authenticated since, are not counted.
 */
export const MAX_ANONYMOUS_SOCKETS_PER_CLIENT = 8;

export const LIVE_TOPICS = ["worldlines", "ledger", "promotions", "events", "agents", "tasks", "arbiter"] as const;
export type LiveTopic = (typeof LIVE_TOPICS)[number];

export interface LiveNotification {
  topics: LiveTopic[];
  /** What happened, e.g. the event type (`worldline.forked`). */
  type: string;
  /** "public": any dashboard may see it; "operator": only sockets that presented the operator token. */
  audience: "public" | "operator";
  worldline?: string;
  agent?: string;
  /** The event or object id, when there is one. */
  id?: string;
  at: number;
}

/** Server → dashboard frames. */
export type LiveFrame =
  | { type: "hello"; operator: boolean }
  | { type: "change"; notification: LiveNotification }
  | { type: "error"; detail: string };
/** Dashboard → server frames: a browser cannot set Authorization on a WebSocket, so the token comes as the first message. */
export type LiveClientFrame = { type: "auth"; token: string } | { type: "ping" };

const OPERATOR_ONLY_TOPICS = new Set<LiveTopic>(["events", "agents", "tasks"]);

/** The topics an event touches. */
export function topicsOfEvent(type: string): LiveTopic[] {
  const namespace = type.split(".")[0];
  const topics: LiveTopic[] = ["events"];
  if (namespace === "worldline") topics.push("worldlines");
  if (namespace === "ledger") topics.push("ledger", "promotions", "worldlines");
  if (namespace === "arbiter") topics.push("arbiter", "worldlines");
  if (namespace === "mesh") topics.push("agents");
  if (namespace === "squad" || namespace === "halo") topics.push("tasks");
  return topics;
}

/**
 * The notification for a stored event. Events are operator-only data (GET /api/v1/events needs the
 * token), so the hint is operator-only unless the event itself says its world line is public
 * (worldline.created / worldline.forked carry the privacy level); anonymous dashboards then learn
 * only that public world lines changed, and otherwise catch up by polling.
 */
export function notificationOfEvent(
  event: Pick<Event, "id" | "type" | "worldline" | "agent" | "time" | "data">,
): LiveNotification {
  const privacy = (event.data as { privacy?: unknown }).privacy;
  const isPublic = typeof privacy === "string" && PUBLIC_LEVELS.includes(privacy as Privacy);
  return {
    topics: topicsOfEvent(event.type),
    type: event.type,
    audience: isPublic ? "public" : "operator",
    ...(event.worldline && { worldline: event.worldline }),
    ...(event.agent && { agent: event.agent }),
    id: event.id,
    at: event.time,
  };
}

/** What a socket of this kind may receive: operators everything; anonymous sockets public hints, stripped of ids. */
export function viewFor(notification: LiveNotification, isOperator: boolean): LiveNotification | null {
  if (isOperator) return notification;
  if (notification.audience !== "public") return null;
  const topics = notification.topics.filter((topic) => !OPERATOR_ONLY_TOPICS.has(topic)); // their data needs the token anyway
  if (topics.length === 0) return null;
  return {
    topics,
    type: notification.type,
    audience: "public",
    ...(notification.worldline && { worldline: notification.worldline }),
    at: notification.at,
  };
}

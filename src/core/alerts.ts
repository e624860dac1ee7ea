// Operator notification (issue 16; seed 003 "operator notification on failures"): which events
// become an alert notice, and the notice's shape. The subscriber that delivers them, once, is
// src/events/alert-notifier.ts; the hub's passport signs them like a router handler request.
import type { Event } from "../schemas/events.js";

/** The events an operator is told about at once: a critical HALO weak point, a dead letter, a quarantine. */
export const ALERT_EVENT_TYPES = ["halo.weakpoint.critical", "events.dead_lettered", "worldline.quarantined"] as const;

/** Delivery attempts of one notice (each a queue delivery of its event) before it is given up as failed. */
export const ALERT_MAX_ATTEMPTS = 3;

export const isAlertEvent = (event: Pick<Event, "type" | "data">): boolean =>
  (ALERT_EVENT_TYPES as readonly string[]).includes(event.type) &&
  // A dead letter of an alert event itself is not announced again: a webhook that is down must not feed itself.
  !(
    event.type === "events.dead_lettered" &&
    (ALERT_EVENT_TYPES as readonly string[]).includes(String(event.data.eventType))
  );

export interface AlertNotice {
  darkmatter: "alert";
  /** The event's id: a receiver that sees it twice (after a lost acknowledgement) can tell. */
  id: string;
  type: string;
  severity: string;
  time: number;
  worldline?: string;
  agent?: string;
  summary: string;
  data: Record<string, unknown>;
}

export function alertNotice(event: Event): AlertNotice {
  const data = event.data as Record<string, unknown>;
  const summary =
    event.type === "halo.weakpoint.critical"
      ? `HALO found a critical weak point in ${String(data.subsystem)}: ${String(data.detail)}`
      : event.type === "events.dead_lettered"
        ? `an event${data.eventType ? ` of type ${String(data.eventType)}` : ""} was dead-lettered after ${String(data.attempts)} attempts: ${String(data.error)}`
        : `world line ${event.worldline ?? "?"} was quarantined by the arbiter (threat ${String(data.threat)}): ${String(data.reason)}`;
  return {
    darkmatter: "alert",
    id: event.id,
    type: event.type,
    severity: event.severity,
    time: event.time,
    ...(event.worldline && { worldline: event.worldline }),
    ...(event.agent && { agent: event.agent }),
    summary: summary.slice(0, 1000),
    data,
  };
}

// The HALO trigger (seed 003, "Event Wormholes → HALO Loop": `processEvent()` →
// `haloTriggers.triggerFromEvent()` for error and critical events).
//
// HALO itself — analysing the system, finding weak points, proposing squad tasks — is a later
// issue. Until then this records, durably and exactly once per event, that HALO was triggered:
// a `pending` row in D1 `halo_triggers`. The HALO implementation replaces this function (or
// consumes the pending rows); nothing here pretends to analyse anything.
import { drizzle } from "drizzle-orm/d1";
import { haloTriggers } from "../db/schema.js";
import type { Event } from "../schemas/events.js";

export async function triggerHalo(env: Pick<Env, "DB">, event: Event): Promise<void> {
  // Keyed on the event id: a redelivered or re-routed event triggers HALO once.
  await drizzle(env.DB)
    .insert(haloTriggers)
    .values({ eventId: event.id, eventType: event.type, severity: event.severity, worldline: event.worldline ?? null, agent: event.agent ?? null, status: "pending", triggeredAt: Date.now() })
    .onConflictDoNothing({ target: haloTriggers.eventId });
}

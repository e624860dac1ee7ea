// The alert subscriber (issue 16): a critical HALO weak point, a dead letter or a quarantine
// (src/core/alerts.ts) is POSTed to DM_ALERT_WEBHOOK as a JSON notice signed with the hub's
// passport — Ed25519 over the exact body in `x-darkmatter-signature`, the hub's agent id in
// `x-darkmatter-agent-id`, as a router handler request is signed — so the receiver can verify it
// came from this Worker (the hub's public key: GET /api/v1/agents/hub, or the anchor's
// /.well-known/darkmatter.json).
//
// Once per event: the `alert_notices` row (keyed by the event id) says whether it was delivered;
// a redelivered event finds it and sends nothing. A failed POST is retried with the event's own
// queue retries, up to ALERT_MAX_ATTEMPTS, then recorded as failed (without failing the event, so
// a webhook that is down cannot dead-letter the events it should announce). Two deliveries of one
// event running at the same moment could both send: the notice's `id` lets a receiver drop the
// second.
import { ALERT_MAX_ATTEMPTS, alertNotice, isAlertEvent } from "../core/alerts.js";
import { passportFromSeed } from "../core/mesh/passport.js";
import { signHex } from "../core/signing.js";
import type { Event } from "../schemas/events.js";
import { HANDLER_AGENT_HEADER, HANDLER_SIGNATURE_HEADER } from "../schemas/router.js";
import type { EventSubscriber } from "./routing.js";

const ALERT_TIMEOUT_MS = 10_000;

export const alertSubscriber: EventSubscriber = { name: "alerts", matches: isAlertEvent, handle: notify };

async function notify(env: Env, event: Event): Promise<void> {
  const url = env.DM_ALERT_WEBHOOK;
  if (!url) return;
  const now = Date.now();
  await env.DB.prepare(
    "INSERT INTO alert_notices (event_id, type, status, attempts, created_at) VALUES (?, ?, 'pending', 0, ?) ON CONFLICT (event_id) DO NOTHING",
  )
    .bind(event.id, event.type, now)
    .run();
  const claimed = await env.DB.prepare(
    "UPDATE alert_notices SET attempts = attempts + 1 WHERE event_id = ? AND status = 'pending' RETURNING attempts",
  )
    .bind(event.id)
    .first<{ attempts: number }>();
  if (!claimed) return; // delivered or given up already
  const error = await send(env, url, JSON.stringify(alertNotice(event)));
  if (error === null) {
    await env.DB.prepare(
      "UPDATE alert_notices SET status = 'delivered', delivered_at = ?, last_error = NULL WHERE event_id = ?",
    )
      .bind(Date.now(), event.id)
      .run();
    return;
  }
  const isLast = claimed.attempts >= ALERT_MAX_ATTEMPTS;
  await env.DB.prepare("UPDATE alert_notices SET status = ?, last_error = ? WHERE event_id = ?")
    .bind(isLast ? "failed" : "pending", error.slice(0, 1000), event.id)
    .run();
  if (!isLast) throw new Error(`alert notice for ${event.id} not delivered (attempt ${claimed.attempts}): ${error}`);
  console.error(`alerts: gave up on the notice for ${event.id} after ${claimed.attempts} attempts: ${error}`);
}

/** The POST; null when the webhook took it (2xx), else why not. */
async function send(env: Env, url: string, body: string): Promise<string | null> {
  const hub = env.DM_HUB_PASSPORT ? passportFromSeed(env.DM_HUB_PASSPORT) : undefined;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (hub) {
    headers[HANDLER_SIGNATURE_HEADER] = await signHex(hub.privateKeyHex, new TextEncoder().encode(body));
    headers[HANDLER_AGENT_HEADER] = hub.agentId;
  }
  try {
    const response = await fetch(url, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(ALERT_TIMEOUT_MS),
    });
    await response.body?.cancel();
    return response.ok ? null : `the webhook answered HTTP ${response.status}`;
  } catch (error) {
    return `the webhook is unreachable: ${(error as Error).message || "fetch failed"}`;
  }
}

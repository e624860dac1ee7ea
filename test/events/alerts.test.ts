// Operator notification (issue 16): critical weak points, dead letters and quarantines POSTed to
// DM_ALERT_WEBHOOK once, signed with the hub's passport, retried with the event's own retries and
// then given up — against the real handler process on loopback (test/handler-setup.ts) as the
// webhook, through the consumer's routing step with the real D1.
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { api } from "../api.js";
import { makeEvent } from "./helpers.js";
import { routeEvent, needsRouting } from "../../src/events/routing.js";
import { verifyHex } from "../../src/core/signing.js";
import { ALERT_MAX_ATTEMPTS, isAlertEvent } from "../../src/core/alerts.js";

const origin = inject("handlerOrigin");
let counter = 0;
const key = () => `alerts-${Date.now().toString(36)}-${counter++}`;
const received = async (k: string) =>
  (await (await fetch(`${origin}/requests/${k}`)).json()) as Array<{ headers: Record<string, string>; body: string }>;
const withWebhook = (url: string) => ({ ...env, DM_ALERT_WEBHOOK: url }) as Env;
const noticeRow = (id: string) =>
  env.DB.prepare("SELECT status, attempts, last_error FROM alert_notices WHERE event_id = ?").bind(id).first();

describe("alert notices", { timeout: 30_000 }, () => {
  it("POSTs a signed notice for a dead letter, a quarantine and a critical weak point, each once", async () => {
    const k = key();
    const hub = (await api("GET", "/api/v1/agents/hub")).body;
    const events = [
      makeEvent({
        type: "events.dead_lettered",
        severity: "error",
        data: { eventId: "ev_x", eventType: "sim.crash", attempts: 6, error: "boom", queue: "dm-events" },
      }),
      makeEvent({
        type: "worldline.quarantined",
        severity: "warning",
        worldline: "wl_q",
        data: { threat: 0.97, reason: "runaway", beat: 12 },
      }),
      makeEvent({
        type: "halo.weakpoint.critical",
        severity: "critical",
        data: { cycleId: "hc_1", weakPoint: "wp_1", subsystem: "events", score: 0.99, detail: "every event fails" },
      }),
    ];
    for (const event of events) {
      expect(needsRouting(event)).toBe(true);
      await routeEvent(withWebhook(`${origin}/${k}`), event);
      await routeEvent(withWebhook(`${origin}/${k}`), event); // redelivered: nothing sent again
    }
    const posts = await received(k);
    expect(posts).toHaveLength(3);
    for (const [i, post] of posts.entries()) {
      expect(post.headers["x-darkmatter-agent-id"]).toBe(hub.agent_id);
      expect(
        await verifyHex(
          hub.public_key_hex,
          new TextEncoder().encode(post.body),
          post.headers["x-darkmatter-signature"]!,
        ),
      ).toBe(true);
      expect(JSON.parse(post.body)).toMatchObject({
        darkmatter: "alert",
        id: events[i]!.id,
        type: events[i]!.type,
        summary: expect.any(String),
      });
      expect(await noticeRow(events[i]!.id)).toMatchObject({ status: "delivered", attempts: 1 });
    }
    expect(JSON.parse(posts[1]!.body)).toMatchObject({
      worldline: "wl_q",
      summary: expect.stringContaining("wl_q was quarantined"),
    });
  });

  it("retries a webhook that fails with the event's retries, then gives up without failing the event", async () => {
    const k = key();
    const event = makeEvent({
      type: "worldline.quarantined",
      severity: "warning",
      worldline: "wl_r",
      data: { threat: 0.9, reason: "r" },
    });
    const failing = withWebhook(`${origin}/${k}?status=503`);
    for (let attempt = 1; attempt < ALERT_MAX_ATTEMPTS; attempt++)
      await expect(routeEvent(failing, event)).rejects.toThrow(
        /not delivered \(attempt \d\): the webhook answered HTTP 503/,
      );
    await routeEvent(failing, event); // the last attempt: recorded as failed, the event routed
    await routeEvent(failing, event); // and nothing more is sent
    expect(await received(k)).toHaveLength(ALERT_MAX_ATTEMPTS);
    expect(await noticeRow(event.id)).toMatchObject({
      status: "failed",
      attempts: ALERT_MAX_ATTEMPTS,
      last_error: "the webhook answered HTTP 503",
    });
  });

  it("announces nothing else: other events, a dead letter of an alert event, or no webhook set", async () => {
    const k = key();
    const quiet = [
      makeEvent({ type: "worldline.created", data: { name: "x", privacy: "public" } as never }),
      makeEvent({
        type: "events.dead_lettered",
        severity: "error",
        data: { eventId: "ev_y", eventType: "worldline.quarantined", attempts: 6, error: "x", queue: "dm-events" },
      }),
    ];
    for (const event of quiet) {
      expect(isAlertEvent(event), event.type).toBe(false);
      await routeEvent(withWebhook(`${origin}/${k}`), event).catch(() => undefined); // HALO may want the dead letter
    }
    const unset = makeEvent({ type: "worldline.quarantined", severity: "warning", data: { threat: 0.9, reason: "r" } });
    await routeEvent({ ...env, DM_ALERT_WEBHOOK: undefined } as Env, unset);
    expect(await noticeRow(unset.id)).toBeNull();
    expect(await received(k)).toEqual([]);
  });
});

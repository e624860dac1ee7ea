// /api/v1/events: outside systems report events (queued, 202), operators read the event log and
// the dead letters. Every call needs the operator token: events name private world lines and agents.
import type { MiddlewareHandler } from "hono";
import { z } from "zod";
import { checkEventSize, describeError, sealEvent } from "../core/events.js";
import { DomainError } from "../core/problem.js";
import { EventStore } from "../stores/event-store.js";
import { Page } from "../schemas/common.js";
import {
  BulkFailureReplay,
  BulkFailureReplayed,
  EventBatchInput,
  EventFailure,
  EventId,
  EventInput,
  EventQueued,
  EventsQueued,
  ListEventsQuery,
  ListFailuresQuery,
  FailureId,
  MAX_REPLAY_EVENTS,
  MAX_REPLAY_FAILURES,
  StoredEvent,
  WindowReplay,
  WindowReplayed,
  type Event,
} from "../schemas/events.js";
import { EVENT_DATA, SYSTEM_EVENT_TYPES } from "../schemas/event-data.js";
import { apiRoute, apiRouter, jsonBody, jsonContent, OPERATOR } from "../http/openapi.js";
import { requireOperator } from "../http/auth.js";
import { validationError } from "../http/problem.js";
import { publishEvents } from "../events/producer.js";
import { replayFailure, replayFailures, replayWindow } from "../events/replay.js";

export const eventRoutes = apiRouter();

// Reads need the token too (the app-wide check only demands it for mutations).
const operatorOnly = requireOperator("events");
eventRoutes.use("/events", operatorOnly);
eventRoutes.use("/events/*", operatorOnly);

// The body is one event or {events: [...]}. A zod union would report a bad field as "no union
// member matched"; validating against the shape the client evidently meant names the field.
eventRoutes.openAPIRegistry.register("EventInput", EventInput);
eventRoutes.openAPIRegistry.register("EventBatchInput", EventBatchInput);
for (const type of SYSTEM_EVENT_TYPES)
  eventRoutes.openAPIRegistry.register(EVENT_DATA[type].meta()!.id as string, EVENT_DATA[type]);
const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

eventRoutes.openapi(
  apiRoute({
    method: "post",
    path: "/events",
    tags: ["events"],
    summary: "Report events (queued; 202)",
    security: OPERATOR,
    description:
      "One event, or `{events: [...]}` (1–100). Types in a reserved namespace (" +
      [...new Set(SYSTEM_EVENT_TYPES.map((t) => t.split(".")[0]))].join(", ") +
      ") must be system types and match their data schema; any other namespace (e.g. `sim.episode.finished`) carries free-form object data. `data` ≤ 64 KiB of JSON (413). Answers once the events are on the queue; they are readable at GET /api/v1/events/{id} once the consumer stored them (usually within a second or two).",
    request: {
      body: {
        required: true,
        content: { "application/json": { schema: { oneOf: [ref("EventInput"), ref("EventBatchInput")] } } },
      },
    },
    responses: {
      202: { description: "queued", content: { "application/json": { schema: z.union([EventQueued, EventsQueued]) } } },
    },
    problems: ["invalid-event", "event-too-large", "queue-unavailable"],
  }),
  async (c) => {
    const raw: unknown = await c.req.json().catch(() => undefined);
    const isBatch = raw !== null && typeof raw === "object" && !Array.isArray(raw) && "events" in raw;
    const parsed = (isBatch ? EventBatchInput : EventInput).safeParse(raw);
    if (!parsed.success) throw validationError("json", parsed.error.issues);
    const inputs: EventInput[] = isBatch
      ? (parsed.data as z.infer<typeof EventBatchInput>).events
      : [parsed.data as EventInput];
    inputs.forEach((input, i) => checkEventSize(input, isBatch ? `/events/${i}/data` : "/data"));
    const now = Date.now();
    const events: Event[] = inputs.map((input) => sealEvent(input, now));
    try {
      await publishEvents(c.env, events);
    } catch (error) {
      console.error("POST /events: queue send failed", describeError(error));
      throw new DomainError("queue-unavailable", {
        detail: "the event queue refused the events; retry later (send your own ids to make the retry idempotent)",
        ids: events.map((event) => event.id),
      });
    }
    if (isBatch) return c.json({ ids: events.map((event) => event.id), queued: true as const }, 202);
    return c.json({ id: events[0]!.id, queued: true as const }, 202, { location: `/api/v1/events/${events[0]!.id}` });
  },
);

eventRoutes.openapi(
  apiRoute({
    method: "get",
    path: "/events",
    tags: ["events"],
    summary: "The event log, newest first",
    security: OPERATOR,
    description:
      "Filters combine: `type` (exact, or `<namespace>.*`), `severity` (one or a comma list), `worldline`, `agent`, `since` and `until` (ms or RFC 3339, both inclusive). Pages with `limit` and `cursor` (a cursor belongs to the filters it was issued with).",
    request: { query: ListEventsQuery },
    responses: { 200: jsonContent(Page(StoredEvent), "a page of events") },
    problems: ["invalid-cursor"],
  }),
  async (c) => c.json(await new EventStore(c.env.DB).list(c.req.valid("query")), 200),
);

// Registered before /events/{id}, which would otherwise take "failures" for an id.
eventRoutes.openapi(
  apiRoute({
    method: "get",
    path: "/events/failures",
    tags: ["events"],
    summary: "Messages the consumer failed on (dead letters first of all)",
    security: OPERATOR,
    description:
      "`retrying`: failed, a retry is scheduled; `recovered`: went through on a later attempt; `dead-lettered`: gave up (after the retries, or at once for a message that is not a valid event).",
    request: { query: ListFailuresQuery },
    responses: {
      200: jsonContent(Page(EventFailure), "a page of failures, most recent first"),
    },
    problems: ["invalid-cursor"],
  }),
  async (c) => c.json(await new EventStore(c.env.DB).listFailures(c.req.valid("query")), 200),
);

// Registered before /events/{id} too.
eventRoutes.openapi(
  apiRoute({
    method: "post",
    path: "/events/failures/replay",
    tags: ["events"],
    summary: "Replay dead letters in bulk",
    security: OPERATOR,
    description: `\`{ids: [...]}\` (1–${MAX_REPLAY_FAILURES}), or a filter \`{type?, limit?}\`: the dead letters never replayed, most recently failed first (at most ${MAX_REPLAY_FAILURES}). Each is replayed as POST /api/v1/events/failures/{id}/replay would, one after the other, and answered on its own: \`status\` 202 when it went back on the queue, else the single replay's status and problem \`code\`.`,
    request: jsonBody(BulkFailureReplay),
    responses: { 200: jsonContent(BulkFailureReplayed, "one result per dead letter") },
    problems: [],
  }),
  async (c) => c.json(await replayFailures(c.env, c.req.valid("json")), 200),
);

eventRoutes.openapi(
  apiRoute({
    method: "post",
    path: "/events/failures/{id}/replay",
    tags: ["events"],
    summary: "Put a dead letter back on the event queue (once)",
    security: OPERATOR,
    description:
      "Sends the dead-lettered event to the event queue again and records it on the failure (`replayedAt`, `replayResult: queued`). Once per dead letter: a second replay is 409 `already-replayed`. The consumer stores an event once by id, so an event stored before it failed is routed, not stored again. A dead letter that is not a valid event (dead-lettered at once) is 422 `not-replayable`; a failure still retrying or recovered is 409 `not-dead-lettered`.",
    request: {
      params: z.object({
        id: FailureId.meta({ param: { name: "id", in: "path" }, example: "ev_01jd4x6b3s5q2m7k9r8t1v0w2y" }),
      }),
    },
    responses: { 202: jsonContent(EventFailure, "queued again: the failure as recorded now") },
    problems: ["not-found", "already-replayed", "not-dead-lettered", "not-replayable", "queue-unavailable"],
  }),
  async (c) => c.json(await replayFailure(c.env, c.req.valid("param").id), 202),
);

eventRoutes.openapi(
  apiRoute({
    method: "post",
    path: "/events/replay",
    tags: ["events"],
    summary: "Re-route a window of stored events (to HALO)",
    security: OPERATOR,
    description: `The stored events with \`since\` ≤ time ≤ \`until\` (of \`types\`, when given) go through the consumer's routing step again, without being stored again: HALO records a trigger for those that never had one and runs one cycle (trigger \`replay\`) that reads events from \`since\` at the latest. At most ${MAX_REPLAY_EVENTS} events per call; a larger window is 422 \`replay-window-too-large\` (nothing is re-routed).`,
    request: jsonBody(WindowReplay),
    responses: { 200: jsonContent(WindowReplayed, "what was re-routed, and the cycles run") },
    problems: ["replay-window-too-large"],
  }),
  async (c) => c.json(await replayWindow(c.env, c.req.valid("json")), 200),
);

eventRoutes.openapi(
  apiRoute({
    method: "get",
    path: "/events/{id}",
    tags: ["events"],
    summary: "One event",
    security: OPERATOR,
    request: {
      params: z.object({
        id: z
          .string()
          .max(64)
          .meta({ param: { name: "id", in: "path" }, example: "ev_01jd4x6b3s5q2m7k9r8t1v0w2y" }),
      }),
    },
    responses: { 200: jsonContent(StoredEvent, "the event") },
    problems: ["not-found"],
  }),
  async (c) => {
    const id = c.req.valid("param").id;
    // GET /events/replay names no event (POST /events/replay is the window replay): no operation
    // serves it, so it is the app's no-route, not the unknown event "replay".
    if (id === "replay") throw new DomainError("no-route", "no route GET /api/v1/events/replay; see /api/docs");
    const event = EventId.safeParse(id).success ? await new EventStore(c.env.DB).get(id) : null;
    if (!event)
      throw new DomainError(
        "not-found",
        `event ${id} does not exist (or is not stored yet: events are readable once the queue consumer stored them)`,
      );
    return c.json(event, 200);
  },
);

// Event wormholes (seed 003): the envelope every event travels in, and one `data` schema per event
// type the system itself emits. Types are z.infer'd from here; OpenAPI is generated from here.
//
// The type rule: a type is dotted lowercase words (`sim.episode.finished`). The first word of every
// system type is a reserved namespace (`api`, `worldline`, `halo`, …). A type in a reserved
// namespace must be one of the system's types and its `data` must match that type's schema
// (strictly: unknown fields are refused). Any other namespace belongs to outside systems
// (simulators, training jobs, RL environments) and carries free-form JSON object `data`. So an
// outside type can never collide with one of ours, today or when we add types to a namespace we own.
import { z } from "zod";
import { MAX_NAME_LENGTH } from "../core/limits.js";
import { SEVERITIES } from "../core/severity.js";
import { AgentId, Cursor, Limit, Millis } from "./common.js";
import { WorldLineId } from "./worldline.js";
import { EVENT_DATA, isSystemEventType, namespaceOf, RESERVED_NAMESPACES, SYSTEM_EVENT_TYPES } from "./event-data.js";

export const Severity = z.enum(SEVERITIES).meta({ description: "error and critical events trigger HALO" });
export type Severity = z.infer<typeof Severity>;

export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$/;
export const EventId = z
  .string()
  .regex(/^ev_[0-9a-z]{26}$/, "an event id is ev_ followed by a 26-character lower-case ULID")
  .meta({ description: "sortable event id (`ev_` + ULID)", example: "ev_01jd4x6b3s5q2m7k9r8t1v0w2y" });
export const EventType = z
  .string()
  .max(128)
  .regex(EVENT_TYPE_PATTERN, "an event type is two or more dot-separated lower-case words, e.g. sim.episode.finished")
  .meta({ example: "worldline.forked" });
export const EventSource = z
  .string()
  .min(1)
  .max(128)
  .meta({ description: "who emitted the event", example: "darkmatter-edge" });

/** The type rule above, as a zod refinement over `{type, data}`: issues point into `/type` or `/data/...`. */
function checkTypedData(event: { type: string; data: unknown }, ctx: z.core.$RefinementCtx<unknown>): void {
  if (isSystemEventType(event.type)) {
    const parsed = EVENT_DATA[event.type].safeParse(event.data);
    for (const issue of parsed.error?.issues ?? [])
      ctx.addIssue({ code: "custom", path: ["data", ...issue.path], message: issue.message });
  } else if (RESERVED_NAMESPACES.includes(namespaceOf(event.type))) {
    const namespace = namespaceOf(event.type);
    const ours = SYSTEM_EVENT_TYPES.filter((type) => namespaceOf(type) === namespace).join(", ");
    ctx.addIssue({
      code: "custom",
      path: ["type"],
      message: `"${namespace}." is reserved for the system's own types (${ours}); report your own events under your own namespace, e.g. sim.${event.type.slice(namespace.length + 1)}`,
    });
  }
}

export const EventDataObject = z
  .record(z.string(), z.unknown())
  .meta({ description: "a JSON object: the type's schema for system types, free-form for outside types" });

const envelope = {
  type: EventType,
  source: EventSource,
  severity: Severity,
  worldline: WorldLineId.optional().meta({ description: "the world line the event is about" }),
  agent: AgentId.optional().meta({ description: "the mesh agent the event is about (its id)" }),
};

/** An event as it travels on the queue and is stored: complete and valid. */
export const Event = z
  .object({ id: EventId, ...envelope, time: Millis, data: EventDataObject })
  .superRefine(checkTypedData)
  .meta({
    id: "Event",
    description: `Event envelope. System types and their data schemas: ${SYSTEM_EVENT_TYPES.map((type) => `\`${type}\` → ${EVENT_DATA[type].meta()?.id}`).join(", ")}.`,
  });
export type Event = z.infer<typeof Event>;

/** The largest serialized `data` an event may carry (a queue message is at most 128 KB). */
export const MAX_EVENT_DATA_BYTES = 64 * 1024;
/** Outside systems may not date events further ahead of this server's clock than this. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

const isoToMillis = (text: string) => new Date(text).getTime();
export const EventTimeInput = z
  .union([Millis, z.iso.datetime({ offset: true }).transform(isoToMillis)])
  .refine(
    (ms) => ms <= Date.now() + MAX_CLOCK_SKEW_MS,
    `an event time may be at most ${MAX_CLOCK_SKEW_MS / 60_000} minutes ahead of the server clock`,
  )
  .meta({ description: "milliseconds since the epoch or an RFC 3339 date-time; default: now" });

/** What outside systems POST: the envelope with server-filled defaults. */
export const EventInput = z
  .object({
    id: EventId.optional().meta({ description: "your own id makes a retried POST idempotent; default: a new one" }),
    ...envelope,
    severity: Severity.default("info"),
    time: EventTimeInput.optional(),
    data: EventDataObject.default({}),
  })
  .superRefine(checkTypedData)
  .meta({ id: "EventInput" });
export type EventInput = z.infer<typeof EventInput>;

export const MAX_EVENTS_PER_POST = 100;
export const EventBatchInput = z
  .object({ events: z.array(EventInput).min(1).max(MAX_EVENTS_PER_POST) })
  .meta({ id: "EventBatchInput" });

export const EventQueued = z.object({ id: EventId, queued: z.literal(true) }).meta({ id: "EventQueued" });
export const EventsQueued = z.object({ ids: z.array(EventId), queued: z.literal(true) }).meta({ id: "EventsQueued" });

/** An event as GET answers it: the envelope plus when the consumer stored and routed it. */
export const StoredEvent = Event.safeExtend({
  persistedAt: Millis.meta({ description: "when the queue consumer stored it" }),
  routedAt: Millis.nullable().meta({
    description: "when routing (e.g. the HALO trigger) finished; null while a retry is pending",
  }),
}).meta({ id: "StoredEvent" });
export type StoredEvent = z.infer<typeof StoredEvent>;

const SINCE_HELP = "milliseconds since the epoch or an RFC 3339 date-time";
/** A time bound in a query string: ms or RFC 3339, as milliseconds. */
const timeBound = (name: string, description: string) =>
  z
    .string()
    .max(64)
    .transform((text, ctx) => {
      const ms = /^\d{1,16}$/.test(text)
        ? Number(text)
        : z.iso.datetime({ offset: true }).safeParse(text).success
          ? isoToMillis(text)
          : NaN;
      if (!Number.isSafeInteger(ms)) ctx.addIssue({ code: "custom", message: `${name} must be ${SINCE_HELP}` });
      return ms;
    })
    .meta({ description: `${description}: ${SINCE_HELP}` });
export const Since = timeBound("since", "only events at or after this time");
export const Until = timeBound("until", "only events at or before this time");

export const TypeFilter = z
  .string()
  .max(130)
  .regex(
    /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*(\.\*)?$/,
    "type is an event type, or a namespace followed by .* (e.g. worldline.*)",
  )
  .meta({ description: "an exact type, or `<namespace>.*`", example: "worldline.*" });

export const SeverityFilter = z
  .string()
  .max(64)
  .transform((text, ctx) => {
    const wanted = text.split(",").map((part) => part.trim());
    const unknown = wanted.filter((part) => !(SEVERITIES as readonly string[]).includes(part));
    if (unknown.length)
      ctx.addIssue({
        code: "custom",
        message: `unknown severity ${unknown.map((s) => `"${s}"`).join(", ")}; use ${SEVERITIES.join(", ")}`,
      });
    return wanted as Severity[];
  })
  .meta({ description: "one severity or a comma-separated list", example: "error,critical" });

export const ListEventsQuery = z.object({
  type: TypeFilter.optional(),
  severity: SeverityFilter.optional(),
  worldline: WorldLineId.optional(),
  agent: AgentId.optional(),
  since: Since.optional(),
  until: Until.optional(),
  cursor: Cursor,
  limit: Limit,
});

export const EventFailureStatus = z.enum(["retrying", "recovered", "dead-lettered"]);
export type EventFailureStatus = z.infer<typeof EventFailureStatus>;
export const EventFailure = z
  .object({
    id: z.string().meta({ description: "the event id, or `msg_<queue message id>` when the message carried none" }),
    eventId: z.string().nullable(),
    type: z.string().nullable(),
    status: EventFailureStatus,
    attempts: z.number().int(),
    lastError: z.string(),
    payload: z.string().meta({ description: "the message body as JSON text" }),
    firstFailedAt: Millis,
    lastFailedAt: Millis,
    deadLetteredAt: Millis.nullable(),
    replayedAt: Millis.nullable().meta({
      description: "when POST …/failures/{id}/replay put it back on the queue; a dead letter is replayed once",
    }),
    replayResult: z
      .enum(["queued"])
      .nullable()
      .meta({ description: "what the replay did: `queued` (the queue took the event again); null until replayed" }),
  })
  .meta({
    id: "EventFailure",
    description: "a message the consumer failed on: retrying, recovered on a later attempt, or dead-lettered",
  });
export type EventFailure = z.infer<typeof EventFailure>;
export const ListFailuresQuery = z.object({ status: EventFailureStatus.optional(), cursor: Cursor, limit: Limit });

// ---- replay -------------------------------------------------------------------------------------

/** Dead letters one bulk replay takes at most. */
export const MAX_REPLAY_FAILURES = 100;
/** Stored events one window replay re-routes at most; a larger window is refused, not cut. */
export const MAX_REPLAY_EVENTS = 1000;

export const FailureReplay = z
  .object({
    id: z.string(),
    status: z
      .number()
      .int()
      .meta({ description: "what the single replay would have answered: 202, 404, 409, 422, 503" }),
    replayedAt: Millis.optional(),
    code: z.string().optional().meta({ description: "the problem code when it was not replayed" }),
    detail: z.string().optional(),
  })
  .meta({ id: "FailureReplay", description: "one dead letter of a bulk replay" });
export type FailureReplay = z.infer<typeof FailureReplay>;

export const FailureId = z.string().min(1).max(64);
export const BulkFailureReplay = z
  .object({
    ids: z
      .array(FailureId)
      .min(1)
      .max(MAX_REPLAY_FAILURES)
      .optional()
      .meta({ description: `these failures (1–${MAX_REPLAY_FAILURES})` }),
    type: EventType.optional().meta({
      description: "without ids: the dead letters of this event type not replayed yet (else of every type)",
    }),
    limit: z
      .number()
      .int()
      .min(1)
      .max(MAX_REPLAY_FAILURES)
      .optional()
      .meta({
        description: `without ids: at most this many, most recently failed first (default ${MAX_REPLAY_FAILURES})`,
      }),
  })
  .strict()
  .refine((body) => body.ids === undefined || (body.type === undefined && body.limit === undefined), {
    message: "send either ids, or a filter (type, limit), not both",
    path: ["ids"],
  })
  .meta({ id: "BulkFailureReplay" });
export type BulkFailureReplay = z.infer<typeof BulkFailureReplay>;

export const BulkFailureReplayed = z
  .object({
    replayed: z.number().int().meta({ description: "how many went back on the queue" }),
    results: z.array(FailureReplay).meta({ description: "one per id asked (or per dead letter the filter found)" }),
  })
  .meta({ id: "BulkFailureReplayed" });

const BodyTime = z
  .union([Millis, z.iso.datetime({ offset: true }).transform(isoToMillis)])
  .meta({ description: SINCE_HELP });
export const WindowReplay = z
  .object({
    since: BodyTime.meta({ description: `the window's first event time (inclusive): ${SINCE_HELP}` }),
    until: BodyTime.meta({ description: `its last event time (inclusive): ${SINCE_HELP}` }),
    types: z
      .array(TypeFilter)
      .min(1)
      .max(20)
      .optional()
      .meta({ description: "only events of these types (exact or `<namespace>.*`); default: every type" }),
  })
  .strict()
  .refine((body) => body.since <= body.until, { message: "since must not be after until", path: ["until"] })
  .meta({ id: "WindowReplay" });
export type WindowReplay = z.infer<typeof WindowReplay>;

export const WindowReplayed = z
  .object({
    events: z.number().int().meta({ description: "stored events in the window (and of the types)" }),
    rerouted: z
      .number()
      .int()
      .meta({ description: "of them, the ones a subscriber wants (today: HALO's error and critical events)" }),
    subscribers: z.record(z.string(), z.number().int()).meta({ description: "events re-routed per subscriber" }),
    cycles: z
      .array(z.string())
      .meta({ description: "the HALO cycles the replay ran (none when no event asked for one)" }),
  })
  .meta({ id: "WindowReplayed" });
export type WindowReplayed = z.infer<typeof WindowReplayed>;

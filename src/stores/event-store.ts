// The event log in D1 (drizzle): what the queue consumer writes and GET /api/v1/events reads.
import { chunked, newestFirstPage, type Keyset, type KeysetPage } from "./page-cursor.js";
import { and, asc, desc, eq, gte, inArray, isNull, lt, lte, or, sql, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { eventFailures, events } from "../db/schema.js";
import type { Event, EventFailure, EventFailureStatus, Severity, StoredEvent } from "../schemas/events.js";

type EventRow = typeof events.$inferSelect;
type FailureRow = typeof eventFailures.$inferSelect;

const toStored = (row: EventRow): StoredEvent => ({
  id: row.id,
  type: row.type,
  source: row.source,
  severity: row.severity as Severity,
  time: row.time,
  ...(row.worldline !== null && { worldline: row.worldline }),
  ...(row.agent !== null && { agent: row.agent }),
  data: JSON.parse(row.data),
  persistedAt: row.persistedAt,
  routedAt: row.routedAt,
});

const toFailure = (row: FailureRow): EventFailure => ({
  ...row,
  status: row.status as EventFailureStatus,
  replayResult: row.replayResult as EventFailure["replayResult"],
});

/** An exact type, or `<namespace>.*`: every type from "<ns>." up to (not including) "<ns>/", which sorts right after ".". */
function typeIs(type: string): SQL {
  if (!type.endsWith(".*")) return eq(events.type, type);
  const prefix = type.slice(0, -1);
  return and(gte(events.type, prefix), lt(events.type, prefix.slice(0, -1) + "/"))!;
}

const NEWEST_EVENTS: Keyset<EventRow> = { time: events.time, id: events.id, of: (row) => [row.time, row.id] };
const LATEST_FAILURES: Keyset<FailureRow> = {
  time: eventFailures.lastFailedAt,
  id: eventFailures.id,
  of: (row) => [row.lastFailedAt, row.id],
};

export interface EventFilters {
  type?: string;
  severity?: Severity[];
  worldline?: string;
  agent?: string;
  since?: number;
  until?: number;
  cursor?: string;
  limit: number;
}

export interface FailureAttempt {
  id: string;
  eventId: string | null;
  type: string | null;
  attempts: number;
  error: string;
  payload: string;
  at: number;
}

export class EventStore {
  private readonly db;

  constructor(d1: D1Database) {
    this.db = drizzle(d1);
  }

  /**
   * Inserts each event unless its id is stored already (exactly once: a redelivered event changes
   * nothing). One D1 round trip for the whole list. `routed` says which events have nothing to
   * route, so they are stored as routed already.
   */
  async persist(list: Event[], routed: (event: Event) => boolean, now: number): Promise<void> {
    const [first, ...rest] = list.map((event) =>
      this.db
        .insert(events)
        .values({
          id: event.id,
          type: event.type,
          source: event.source,
          severity: event.severity,
          time: event.time,
          worldline: event.worldline ?? null,
          agent: event.agent ?? null,
          data: JSON.stringify(event.data),
          persistedAt: now,
          routedAt: routed(event) ? now : null,
        })
        .onConflictDoNothing({ target: events.id }),
    );
    if (!first) return;
    await this.db.batch([first, ...rest]);
  }

  /** Of these ids, the ones still waiting for routing (a redelivered, already routed event is not among them). */
  async unrouted(ids: string[]): Promise<Set<string>> {
    const waiting = new Set<string>();
    for (const chunk of chunked(ids)) {
      for (const row of await this.db
        .select({ id: events.id })
        .from(events)
        .where(and(inArray(events.id, chunk), isNull(events.routedAt))))
        waiting.add(row.id);
    }
    return waiting;
  }

  async markRouted(ids: string[], now: number): Promise<void> {
    for (const chunk of chunked(ids))
      await this.db
        .update(events)
        .set({ routedAt: now })
        .where(and(inArray(events.id, chunk), isNull(events.routedAt)));
  }

  async get(id: string): Promise<StoredEvent | null> {
    const row = (await this.db.select().from(events).where(eq(events.id, id)).limit(1))[0];
    return row ? toStored(row) : null;
  }

  /** Newest first (event time, then id). */
  async list(filters: EventFilters): Promise<KeysetPage<StoredEvent>> {
    const where: SQL[] = [];
    if (filters.type) where.push(typeIs(filters.type));
    if (filters.severity?.length) where.push(inArray(events.severity, filters.severity));
    if (filters.worldline) where.push(eq(events.worldline, filters.worldline));
    if (filters.agent) where.push(eq(events.agent, filters.agent));
    if (filters.since !== undefined) where.push(gte(events.time, filters.since));
    if (filters.until !== undefined) where.push(lte(events.time, filters.until));
    return newestFirstPage(this.db.select().from(events).$dynamic(), NEWEST_EVENTS, where, filters, toStored);
  }

  /**
   * The stored events of a replay window, event time [since, until] both inclusive, oldest first,
   * of any of `types` (exact or `<namespace>.*`; every type without). At most `limit`.
   */
  async window(filters: { since: number; until: number; types?: string[] }, limit: number): Promise<StoredEvent[]> {
    const rows = await this.db
      .select()
      .from(events)
      .where(
        and(
          gte(events.time, filters.since),
          lte(events.time, filters.until),
          filters.types?.length ? or(...filters.types.map(typeIs)) : undefined,
        ),
      )
      .orderBy(asc(events.time), asc(events.id))
      .limit(limit);
    return rows.map(toStored);
  }

  // ---- failures -------------------------------------------------------------------------------

  /** A failed attempt that will be retried: the latest error and attempt count win. */
  async recordAttempt(failure: FailureAttempt): Promise<void> {
    await this.db
      .insert(eventFailures)
      .values(failureRow(failure, "retrying"))
      .onConflictDoUpdate({
        target: eventFailures.id,
        set: {
          status: "retrying",
          attempts: sql`max(${eventFailures.attempts}, excluded.attempts)`,
          lastError: failure.error,
          lastFailedAt: failure.at,
        },
        setWhere: sql`${eventFailures.status} = 'retrying'`,
      });
  }

  /** Events that failed before and have now gone through. */
  async markRecovered(ids: string[], now: number): Promise<void> {
    for (const chunk of chunked(ids))
      await this.db
        .update(eventFailures)
        .set({ status: "recovered", lastFailedAt: now })
        .where(and(inArray(eventFailures.id, chunk), eq(eventFailures.status, "retrying")));
  }

  /**
   * A message in the dead-letter queue. Keeps the error and attempt count the consumer recorded
   * while retrying; a message nobody recorded (e.g. the Worker crashed) gets `fallbackError`.
   * Idempotent: recording the same dead letter twice changes nothing but the first time.
   */
  async recordDeadLetter(failure: FailureAttempt): Promise<EventFailure> {
    await this.db
      .insert(eventFailures)
      .values({ ...failureRow(failure, "dead-lettered"), deadLetteredAt: failure.at })
      .onConflictDoUpdate({
        target: eventFailures.id,
        set: { status: "dead-lettered", deadLetteredAt: failure.at },
        setWhere: sql`${eventFailures.status} <> 'dead-lettered'`,
      });
    return toFailure((await this.db.select().from(eventFailures).where(eq(eventFailures.id, failure.id)).limit(1))[0]!);
  }

  /**
   * Claims a dead letter's one replay: a compare-and-set on "dead-lettered and never replayed",
   * so of two replays racing, one wins. False when it is not (or no longer) replayable.
   */
  async claimReplay(id: string, at: number): Promise<boolean> {
    const claimed = await this.db
      .update(eventFailures)
      .set({ replayedAt: at, replayResult: "queued" })
      .where(and(eq(eventFailures.id, id), eq(eventFailures.status, "dead-lettered"), isNull(eventFailures.replayedAt)))
      .returning({ id: eventFailures.id });
    return claimed.length === 1;
  }

  /** Gives back a claim whose send failed (the queue refused), so the replay can be asked again. */
  async releaseReplay(id: string, at: number): Promise<void> {
    await this.db
      .update(eventFailures)
      .set({ replayedAt: null, replayResult: null })
      .where(and(eq(eventFailures.id, id), eq(eventFailures.replayedAt, at)));
  }

  /** Dead letters never replayed, most recently failed first (optionally of one event type). */
  async unreplayedDeadLetters(filters: { type?: string; limit: number }): Promise<string[]> {
    const rows = await this.db
      .select({ id: eventFailures.id })
      .from(eventFailures)
      .where(
        and(
          eq(eventFailures.status, "dead-lettered"),
          isNull(eventFailures.replayedAt),
          filters.type === undefined ? undefined : eq(eventFailures.type, filters.type),
        ),
      )
      .orderBy(desc(eventFailures.lastFailedAt), desc(eventFailures.id))
      .limit(filters.limit);
    return rows.map((row) => row.id);
  }

  async failure(id: string): Promise<EventFailure | null> {
    const row = (await this.db.select().from(eventFailures).where(eq(eventFailures.id, id)).limit(1))[0];
    return row ? toFailure(row) : null;
  }

  /** Most recently failed first. */
  async listFailures(filters: {
    status?: EventFailureStatus;
    cursor?: string;
    limit: number;
  }): Promise<KeysetPage<EventFailure>> {
    return newestFirstPage(
      this.db.select().from(eventFailures).$dynamic(),
      LATEST_FAILURES,
      [filters.status ? eq(eventFailures.status, filters.status) : undefined],
      filters,
      toFailure,
    );
  }
}

/** The row a failure inserts when it is the event's first (its first and last failure are `at`). */
function failureRow(failure: FailureAttempt, status: "retrying" | "dead-lettered") {
  return {
    id: failure.id,
    eventId: failure.eventId,
    type: failure.type,
    status,
    attempts: failure.attempts,
    lastError: failure.error,
    payload: failure.payload,
    firstFailedAt: failure.at,
    lastFailedAt: failure.at,
  };
}

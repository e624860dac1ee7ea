// HALO's rows in D1 (drizzle): what a cycle reads (the event window, quarantined world lines,
// traits) and what it writes (the cycle, its weak points, evidence, traits).
import { and, desc, eq, gte, inArray, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { events, haloCycles, haloEvidence, haloTraits, haloWeakPoints, worldlines } from "../db/schema.js";
import { meanResolveMs, type HaloEvent, type Trait } from "../core/halo.js";
import type { Severity } from "../schemas/events.js";
import type {
  CycleTrigger,
  HaloCycle,
  HaloCycleDetail,
  HaloTrait,
  WeakPoint,
  WeakPointSeverity,
} from "../schemas/halo.js";
import { chunked, newestFirstPage, type Keyset, type KeysetPage } from "./page-cursor.js";

type CycleRow = typeof haloCycles.$inferSelect;
type WeakPointRow = typeof haloWeakPoints.$inferSelect;
type TraitRow = typeof haloTraits.$inferSelect;

const toCycle = (row: CycleRow): HaloCycle => ({
  ...row,
  trigger: row.trigger as CycleTrigger,
  triggerEvents: JSON.parse(row.triggerEvents),
  durationMs: row.completedAt - row.startedAt,
});
const toWeakPoint = (row: WeakPointRow): WeakPoint => ({
  id: row.id,
  fingerprint: row.fingerprint,
  kind: row.kind as WeakPoint["kind"],
  subject: row.subject,
  subsystem: row.subsystem,
  severity: row.severity as WeakPointSeverity,
  score: row.score,
  detail: row.detail,
  action: row.action,
  evidence: JSON.parse(row.evidence),
  evidenceCount: row.evidenceCount,
  taskId: row.taskId,
  isNew: row.isNew,
});
const toTrait = (row: TraitRow): Trait => ({ ...row, severity: row.severity as WeakPointSeverity });
export const traitView = (trait: Trait): HaloTrait => ({ ...trait, meanResolveMs: meanResolveMs(trait) });

const NEWEST_CYCLES: Keyset<CycleRow> = {
  time: haloCycles.startedAt,
  id: haloCycles.id,
  of: (row) => [row.startedAt, row.id],
};
const LATEST_SEEN_TRAITS: Keyset<TraitRow> = {
  time: haloTraits.lastSeenAt,
  id: haloTraits.fingerprint,
  of: (row) => [row.lastSeenAt, row.fingerprint],
};

/** At most this many events per cycle: a storm is judged on its newest events. */
export const MAX_WINDOW_EVENTS = 2000;
const MAX_QUARANTINED = 100;

export class HaloStore {
  private readonly db;

  constructor(d1: D1Database) {
    this.db = drizzle(d1);
  }

  // ---- what a cycle reads ----------------------------------------------------------------

  /** Warning, error and critical events since `since` (event time), newest first. */
  async window(since: number): Promise<HaloEvent[]> {
    const rows = await this.db
      .select()
      .from(events)
      .where(and(inArray(events.severity, ["warning", "error", "critical"]), gte(events.time, since)))
      .orderBy(desc(events.time), desc(events.id))
      .limit(MAX_WINDOW_EVENTS);
    return rows.map((row) => ({
      id: row.id,
      type: row.type,
      severity: row.severity as Severity,
      time: row.time,
      ...(row.worldline !== null && { worldline: row.worldline }),
      ...(row.agent !== null && { agent: row.agent }),
      data: JSON.parse(row.data),
    }));
  }

  /** Quarantined world lines (the catalog mirrors each WorldLine object), each with its latest quarantine events. */
  async quarantined(): Promise<Array<{ id: string; name: string; evidence: HaloEvent[] }>> {
    const lines = await this.db
      .select({ id: worldlines.id, name: worldlines.name })
      .from(worldlines)
      .where(eq(worldlines.status, "quarantined"))
      .orderBy(desc(worldlines.updatedAt))
      .limit(MAX_QUARANTINED);
    return Promise.all(
      lines.map(async (line) => {
        const rows = await this.db
          .select()
          .from(events)
          .where(
            and(eq(events.worldline, line.id), inArray(events.type, ["worldline.quarantined", "arbiter.quarantine"])),
          )
          .orderBy(desc(events.time), desc(events.id))
          .limit(5);
        return {
          ...line,
          evidence: rows.map((row) => ({
            id: row.id,
            type: row.type,
            severity: row.severity as Severity,
            time: row.time,
            worldline: line.id,
            data: JSON.parse(row.data),
          })),
        };
      }),
    );
  }

  /** Traits that are active, plus those of the given fingerprints. */
  async traits(fingerprints: string[]): Promise<Map<string, Trait>> {
    const found = new Map<string, Trait>();
    for (const row of await this.db.select().from(haloTraits).where(eq(haloTraits.isActive, true)))
      found.set(row.fingerprint, toTrait(row));
    for (const chunk of chunked(fingerprints.filter((fp) => !found.has(fp)))) {
      for (const row of await this.db.select().from(haloTraits).where(inArray(haloTraits.fingerprint, chunk)))
        found.set(row.fingerprint, toTrait(row));
    }
    return found;
  }

  // ---- what a cycle writes ---------------------------------------------------------------

  /** Records evidence events once per fingerprint; answers how many distinct ones each fingerprint has now. */
  async countEvidence(
    evidence: Array<{ fingerprint: string; eventId: string; time: number }>,
  ): Promise<Map<string, number>> {
    const statements = chunked(evidence, 30).map((rows) =>
      this.db.insert(haloEvidence).values(rows).onConflictDoNothing(),
    );
    if (statements.length) await this.db.batch(statements as [(typeof statements)[0], ...typeof statements]);
    const counts = new Map<string, number>();
    for (const chunk of chunked([...new Set(evidence.map((e) => e.fingerprint))])) {
      const rows = await this.db
        .select({ fingerprint: haloEvidence.fingerprint, count: sql<number>`count(*)` })
        .from(haloEvidence)
        .where(inArray(haloEvidence.fingerprint, chunk))
        .groupBy(haloEvidence.fingerprint);
      for (const row of rows) counts.set(row.fingerprint, row.count);
    }
    return counts;
  }

  /** The cycle, its weak points and the traits it changed, in one D1 batch (one transaction). */
  async saveCycle(cycle: HaloCycle, found: WeakPoint[], traits: Trait[]): Promise<void> {
    const { durationMs: _derived, ...row } = cycle;
    const statements = [
      this.db.insert(haloCycles).values({ ...row, triggerEvents: JSON.stringify(cycle.triggerEvents) }),
      ...found.map((point) =>
        this.db
          .insert(haloWeakPoints)
          .values({ ...point, cycleId: cycle.id, evidence: JSON.stringify(point.evidence) }),
      ),
      ...traits.map((trait) =>
        this.db
          .insert(haloTraits)
          .values(trait)
          .onConflictDoUpdate({ target: haloTraits.fingerprint, set: { ...trait } }),
      ),
    ];
    await this.db.batch(statements as [(typeof statements)[0], ...typeof statements]);
  }

  // ---- reads for the API -----------------------------------------------------------------

  async cycle(id: string): Promise<HaloCycleDetail | null> {
    const row = (await this.db.select().from(haloCycles).where(eq(haloCycles.id, id)).limit(1))[0];
    if (!row) return null;
    const points = await this.db.select().from(haloWeakPoints).where(eq(haloWeakPoints.cycleId, id));
    const rank = { critical: 2, error: 1, warning: 0 } as Record<string, number>;
    const found = points
      .map(toWeakPoint)
      .sort(
        (a, b) =>
          rank[b.severity]! - rank[a.severity]! || b.score - a.score || (a.fingerprint < b.fingerprint ? -1 : 1),
      );
    return { ...toCycle(row), found };
  }

  async cycles(filters: { trigger?: CycleTrigger; cursor?: string; limit: number }): Promise<KeysetPage<HaloCycle>> {
    return newestFirstPage(
      this.db.select().from(haloCycles).$dynamic(),
      NEWEST_CYCLES,
      [filters.trigger ? eq(haloCycles.trigger, filters.trigger) : undefined],
      filters,
      toCycle,
    );
  }

  async listTraits(filters: {
    active?: boolean;
    kind?: string;
    cursor?: string;
    limit: number;
  }): Promise<KeysetPage<HaloTrait>> {
    const where = [
      filters.active !== undefined ? eq(haloTraits.isActive, filters.active) : undefined,
      filters.kind ? eq(haloTraits.kind, filters.kind) : undefined,
    ];
    return newestFirstPage(this.db.select().from(haloTraits).$dynamic(), LATEST_SEEN_TRAITS, where, filters, (row) =>
      traitView(toTrait(row)),
    );
  }
}

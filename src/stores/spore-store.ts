// Spores and grafts in D1 (drizzle). Status changes are compare-and-set on the status read.
import { and, desc, eq, inArray, lt, or } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { grafts, spores } from "../db/schema.js";
import type { JsonPatchOperation } from "../core/entity-patch.js";
import type { Graft, Spore } from "../schemas/spores.js";
import { newestFirstPage, type Keyset, type KeysetPage } from "./page-cursor.js";

type SporeRow = typeof spores.$inferSelect;
type GraftRow = typeof grafts.$inferSelect;
export type SporeStatus = Spore["status"];
export type GraftStatus = Graft["status"];

const toSpore = (row: SporeRow): Spore => ({
  ...row,
  status: row.status as SporeStatus,
  entities: JSON.parse(row.entities),
});
const toGraft = (row: GraftRow): Graft => ({
  id: row.id,
  sporeId: row.sporeId,
  worldline: row.worldline,
  status: row.status as GraftStatus,
  baseCommit: row.baseCommit,
  installCommit: row.installCommit,
  uninstallCommit: row.uninstallCommit,
  error: row.error,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
  installedAt: row.installedAt,
  uninstalledAt: row.uninstalledAt,
});

/** A graft with what only the server needs: the revert patch. */
export type StoredGraft = Graft & { inverse: JsonPatchOperation[] | null; claimedAt: number | null };
const toStoredGraft = (row: GraftRow): StoredGraft => ({
  ...toGraft(row),
  inverse: row.inverse === null ? null : JSON.parse(row.inverse),
  claimedAt: row.claimedAt,
});

const NEWEST_SPORES: Keyset<SporeRow> = { time: spores.createdAt, id: spores.id, of: (row) => [row.createdAt, row.id] };
const NEWEST_GRAFTS: Keyset<GraftRow> = { time: grafts.createdAt, id: grafts.id, of: (row) => [row.createdAt, row.id] };

export type GraftChanges = Partial<
  Pick<
    GraftRow,
    "baseCommit" | "installCommit" | "uninstallCommit" | "error" | "installedAt" | "uninstalledAt" | "claimedAt"
  >
> & { inverse?: JsonPatchOperation[] | null };

export class SporeStore {
  private readonly db;

  constructor(d1: D1Database) {
    this.db = drizzle(d1);
  }

  /** The next version of `name` (1 for a new name); null if that version was taken concurrently. */
  async insertSpore(spore: Omit<Spore, "version">): Promise<Spore | null> {
    const latest = (
      await this.db
        .select({ version: spores.version })
        .from(spores)
        .where(eq(spores.name, spore.name))
        .orderBy(desc(spores.version))
        .limit(1)
    )[0];
    const rows = await this.db
      .insert(spores)
      .values({ ...spore, version: (latest?.version ?? 0) + 1, entities: JSON.stringify(spore.entities) })
      .onConflictDoNothing()
      .returning();
    return rows[0] ? toSpore(rows[0]) : null;
  }

  async spore(id: string): Promise<Spore | null> {
    const row = (await this.db.select().from(spores).where(eq(spores.id, id)).limit(1))[0];
    return row ? toSpore(row) : null;
  }

  /** Changes a spore still in `status`; null when it moved on. */
  async updateSpore(
    id: string,
    status: SporeStatus,
    changes: Partial<Pick<Spore, "status" | "description" | "entities" | "publishedAt">>,
    at: number,
  ): Promise<Spore | null> {
    const { entities, ...rest } = changes;
    const rows = await this.db
      .update(spores)
      .set({ ...rest, ...(entities !== undefined && { entities: JSON.stringify(entities) }), updatedAt: at })
      .where(and(eq(spores.id, id), eq(spores.status, status)))
      .returning();
    return rows[0] ? toSpore(rows[0]) : null;
  }

  async listSpores(filters: {
    name?: string;
    status?: SporeStatus;
    cursor?: string;
    limit: number;
  }): Promise<KeysetPage<Spore>> {
    const where = [
      filters.name ? eq(spores.name, filters.name) : undefined,
      filters.status ? eq(spores.status, filters.status) : undefined,
    ];
    return newestFirstPage(this.db.select().from(spores).$dynamic(), NEWEST_SPORES, where, filters, toSpore);
  }

  // ---- grafts ----------------------------------------------------------------------------

  async insertGraft(graft: { id: string; sporeId: string; worldline: string; createdAt: number }): Promise<Graft> {
    const rows = await this.db
      .insert(grafts)
      .values({
        ...graft,
        status: "pending",
        baseCommit: null,
        installCommit: null,
        uninstallCommit: null,
        inverse: null,
        error: null,
        claimedAt: null,
        updatedAt: graft.createdAt,
        installedAt: null,
        uninstalledAt: null,
      })
      .returning();
    return toGraft(rows[0]!);
  }

  async graft(id: string): Promise<StoredGraft | null> {
    const row = (await this.db.select().from(grafts).where(eq(grafts.id, id)).limit(1))[0];
    return row ? toStoredGraft(row) : null;
  }

  /**
   * Moves a graft from one of `from` to `to`. A graft stuck in `stale` (a claim whose worker died)
   * for longer than `staleAfterMs` may be taken over as well.
   */
  async moveGraft(
    id: string,
    from: readonly GraftStatus[],
    to: GraftStatus,
    changes: GraftChanges,
    at: number,
    stale?: { status: GraftStatus; staleAfterMs: number },
  ): Promise<StoredGraft | null> {
    const { inverse, ...rest } = changes;
    const takeOver = stale
      ? and(eq(grafts.status, stale.status), lt(grafts.claimedAt, at - stale.staleAfterMs))
      : undefined;
    const rows = await this.db
      .update(grafts)
      .set({
        ...rest,
        ...(inverse !== undefined && { inverse: inverse === null ? null : JSON.stringify(inverse) }),
        status: to,
        updatedAt: at,
      })
      .where(
        and(
          eq(grafts.id, id),
          takeOver ? or(inArray(grafts.status, [...from]), takeOver) : inArray(grafts.status, [...from]),
        ),
      )
      .returning();
    return rows[0] ? toStoredGraft(rows[0]) : null;
  }

  async listGrafts(filters: {
    worldline?: string;
    spore?: string;
    status?: GraftStatus;
    cursor?: string;
    limit: number;
  }): Promise<KeysetPage<Graft>> {
    const where = [
      filters.worldline ? eq(grafts.worldline, filters.worldline) : undefined,
      filters.spore ? eq(grafts.sporeId, filters.spore) : undefined,
      filters.status ? eq(grafts.status, filters.status) : undefined,
    ];
    return newestFirstPage(this.db.select().from(grafts).$dynamic(), NEWEST_GRAFTS, where, filters, toGraft);
  }
}

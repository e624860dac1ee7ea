// Squads in D1 (drizzle): a name, the member agent ids and the task kinds they take.
import { desc, eq, and, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { squads } from "../db/schema.js";
import type { Squad } from "../schemas/squads.js";
import { afterCursor, pageOf } from "./page-cursor.js";

type SquadRow = typeof squads.$inferSelect;

const toSquad = (row: SquadRow): Squad => ({ id: row.id, name: row.name, members: JSON.parse(row.members), capabilities: JSON.parse(row.capabilities), createdAt: row.createdAt, updatedAt: row.updatedAt });

/** Does this squad take tasks of this kind? */
export const takesKind = (squad: Pick<Squad, "capabilities">, kind: string) => squad.capabilities.includes("*") || squad.capabilities.includes(kind);

export class SquadStore {
  private readonly db;

  constructor(d1: D1Database) {
    this.db = drizzle(d1);
  }

  /** Null when the name is taken (unique index). */
  async insert(squad: Squad): Promise<Squad | null> {
    const rows = await this.db
      .insert(squads)
      .values({ ...squad, members: JSON.stringify(squad.members), capabilities: JSON.stringify(squad.capabilities) })
      .onConflictDoNothing()
      .returning();
    return rows[0] ? toSquad(rows[0]) : null;
  }

  async get(id: string): Promise<Squad | null> {
    const row = (await this.db.select().from(squads).where(eq(squads.id, id)).limit(1))[0];
    return row ? toSquad(row) : null;
  }

  async byName(name: string): Promise<Squad | null> {
    const row = (await this.db.select().from(squads).where(eq(squads.name, name)).limit(1))[0];
    return row ? toSquad(row) : null;
  }

  async update(squad: Squad): Promise<Squad | null> {
    const rows = await this.db
      .update(squads)
      .set({ name: squad.name, members: JSON.stringify(squad.members), capabilities: JSON.stringify(squad.capabilities), updatedAt: squad.updatedAt })
      .where(eq(squads.id, squad.id))
      .returning();
    return rows[0] ? toSquad(rows[0]) : null;
  }

  async delete(id: string): Promise<boolean> {
    return (await this.db.delete(squads).where(eq(squads.id, id)).returning({ id: squads.id })).length > 0;
  }

  async list(filters: { cursor?: string; limit: number }): Promise<{ items: Squad[]; next: string | null } | null> {
    const where: SQL[] = [];
    if (filters.cursor !== undefined) {
      const after = afterCursor(filters.cursor, squads.createdAt, squads.id);
      if (!after) return null;
      where.push(after);
    }
    const rows = await this.db.select().from(squads).where(where.length ? and(...where) : undefined).orderBy(desc(squads.createdAt), desc(squads.id)).limit(filters.limit + 1);
    return pageOf(rows, filters.limit, toSquad, (row) => [row.createdAt, row.id]);
  }

  /** Every squad (dispatch looks for those taking a task's kind; squads are few). */
  async all(): Promise<Squad[]> {
    return (await this.db.select().from(squads).orderBy(squads.createdAt, squads.id).limit(1000)).map(toSquad);
  }
}

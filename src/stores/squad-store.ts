// Squads in D1 (drizzle): a name, the member agent ids and the task kinds they take.
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { squads } from "../db/schema.js";
import type { Squad } from "../schemas/squads.js";
import { newestFirstPage, type Keyset, type KeysetPage } from "./page-cursor.js";

type SquadRow = typeof squads.$inferSelect;

const toSquad = (row: SquadRow): Squad => ({
  id: row.id,
  name: row.name,
  members: JSON.parse(row.members),
  capabilities: JSON.parse(row.capabilities),
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

const NEWEST_SQUADS: Keyset<SquadRow> = { time: squads.createdAt, id: squads.id, of: (row) => [row.createdAt, row.id] };

/** Does this squad take tasks of this kind? */
export const takesKind = (squad: Pick<Squad, "capabilities">, kind: string) =>
  squad.capabilities.includes("*") || squad.capabilities.includes(kind);

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
      .set({
        name: squad.name,
        members: JSON.stringify(squad.members),
        capabilities: JSON.stringify(squad.capabilities),
        updatedAt: squad.updatedAt,
      })
      .where(eq(squads.id, squad.id))
      .returning();
    return rows[0] ? toSquad(rows[0]) : null;
  }

  async delete(id: string): Promise<boolean> {
    return (await this.db.delete(squads).where(eq(squads.id, id)).returning({ id: squads.id })).length > 0;
  }

  async list(filters: { cursor?: string; limit: number }): Promise<KeysetPage<Squad>> {
    return newestFirstPage(this.db.select().from(squads).$dynamic(), NEWEST_SQUADS, [], filters, toSquad);
  }

  /** Every squad (dispatch looks for those taking a task's kind; squads are few). */
  async all(): Promise<Squad[]> {
    return (await this.db.select().from(squads).orderBy(squads.createdAt, squads.id).limit(1000)).map(toSquad);
  }
}

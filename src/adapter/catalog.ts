// The world-line catalog and lineage graph in D1 (drizzle): what lists and the multiverse graph
// read. Written by each WorldLine Durable Object after its own state changed.
import { and, desc, eq, inArray, lt, or, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { afterCursor, chunked, encodeCursor } from "./page-cursor.js";
import { lineage, worldlines } from "../db/schema.js";
import { PUBLIC_LEVELS } from "../core/privacy.js";
import type { WorldLineStatus } from "../schemas/worldline.js";
import type { WorldLineMeta } from "../core/worldline.js";

type Row = typeof worldlines.$inferSelect;
const toMeta = (row: Row): WorldLineMeta => ({
  id: row.id,
  name: row.name,
  status: row.status as WorldLineMeta["status"],
  privacy: row.privacy as WorldLineMeta["privacy"],
  head: row.head,
  green: row.green,
  parents: row.parent ? [row.parent] : [],
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

export type EdgeKind = "fork" | "merge";

export class Catalog {
  private readonly db;

  constructor(d1: D1Database) {
    this.db = drizzle(d1);
  }

  async save(meta: WorldLineMeta): Promise<void> {
    const row = {
      id: meta.id,
      name: meta.name,
      status: meta.status,
      privacy: meta.privacy,
      head: meta.head,
      green: meta.green,
      parent: meta.parents[0] ?? null,
      createdAt: meta.createdAt,
      updatedAt: meta.updatedAt,
    };
    await this.db.insert(worldlines).values(row).onConflictDoUpdate({ target: worldlines.id, set: row });
  }

  async addEdge(fromId: string, toId: string, kind: EdgeKind, commit: string, at: number): Promise<void> {
    await this.db.insert(lineage).values({ fromId, toId, kind, commit, at });
  }

  async list(options: { status?: WorldLineStatus; publicOnly: boolean; cursor?: string; limit: number }) {
    const filters: SQL[] = [];
    if (options.status) filters.push(eq(worldlines.status, options.status));
    if (options.publicOnly) filters.push(inArray(worldlines.privacy, [...PUBLIC_LEVELS]));
    if (options.cursor !== undefined) {
      const after = afterCursor(options.cursor, worldlines.createdAt, worldlines.id);
      if (!after) return null;
      filters.push(after);
    }
    const rows = await this.db
      .select()
      .from(worldlines)
      .where(filters.length ? and(...filters) : undefined)
      .orderBy(desc(worldlines.createdAt), desc(worldlines.id))
      .limit(options.limit + 1);
    const page = rows.slice(0, options.limit);
    const last = page[page.length - 1];
    return { rows: page.map(toMeta), next: rows.length > options.limit && last ? encodeCursor(last.createdAt, last.id) : null };
  }

  /** Which of these world lines anonymous readers may see (public-network, full-public). */
  async publicAmong(ids: Iterable<string>): Promise<Set<string>> {
    const visible = new Set<string>();
    for (const chunk of chunked([...new Set(ids)])) {
      const rows = await this.db.select({ id: worldlines.id }).from(worldlines).where(and(inArray(worldlines.id, chunk), inArray(worldlines.privacy, [...PUBLIC_LEVELS])));
      for (const row of rows) visible.add(row.id);
    }
    return visible;
  }

  async graph(publicOnly: boolean) {
    const nodes = await this.db
      .select()
      .from(worldlines)
      .where(publicOnly ? inArray(worldlines.privacy, [...PUBLIC_LEVELS]) : undefined)
      .orderBy(worldlines.createdAt, worldlines.id);
    const visible = new Set(nodes.map((node) => node.id));
    const edges = (await this.db.select().from(lineage).orderBy(lineage.id)).filter((edge) => visible.has(edge.fromId) && visible.has(edge.toId));
    return { nodes: nodes.map(toMeta), edges };
  }
}

// The world-line catalog and lineage graph in D1 (drizzle): what lists and the multiverse graph
// read. Written by each WorldLine Durable Object after its own state changed, through its catalog
// outbox (src/stores/catalog-outbox.ts): every write here is idempotent, so a retry is harmless.
import { and, eq, gt, inArray, or } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { alias } from "drizzle-orm/sqlite-core";
import { chunked, decodeCursor, encodeCursor, newestFirstPage, type Keyset } from "./page-cursor.js";
import { invalidCursor } from "../core/problem.js";
import { lineage, worldlines } from "../db/schema.js";
import { PUBLIC_LEVELS } from "../core/privacy.js";
import type { z } from "zod";
import type { LineageKind, WorldLineStatus } from "../schemas/worldline.js";
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

const NEWEST_WORLD_LINES: Keyset<Row> = {
  time: worldlines.createdAt,
  id: worldlines.id,
  of: (row) => [row.createdAt, row.id],
};

export type EdgeKind = z.infer<typeof LineageKind>;

/** A fork edge (parent → child, at the parent's head) or a merge edge (source → target, at the merge commit). */
export interface LineageEdge {
  fromId: string;
  toId: string;
  kind: EdgeKind;
  commit: string;
  at: number;
}

export class Catalog {
  private readonly db;

  constructor(d1: D1Database) {
    this.db = drizzle(d1);
  }

  /**
   * Makes D1 agree with a world line: its catalog row upserted from `meta` (the Durable Object's
   * current state) and `edges` inserted unless present (the `lineage_edge` key). One batch, so one
   * transaction: D1 takes all of it or none. Applying the same call twice changes nothing.
   */
  async apply(meta: WorldLineMeta, edges: readonly LineageEdge[] = []): Promise<void> {
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
    // Separate statements of ≤ 18 bound parameters each: D1 binds at most 100 per statement.
    await this.db.batch([
      this.db.insert(worldlines).values(row).onConflictDoUpdate({ target: worldlines.id, set: row }),
      ...edges.map((edge) =>
        this.db
          .insert(lineage)
          .values(edge)
          .onConflictDoNothing({ target: [lineage.fromId, lineage.toId, lineage.kind, lineage.commit] }),
      ),
    ]);
  }

  /** Newest first. */
  async list(options: { status?: WorldLineStatus; publicOnly: boolean; cursor?: string; limit: number }) {
    const filters = [
      options.status ? eq(worldlines.status, options.status) : undefined,
      options.publicOnly ? inArray(worldlines.privacy, [...PUBLIC_LEVELS]) : undefined,
    ];
    return newestFirstPage(this.db.select().from(worldlines).$dynamic(), NEWEST_WORLD_LINES, filters, options, toMeta);
  }

  /** Which of these world lines anonymous readers may see (public-network, full-public). */
  async publicAmong(ids: Iterable<string>): Promise<Set<string>> {
    const visible = new Set<string>();
    for (const chunk of chunked([...new Set(ids)])) {
      const rows = await this.db
        .select({ id: worldlines.id })
        .from(worldlines)
        .where(and(inArray(worldlines.id, chunk), inArray(worldlines.privacy, [...PUBLIC_LEVELS])));
      for (const row of rows) visible.add(row.id);
    }
    return visible;
  }

  /**
   * One page of the multiverse graph: up to `limit` nodes (oldest first) and up to `limit` edges
   * (in insertion order) whose both ends are in the catalog (and public, for `publicOnly`). Two
   * keyset streams in one cursor — `<node cursor or ~>.<last edge id or ~>`, `~` once a stream is
   * done — so each request reads at most `limit` + 1 rows of each, however large the graph. A
   * cursor we did not issue is a 400 `invalid-cursor`.
   */
  async graph(options: { publicOnly: boolean; cursor?: string; limit: number }) {
    const position = parseGraphCursor(options.cursor);
    if (!position) throw invalidCursor();
    const { nodesAfter, edgesAfter } = position;
    const publicLevels = [...PUBLIC_LEVELS];
    const nodeRows =
      nodesAfter === "done"
        ? []
        : await this.db
            .select()
            .from(worldlines)
            .where(
              and(
                options.publicOnly ? inArray(worldlines.privacy, publicLevels) : undefined,
                nodesAfter
                  ? or(
                      gt(worldlines.createdAt, nodesAfter.time),
                      and(eq(worldlines.createdAt, nodesAfter.time), gt(worldlines.id, nodesAfter.id)),
                    )
                  : undefined,
              ),
            )
            .orderBy(worldlines.createdAt, worldlines.id)
            .limit(options.limit + 1);
    const source = alias(worldlines, "source");
    const target = alias(worldlines, "target");
    const edgeRows =
      edgesAfter === "done"
        ? []
        : (
            await this.db
              .select({ edge: lineage })
              .from(lineage)
              .innerJoin(source, eq(source.id, lineage.fromId))
              .innerJoin(target, eq(target.id, lineage.toId))
              .where(
                and(
                  gt(lineage.id, edgesAfter),
                  options.publicOnly
                    ? and(inArray(source.privacy, publicLevels), inArray(target.privacy, publicLevels))
                    : undefined,
                ),
              )
              .orderBy(lineage.id)
              .limit(options.limit + 1)
          ).map((row) => row.edge);
    const nodes = nodeRows.slice(0, options.limit);
    const edges = edgeRows.slice(0, options.limit);
    const lastNode = nodes[nodes.length - 1];
    const lastEdge = edges[edges.length - 1];
    const nodesPart =
      nodeRows.length > options.limit && lastNode ? encodeCursor(lastNode.createdAt, lastNode.id) : DONE;
    const edgesPart = edgeRows.length > options.limit && lastEdge ? String(lastEdge.id) : DONE;
    return {
      nodes: nodes.map(toMeta),
      edges,
      next: nodesPart === DONE && edgesPart === DONE ? null : `${nodesPart}.${edgesPart}`,
    };
  }
}

const DONE = "~";

function parseGraphCursor(
  cursor: string | undefined,
): { nodesAfter: { time: number; id: string } | null | "done"; edgesAfter: number | "done" } | null {
  if (cursor === undefined) return { nodesAfter: null, edgesAfter: 0 };
  const [nodesPart, edgesPart, ...rest] = cursor.split(".");
  if (nodesPart === undefined || edgesPart === undefined || rest.length) return null;
  const nodesAfter = nodesPart === DONE ? "done" : decodeCursor(nodesPart);
  const edgesAfter = edgesPart === DONE ? "done" : /^\d{1,15}$/.test(edgesPart) ? Number(edgesPart) : null;
  if (nodesAfter === null || edgesAfter === null) return null;
  return { nodesAfter, edgesAfter };
}

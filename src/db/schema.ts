// D1 tables (drizzle). D1 holds what is queried across world lines: the catalog, the lineage
// graph, the commit graph and the content-addressed scene objects. Every row here can be rebuilt
// from the Durable Objects, which are the source of truth for heads and status.
import { sqliteTable, text, integer, index, primaryKey } from "drizzle-orm/sqlite-core";

export const worldlines = sqliteTable(
  "worldlines",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    status: text("status").notNull(),
    privacy: text("privacy").notNull(),
    head: text("head").notNull(),
    green: text("green"),
    parent: text("parent"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [index("worldlines_created").on(table.createdAt, table.id), index("worldlines_status").on(table.status, table.createdAt)],
);

export const lineage = sqliteTable(
  "lineage",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    fromId: text("from_id").notNull(),
    toId: text("to_id").notNull(),
    kind: text("kind").notNull(),
    commit: text("commit_id").notNull(),
    at: integer("at").notNull(),
  },
  (table) => [index("lineage_to").on(table.toId), index("lineage_from").on(table.fromId)],
);

/** Immutable content-addressed objects: entity values, tree nodes. Key = SHA3-256 of the canonical body. */
export const objects = sqliteTable("objects", {
  hash: text("hash").primaryKey(),
  body: text("body").notNull(),
});

export const commits = sqliteTable("commits", {
  id: text("id").primaryKey(),
  worldline: text("worldline").notNull(),
  tree: text("tree").notNull(),
  author: text("author").notNull(),
  message: text("message").notNull(),
  time: integer("time").notNull(),
  generation: integer("generation").notNull(),
});

export const commitParents = sqliteTable(
  "commit_parents",
  {
    child: text("child").notNull(),
    parent: text("parent").notNull(),
    position: integer("position").notNull(),
  },
  (table) => [primaryKey({ columns: [table.child, table.position] }), index("commit_parents_parent").on(table.parent)],
);

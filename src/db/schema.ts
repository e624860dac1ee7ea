// D1 tables (drizzle). D1 holds what is queried across world lines: the catalog, the lineage
// graph, the commit graph and the content-addressed scene objects. Every row here can be rebuilt
// from the Durable Objects, which are the source of truth for heads and status.
import { sqliteTable, text, integer, real, index, primaryKey } from "drizzle-orm/sqlite-core";

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

// ---- event wormholes (seed 003) -------------------------------------------------------------
// Written only by the queue consumer (src/events/consumer.ts). Unlike the tables above these are
// not rebuildable from a Durable Object: D1 is the event log's home.

/** Every event, stored once: the consumer inserts with ON CONFLICT(id) DO NOTHING, so redelivery changes nothing. */
export const events = sqliteTable(
  "events",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    source: text("source").notNull(),
    severity: text("severity").notNull(),
    time: integer("time").notNull(),
    worldline: text("worldline"),
    agent: text("agent"),
    data: text("data").notNull(),
    persistedAt: integer("persisted_at").notNull(),
    /** Null until every subscriber (the HALO trigger, …) has handled the event. */
    routedAt: integer("routed_at"),
  },
  (table) => [
    index("events_time").on(table.time, table.id),
    index("events_type").on(table.type, table.time, table.id),
    index("events_severity").on(table.severity, table.time, table.id),
    index("events_worldline").on(table.worldline, table.time, table.id),
    index("events_agent").on(table.agent, table.time, table.id),
  ],
);

/**
 * Error and critical events waiting for HALO (src/events/halo-trigger.ts). HALO itself is a later
 * issue: it will take `pending` rows, run a cycle and mark them.
 */
export const haloTriggers = sqliteTable(
  "halo_triggers",
  {
    eventId: text("event_id").primaryKey(),
    eventType: text("event_type").notNull(),
    severity: text("severity").notNull(),
    worldline: text("worldline"),
    agent: text("agent"),
    status: text("status").notNull(),
    triggeredAt: integer("triggered_at").notNull(),
  },
  (table) => [index("halo_triggers_status").on(table.status, table.triggeredAt)],
);

/** Messages the consumer failed on: retrying, recovered on a later attempt, or dead-lettered. */
export const eventFailures = sqliteTable(
  "event_failures",
  {
    id: text("id").primaryKey(),
    eventId: text("event_id"),
    type: text("type"),
    status: text("status").notNull(),
    attempts: integer("attempts").notNull(),
    lastError: text("last_error").notNull(),
    payload: text("payload").notNull(),
    firstFailedAt: integer("first_failed_at").notNull(),
    lastFailedAt: integer("last_failed_at").notNull(),
    deadLetteredAt: integer("dead_lettered_at"),
  },
  (table) => [index("event_failures_last").on(table.lastFailedAt, table.id), index("event_failures_status").on(table.status, table.lastFailedAt)],
);

/** Entropy-model versions trained by POST /api/v1/arbiter/model/train (seed 001 §5); beats use the latest. */
export const arbiterModels = sqliteTable("arbiter_models", {
  version: integer("version").primaryKey(),
  w: real("w").notNull(),
  b: real("b").notNull(),
  loss: real("loss"),
  auc: real("auc"),
  samples: integer("samples").notNull(),
  epochs: integer("epochs").notNull(),
  learningRate: real("learning_rate"),
  createdAt: integer("created_at").notNull(),
});

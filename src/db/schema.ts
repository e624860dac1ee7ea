// D1 tables (drizzle). D1 holds what is queried across world lines: the catalog, the lineage
// graph, the commit graph and the content-addressed scene objects. Every row here can be rebuilt
// from the Durable Objects, which are the source of truth for heads and status.
import { sql } from "drizzle-orm";
import { sqliteTable, text, integer, real, index, primaryKey, uniqueIndex } from "drizzle-orm/sqlite-core";

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
  (table) => [
    index("worldlines_created").on(table.createdAt, table.id),
    index("worldlines_status").on(table.status, table.createdAt),
  ],
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
  // One row per edge: a world line's catalog outbox may apply the same edge again after a lost
  // acknowledgement (src/stores/catalog-outbox.ts), and ON CONFLICT DO NOTHING on this key keeps it once.
  (table) => [
    index("lineage_to").on(table.toId),
    index("lineage_from").on(table.fromId),
    uniqueIndex("lineage_edge").on(table.fromId, table.toId, table.kind, table.commit),
  ],
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
 * Error and critical events that triggered HALO (src/events/halo-trigger.ts), one row per event:
 * the exactly-once record and the evidence. The cycles that read them are in `halo_cycles`
 * (`trigger_events`); `status` keeps the value the trigger wrote.
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

/** Alert notices (src/events/alert-notifier.ts), one per event: delivered once, or given up as failed. */
export const alertNotices = sqliteTable("alert_notices", {
  eventId: text("event_id").primaryKey(),
  type: text("type").notNull(),
  status: text("status").notNull(),
  attempts: integer("attempts").notNull(),
  lastError: text("last_error"),
  createdAt: integer("created_at").notNull(),
  deliveredAt: integer("delivered_at"),
});

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
    /** When POST /api/v1/events/failures/:id/replay put the dead letter back on the queue (once). */
    replayedAt: integer("replayed_at"),
    /** What that replay did: `queued` (the queue took the event again). */
    replayResult: text("replay_result"),
  },
  (table) => [
    index("event_failures_last").on(table.lastFailedAt, table.id),
    index("event_failures_status").on(table.status, table.lastFailedAt),
  ],
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

// ---- HALO, squads, spores and grafts (seed 003) -------------------------------------------------
// D1 is the home of these rows, like the event log: task transitions are compare-and-set UPDATEs
// (`… WHERE status = <expected>`), so two callers can never both move a task; the Dispatcher
// Durable Object only keeps the timers (timeouts, retry backoff).

/** One HALO cycle: what started it, the window it read, what it found. */
export const haloCycles = sqliteTable(
  "halo_cycles",
  {
    id: text("id").primaryKey(),
    trigger: text("trigger").notNull(),
    /** JSON array of the event ids that asked for this cycle (coalesced triggers share one cycle). */
    triggerEvents: text("trigger_events").notNull(),
    startedAt: integer("started_at").notNull(),
    completedAt: integer("completed_at").notNull(),
    windowStart: integer("window_start").notNull(),
    eventsRead: integer("events_read").notNull(),
    weakPoints: integer("weak_points").notNull(),
    tasksCreated: integer("tasks_created").notNull(),
  },
  (table) => [index("halo_cycles_started").on(table.startedAt, table.id)],
);

/** The weak points one cycle found; `taskId` is the task created for it, or the open one it was deduplicated into. */
export const haloWeakPoints = sqliteTable(
  "halo_weak_points",
  {
    id: text("id").primaryKey(),
    cycleId: text("cycle_id").notNull(),
    fingerprint: text("fingerprint").notNull(),
    kind: text("kind").notNull(),
    subject: text("subject").notNull(),
    subsystem: text("subsystem").notNull(),
    severity: text("severity").notNull(),
    score: real("score").notNull(),
    detail: text("detail").notNull(),
    action: text("action").notNull(),
    evidence: text("evidence").notNull(),
    evidenceCount: integer("evidence_count").notNull(),
    taskId: text("task_id"),
    isNew: integer("is_new", { mode: "boolean" }).notNull(),
  },
  (table) => [
    index("halo_weak_points_cycle").on(table.cycleId),
    index("halo_weak_points_fingerprint").on(table.fingerprint, table.cycleId),
  ],
);

/** Every evidence event HALO has counted for a weak point, once: the exact failure count of its traits. */
export const haloEvidence = sqliteTable(
  "halo_evidence",
  {
    fingerprint: text("fingerprint").notNull(),
    eventId: text("event_id").notNull(),
    time: integer("time").notNull(),
  },
  (table) => [primaryKey({ columns: [table.fingerprint, table.eventId] })],
);

/** Memory DNA: per weak-point subject, what HALO has learned across cycles. */
export const haloTraits = sqliteTable(
  "halo_traits",
  {
    fingerprint: text("fingerprint").primaryKey(),
    kind: text("kind").notNull(),
    subject: text("subject").notNull(),
    severity: text("severity").notNull(),
    /** Seen by the latest cycle; a cycle that no longer sees it resolves it. */
    isActive: integer("is_active", { mode: "boolean" }).notNull(),
    failures: integer("failures").notNull(),
    cycles: integer("cycles").notNull(),
    tasks: integer("tasks").notNull(),
    firstSeenAt: integer("first_seen_at").notNull(),
    lastSeenAt: integer("last_seen_at").notNull(),
    activeSince: integer("active_since").notNull(),
    resolutions: integer("resolutions").notNull(),
    totalResolveMs: integer("total_resolve_ms").notNull(),
    lastResolvedAt: integer("last_resolved_at"),
  },
  (table) => [
    index("halo_traits_seen").on(table.lastSeenAt, table.fingerprint),
    index("halo_traits_active").on(table.isActive),
  ],
);

export const squads = sqliteTable(
  "squads",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    /** JSON array of agent ids (hub connections). */
    members: text("members").notNull(),
    /** JSON array of task kinds this squad takes ("*": any). */
    capabilities: text("capabilities").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [uniqueIndex("squads_name").on(table.name), index("squads_created").on(table.createdAt, table.id)],
);

export const squadTasks = sqliteTable(
  "squad_tasks",
  {
    id: text("id").primaryKey(),
    kind: text("kind").notNull(),
    title: text("title").notNull(),
    description: text("description").notNull(),
    action: text("action").notNull(),
    subject: text("subject"),
    /** Set for HALO's tasks: at most one open task per fingerprint (the partial unique index below). */
    fingerprint: text("fingerprint"),
    severity: text("severity").notNull(),
    origin: text("origin").notNull(),
    cycleId: text("cycle_id"),
    weakPointId: text("weak_point_id"),
    /** JSON array of event ids. */
    evidence: text("evidence").notNull(),
    squadId: text("squad_id"),
    status: text("status").notNull(),
    /** The member the latest attempt went to. */
    agent: text("agent"),
    attempts: integer("attempts").notNull(),
    maxAttempts: integer("max_attempts").notNull(),
    timeoutMs: integer("timeout_ms").notNull(),
    nextAttemptAt: integer("next_attempt_at"),
    result: text("result"),
    error: text("error"),
    /** JSON array of transitions, appended in the same UPDATE that makes them. */
    history: text("history").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    closedAt: integer("closed_at"),
  },
  (table) => [
    index("squad_tasks_created").on(table.createdAt, table.id),
    index("squad_tasks_status").on(table.status, table.createdAt, table.id),
    index("squad_tasks_fingerprint").on(table.fingerprint, table.createdAt),
    uniqueIndex("squad_tasks_open_fingerprint")
      .on(table.fingerprint)
      .where(sql`status IN ('pending-approval', 'approved', 'dispatched')`),
  ],
);

/** One dispatch of a task to one member: the mesh message, its deadline and how it ended. */
export const squadTaskAttempts = sqliteTable(
  "squad_task_attempts",
  {
    taskId: text("task_id").notNull(),
    attempt: integer("attempt").notNull(),
    agent: text("agent"),
    squadId: text("squad_id"),
    messageId: text("message_id"),
    startedAt: integer("started_at").notNull(),
    deadline: integer("deadline").notNull(),
    endedAt: integer("ended_at"),
    outcome: text("outcome").notNull(),
    error: text("error"),
  },
  (table) => [
    primaryKey({ columns: [table.taskId, table.attempt] }),
    index("squad_task_attempts_message").on(table.messageId),
    index("squad_task_attempts_running").on(table.outcome, table.agent),
  ],
);

/** Resonance: per agent and task kind, how its attempts ended; dispatch picks the best member by it. */
export const resonance = sqliteTable(
  "resonance",
  {
    agent: text("agent").notNull(),
    kind: text("kind").notNull(),
    successes: integer("successes").notNull(),
    failures: integer("failures").notNull(),
    totalMs: integer("total_ms").notNull(),
    lastOutcomeAt: integer("last_outcome_at").notNull(),
  },
  (table) => [primaryKey({ columns: [table.agent, table.kind] })],
);

/** A versioned template of world-line entities; a version is immutable once published. */
export const spores = sqliteTable(
  "spores",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    version: integer("version").notNull(),
    description: text("description").notNull(),
    status: text("status").notNull(),
    /** JSON object: entity id → value, applied as an RFC 7396 merge patch. */
    entities: text("entities").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    publishedAt: integer("published_at"),
  },
  (table) => [
    uniqueIndex("spores_name_version").on(table.name, table.version),
    index("spores_created").on(table.createdAt, table.id),
  ],
);

/** A spore deployed to one world line; installing it is a commit there, uninstalling reverts it. */
export const grafts = sqliteTable(
  "grafts",
  {
    id: text("id").primaryKey(),
    sporeId: text("spore_id").notNull(),
    worldline: text("worldline").notNull(),
    status: text("status").notNull(),
    baseCommit: text("base_commit"),
    installCommit: text("install_commit"),
    uninstallCommit: text("uninstall_commit"),
    /** JSON array: the RFC 6902 patch that reverts the install (guarded by `test` operations). */
    inverse: text("inverse"),
    error: text("error"),
    claimedAt: integer("claimed_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    installedAt: integer("installed_at"),
    uninstalledAt: integer("uninstalled_at"),
  },
  (table) => [
    index("grafts_created").on(table.createdAt, table.id),
    index("grafts_worldline").on(table.worldline, table.createdAt),
    index("grafts_spore").on(table.sporeId, table.createdAt),
  ],
);

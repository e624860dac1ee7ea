// One world line as its Durable Object holds it: the meta (head, green, status, privacy; kept in
// memory once read), its objects (the DO-local SQLite cache over D1's shared objects), the commit
// graph in D1, the history cursors, and the catalog outbox that carries the meta and lineage edges
// to D1 (src/stores/catalog-outbox.ts). The WorldLine DO (durable-objects/world-line.ts) builds it
// from its storage and environment and runs the writes one at a time; the files beside this one
// hold the concepts (lifecycle.ts, reads.ts, commits.ts, patch.ts, merge.ts, grafts.ts, green.ts)
// and ask this record for what they need. The rules (who may read, what a status allows) are
// src/core/worldline.ts and src/core/privacy.ts.
import type { SystemEventInput } from "../core/events.js";
import { canRead, type Viewer } from "../core/privacy.js";
import { notFound } from "../core/problem.js";
import { checkWritable, type WorldLineMeta } from "../core/worldline.js";
import type { LineageEdge } from "../stores/catalog.js";
import type { CatalogOutbox } from "../stores/catalog-outbox.js";
import type { CommitGraph } from "../stores/commit-graph.js";
import type { HistoryCursors } from "../stores/history-cursors.js";
import type { SqliteObjectCache } from "../stores/sqlite-object-cache.js";

/** What a write stores besides the new meta, in the same storage write: D1 edges to add, records keyed in this object. */
export interface Alongside {
  edges?: LineageEdge[];
  records?: Record<string, unknown>;
}

export interface WorldLineParts {
  /** The Durable Object's storage: the meta and the records writes keep beside it (graft results, the green index). */
  storage: DurableObjectStorage;
  objects: SqliteObjectCache;
  graph: CommitGraph;
  outbox: CatalogOutbox;
  historyCursors: HistoryCursors;
  /** Queue an event (src/events/producer.ts); never blocks or fails the write that emits it. */
  emit(event: SystemEventInput): void;
}

export class WorldLineRecord {
  readonly storage: DurableObjectStorage;
  readonly objects: SqliteObjectCache;
  readonly graph: CommitGraph;
  readonly historyCursors: HistoryCursors;
  readonly emit: (event: SystemEventInput) => void;
  private readonly outbox: CatalogOutbox;
  private meta: WorldLineMeta | null | undefined;

  constructor(parts: WorldLineParts) {
    this.storage = parts.storage;
    this.objects = parts.objects;
    this.graph = parts.graph;
    this.outbox = parts.outbox;
    this.historyCursors = parts.historyCursors;
    this.emit = parts.emit;
  }

  /** The meta, or null before the world line was created. */
  async load(): Promise<WorldLineMeta | null> {
    if (this.meta === undefined) this.meta = (await this.storage.get<WorldLineMeta>("meta")) ?? null;
    return this.meta;
  }

  async existing(): Promise<WorldLineMeta> {
    const meta = await this.load();
    if (!meta) throw notFound("world line");
    return meta;
  }

  /** The world line if `viewer` may read it; one it may not read answers like one that does not exist. */
  async visible(viewer: Viewer): Promise<WorldLineMeta> {
    const meta = await this.load();
    if (!meta || !canRead(viewer, meta.privacy)) throw notFound("world line");
    return meta;
  }

  /** The world line if it takes writes (core/worldline.ts checkWritable). */
  async writable(): Promise<WorldLineMeta> {
    const meta = await this.existing();
    checkWritable(meta);
    return meta;
  }

  /**
   * The new meta, `alongside`'s records and the catalog outbox in one storage write, then D1. A D1
   * failure does not fail the write (this object is the truth): the outbox keeps it for the alarm
   * and the next write.
   */
  async persist(meta: WorldLineMeta, alongside: Alongside = {}): Promise<void> {
    await this.outbox.record({ ...alongside.records, meta }, alongside.edges ?? []);
    this.meta = meta;
    await this.outbox.flush(meta);
  }

  /** The catalog outbox's retry (the alarm's only work). */
  async flushCatalog(): Promise<void> {
    const meta = await this.load();
    if (meta) await this.outbox.flush(meta);
  }
}

// One Durable Object per world line: the source of truth for its head, green commit and status.
// A thin adapter: it builds the world line's record (src/worldline/record.ts) from its storage and
// the Worker's environment, runs every write one at a time, and dispatches to the concept each
// call belongs to — lifecycle.ts, reads.ts, patch.ts, merge.ts, grafts.ts, green.ts (the ledger's
// view); commits.ts makes the commits. The rules are src/core (worldline.ts, worldline-merge.ts,
// state-tree.ts). D1's catalog row and lineage edges follow through the catalog outbox
// (src/stores/catalog-outbox.ts), retried on this object's alarm.
// Every public method is an RPC entry point returning an Outcome, because error classes do not
// survive Durable Object RPC; the Worker side unwraps them back into DomainError.
import { DurableObject } from "cloudflare:workers";
import { capture, type Outcome } from "../src/core/problem.js";
import type { Viewer } from "../src/core/privacy.js";
import { SerialQueue } from "../src/core/serial-queue.js";
import type { GraftInstall } from "../src/core/spore.js";
import { Catalog } from "../src/stores/catalog.js";
import { CatalogOutbox } from "../src/stores/catalog-outbox.js";
import { CommitGraph } from "../src/stores/commit-graph.js";
import { D1ObjectStore } from "../src/stores/d1-object-store.js";
import { HistoryCursors } from "../src/stores/history-cursors.js";
import { SqliteObjectCache } from "../src/stores/sqlite-object-cache.js";
import { emitEvent } from "../src/events/producer.js";
import { applyGraft, revertGraft, type ApplyGraftInput, type RevertGraftInput } from "../src/worldline/grafts.js";
import { checkCommit, proposable, setGreen, type Proposable } from "../src/worldline/green.js";
import * as lifecycle from "../src/worldline/lifecycle.js";
import { merge, type MergeInput } from "../src/worldline/merge.js";
import { patch, type PatchInput } from "../src/worldline/patch.js";
import * as reads from "../src/worldline/reads.js";
import { WorldLineRecord } from "../src/worldline/record.js";
import type { WorldLineCheck } from "../src/core/proposal-rules.js";
import type { z } from "zod";
import type {
  Commit,
  CommitResult,
  Diff,
  EntityRead,
  MergeResult,
  State,
  WorldLine as WorldLineView,
} from "../src/schemas/worldline.js";

export type { Authorship } from "../src/worldline/commits.js";
export type { PatchFormat } from "../src/worldline/patch.js";

export class WorldLine extends DurableObject<Env> {
  private readonly line: WorldLineRecord;
  private readonly writes = new SerialQueue();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.line = new WorldLineRecord({
      storage: ctx.storage,
      objects: new SqliteObjectCache(ctx.storage.sql, new D1ObjectStore(env.DB)),
      graph: new CommitGraph(env.DB),
      outbox: new CatalogOutbox(ctx.storage, new Catalog(env.DB)),
      historyCursors: new HistoryCursors(ctx.storage.sql),
      emit: (event) => ctx.waitUntil(emitEvent(this.env, event)),
    });
  }

  // ---- lifecycle -------------------------------------------------------------------------

  create(input: lifecycle.CreateInput): Promise<Outcome<WorldLineView>> {
    return this.serially(() => lifecycle.create(this.line, input));
  }

  /** Called on the new child: it starts at the parent's head and shares its tree (nothing copied). */
  fork(input: lifecycle.ForkInput): Promise<Outcome<WorldLineView>> {
    return this.serially(() => lifecycle.fork(this.line, input));
  }

  terminate(): Promise<Outcome<WorldLineView>> {
    return this.serially(() => lifecycle.terminate(this.line));
  }

  // ---- reads -----------------------------------------------------------------------------

  info(viewer: Viewer): Promise<Outcome<WorldLineView>> {
    return capture(() => reads.info(this.line, viewer));
  }

  state(viewer: Viewer, at: string | undefined, page: reads.KeyPage): Promise<Outcome<z.infer<typeof State>>> {
    return capture(() => reads.state(this.line, viewer, at, page));
  }

  entity(viewer: Viewer, id: string, at?: string): Promise<Outcome<z.infer<typeof EntityRead>>> {
    return capture(() => reads.entity(this.line, viewer, id, at));
  }

  commits(
    viewer: Viewer,
    cursor: string | undefined,
    limit: number,
  ): Promise<Outcome<{ items: Commit[]; next: string | null }>> {
    return capture(() => reads.history(this.line, viewer, cursor, limit));
  }

  diff(viewer: Viewer, from: string, to: string, page: reads.KeyPage): Promise<Outcome<z.infer<typeof Diff>>> {
    return capture(() => reads.diff(this.line, viewer, from, to, page));
  }

  // ---- writes ----------------------------------------------------------------------------

  patch(input: PatchInput): Promise<Outcome<CommitResult>> {
    return this.serially(() => patch(this.line, input));
  }

  merge(input: MergeInput): Promise<Outcome<MergeResult>> {
    return this.serially(() => merge(this.line, input));
  }

  /** A graft's template, planned on the head inside this write queue (src/worldline/grafts.ts). */
  applyGraft(input: ApplyGraftInput): Promise<Outcome<GraftInstall>> {
    return this.serially(() => applyGraft(this.line, input));
  }

  revertGraft(input: RevertGraftInput): Promise<Outcome<{ commit: string }>> {
    return this.serially(() => revertGraft(this.line, input));
  }

  // ---- the arbiter's view ---------------------------------------------------------------

  /** The arbiter's QUARANTINE: every write answers 423 until an operator releases the world line. Idempotent. */
  quarantine(reason: string, threat: number, beat: number): Promise<Outcome<WorldLineView>> {
    return this.serially(() => lifecycle.quarantine(this.line, reason, threat, beat));
  }

  release(): Promise<Outcome<WorldLineView>> {
    return this.serially(() => lifecycle.release(this.line));
  }

  // ---- the ledger's view ----------------------------------------------------------------

  proposable(at?: string): Promise<Outcome<Proposable>> {
    return capture(() => proposable(this.line, at));
  }

  checkCommit(commit: string): Promise<WorldLineCheck> {
    return checkCommit(this.line, commit);
  }

  setGreen(commit: string, ledgerIndex: number): Promise<Outcome<WorldLineView>> {
    return this.serially(() => setGreen(this.line, commit, ledgerIndex));
  }

  // ---- internals -------------------------------------------------------------------------

  /** The catalog outbox's retry (src/stores/catalog-outbox.ts), in the write queue so it never interleaves a write. */
  override async alarm(): Promise<void> {
    await this.serially(() => this.line.flushCatalog());
  }

  /** Writes run one at a time: awaiting D1 opens the input gate, and two patches must not both build on one head. */
  private serially<T>(work: () => Promise<T>): Promise<Outcome<T>> {
    return this.writes.run(() => capture(work));
  }
}

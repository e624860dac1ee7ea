// One Durable Object per world line: the source of truth for its head, green commit and status.
// Thin over src/core: it resolves commits, feeds the state tree its objects, and persists. D1's
// catalog row and lineage edges follow through the catalog outbox (src/adapter/catalog-outbox.ts),
// retried on this object's alarm.
// Every public method is an RPC entry point returning an Outcome, because error classes do not
// survive Durable Object RPC; the Worker side unwraps them back into DomainError.
import { DurableObject } from "cloudflare:workers";
import type { Json, JsonObject } from "../src/core/canonical-json.js";
import { makeCommit, nextFrontier } from "../src/core/commit.js";
import {
  applyJsonPatch,
  applyMergePatch,
  checkWrites,
  type EntityWrites,
  type JsonPatchOperation,
} from "../src/core/entity-patch.js";
import { hashJson } from "../src/core/hash.js";
import { ObjectReader } from "../src/core/object-store.js";
import { capture, DomainError, invalidCursor, notFound, type Outcome } from "../src/core/problem.js";
import {
  applyChanges,
  buildTree,
  diffTrees,
  EMPTY_ROOT,
  findEntity,
  listEntries,
  type EntityChange,
  type KeyCursor,
} from "../src/core/state-tree.js";
import { pageDiff, pageState } from "../src/core/state-page.js";
import { mergeEntities, type MergeStrategy } from "../src/core/worldline-merge.js";
import { isPublic, isStricter, type Viewer } from "../src/core/privacy.js";
import { SerialQueue } from "../src/core/serial-queue.js";
import { atBody } from "../src/core/field-error.js";
import { planGraft, templateEntityIds, type GraftInstall } from "../src/core/spore.js";
import { Catalog, type LineageEdge } from "../src/adapter/catalog.js";
import { CatalogOutbox } from "../src/adapter/catalog-outbox.js";
import { worldLineView as view, type WorldLineMeta } from "../src/core/worldline.js";
import { CommitGraph } from "../src/adapter/commit-graph.js";
import { HistoryCursors } from "../src/adapter/history-cursors.js";
import { D1ObjectStore } from "../src/adapter/d1-object-store.js";
import { SqliteObjectCache } from "../src/adapter/sqlite-object-cache.js";
import { emitEvent } from "../src/events/producer.js";
import type { WorldLineCheck } from "./ledger.js";
import type { z } from "zod";
import type {
  Commit,
  CommitResult,
  Diff,
  EntityRead,
  MergeResult,
  Privacy,
  State,
  WorldLine as WorldLineView,
} from "../src/schemas/worldline.js";

export interface Authorship {
  author?: string;
  message?: string;
}

export type PatchFormat = "json-patch" | "merge-patch";

/** Storage key of the ledger index of the decision that set `green` last (see setGreen). */
const GREEN_INDEX_KEY = "green-ledger-index";

/** What a write stores besides the new meta, in the same storage write: D1 edges to add, records keyed in this object. */
interface Alongside {
  edges?: LineageEdge[];
  records?: Record<string, unknown>;
}

export class WorldLine extends DurableObject<Env> {
  private readonly objects: SqliteObjectCache;
  private readonly graph: CommitGraph;
  private readonly outbox: CatalogOutbox;
  private readonly historyCursors: HistoryCursors;
  private meta: WorldLineMeta | null | undefined;
  private readonly writes = new SerialQueue();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.objects = new SqliteObjectCache(ctx.storage.sql, new D1ObjectStore(env.DB));
    this.graph = new CommitGraph(env.DB);
    this.outbox = new CatalogOutbox(ctx.storage, new Catalog(env.DB));
    this.historyCursors = new HistoryCursors(ctx.storage.sql);
  }

  // ---- lifecycle -------------------------------------------------------------------------

  create(input: {
    id: string;
    name: string;
    privacy: Privacy;
    entities: Record<string, Json>;
    author: string;
    message: string;
  }): Promise<Outcome<WorldLineView>> {
    return this.serially(async () => {
      if (await this.load()) throw new DomainError("already-exists", `world line ${input.id} exists already`);
      const writes = checkWrites(new Map(Object.entries(input.entities)));
      const reader = new ObjectReader(this.objects);
      const entries: Array<[string, string]> = [];
      for (const [id, value] of writes) entries.push([id, this.stageValue(reader, value!)]);
      const tree = buildTree(reader, entries);
      const now = Date.now();
      const commit = makeCommit({ tree, parents: [], author: input.author, message: input.message, time: now });
      await this.objects.putMany(reader.staged);
      await this.graph.insert(commit, input.id);
      const meta: WorldLineMeta = {
        id: input.id,
        name: input.name,
        status: "active",
        privacy: input.privacy,
        head: commit.id,
        green: null,
        parents: [],
        createdAt: now,
        updatedAt: now,
      };
      await this.persist(meta);
      this.ctx.waitUntil(
        emitEvent(this.env, {
          type: "worldline.created",
          worldline: meta.id,
          data: { name: meta.name, privacy: meta.privacy, head: meta.head },
        }),
      );
      return view(meta);
    });
  }

  /** Called on the new child: it starts at the parent's head and shares its tree (nothing copied). */
  fork(input: { id: string; name: string; privacy: Privacy; parent: WorldLineView }): Promise<Outcome<WorldLineView>> {
    return this.serially(async () => {
      if (await this.load()) throw new DomainError("already-exists", `world line ${input.id} exists already`);
      const now = Date.now();
      const meta: WorldLineMeta = {
        id: input.id,
        name: input.name,
        status: "active",
        privacy: input.privacy,
        head: input.parent.head,
        green: null,
        parents: [input.parent.id],
        createdAt: now,
        updatedAt: now,
      };
      await this.persist(meta, {
        edges: [{ fromId: input.parent.id, toId: input.id, kind: "fork", commit: input.parent.head, at: now }],
      });
      this.ctx.waitUntil(
        emitEvent(this.env, {
          type: "worldline.forked",
          worldline: meta.id,
          data: { parent: input.parent.id, name: meta.name, privacy: meta.privacy, head: meta.head },
        }),
      );
      return view(meta);
    });
  }

  terminate(): Promise<Outcome<WorldLineView>> {
    return this.serially(async () => {
      const meta = await this.writable();
      const next = { ...meta, status: "terminated" as const, updatedAt: Date.now() };
      await this.persist(next);
      this.ctx.waitUntil(
        emitEvent(this.env, {
          type: "worldline.terminated",
          worldline: meta.id,
          data: { name: meta.name, head: meta.head },
        }),
      );
      return view(next);
    });
  }

  // ---- reads -----------------------------------------------------------------------------

  info(viewer: Viewer): Promise<Outcome<WorldLineView>> {
    return capture(async () => view(await this.visible(viewer)));
  }

  /** One page of the state in key order (core/state-page.ts): bounded by the page, not by the state. */
  state(
    viewer: Viewer,
    at: string | undefined,
    page: { cursor: KeyCursor; limit: number },
  ): Promise<Outcome<z.infer<typeof State>>> {
    return capture(async () => {
      const { commit, tree } = await this.resolve(await this.visible(viewer), at);
      const { count, entities, next } = await pageState(new ObjectReader(this.objects), tree, page.cursor, page.limit);
      return { commit, root: tree, count, entities: Object.fromEntries(entities), next }; // fromEntries: own properties, whatever the id
    });
  }

  entity(viewer: Viewer, id: string, at?: string): Promise<Outcome<z.infer<typeof EntityRead>>> {
    return capture(async () => {
      const { commit, tree } = await this.resolve(await this.visible(viewer), at);
      const reader = new ObjectReader(this.objects);
      const hash = await findEntity(reader, tree, id);
      if (hash === null) throw new DomainError("unknown-entity", `entity "${id}" does not exist at commit ${commit}`);
      return { commit, id, value: await reader.load(hash) };
    });
  }

  /**
   * One page of history, newest generation first, walked from where the last page stopped (its
   * frontier, named by the cursor: adapter/history-cursors.ts), never from the head again.
   */
  commits(
    viewer: Viewer,
    cursor: string | undefined,
    limit: number,
  ): Promise<Outcome<{ items: Commit[]; next: string | null }>> {
    return capture(async () => {
      const meta = await this.visible(viewer);
      const frontier = cursor === undefined ? [meta.head] : this.historyCursors.frontier(cursor);
      if (!frontier)
        throw invalidCursor(
          "the cursor was not issued for this world line, or it expired (a day after it was issued); start again without it",
        );
      const page = await this.graph.historyPage(frontier, limit);
      const rest = nextFrontier(frontier, page);
      return {
        items: page.map(({ generation: _, ...commit }) => commit),
        next: rest.length ? this.historyCursors.issue(rest) : null,
      };
    });
  }

  /** One page of the entity-level changes, in key order, descending only where the trees differ. */
  diff(
    viewer: Viewer,
    from: string,
    to: string,
    page: { cursor: KeyCursor; limit: number },
  ): Promise<Outcome<z.infer<typeof Diff>>> {
    return capture(async () => {
      const meta = await this.visible(viewer);
      const [a, b] = await Promise.all([this.resolve(meta, from), this.resolve(meta, to)]);
      const { changes, next } = await pageDiff(new ObjectReader(this.objects), a.tree, b.tree, page.cursor, page.limit);
      return { from: a.commit, to: b.commit, changes, next };
    });
  }

  // ---- writes ----------------------------------------------------------------------------

  patch(input: { format: PatchFormat; patch: Json; ifMatch?: string } & Authorship): Promise<Outcome<CommitResult>> {
    return this.serially(async () => {
      const meta = await this.writable();
      if (input.ifMatch !== undefined && input.ifMatch !== meta.head) {
        throw new DomainError("stale-head", {
          detail: `If-Match names ${input.ifMatch} but the head is ${meta.head}; re-read and retry`,
          head: meta.head,
        });
      }
      const { tree } = await this.resolve(meta, "head");
      const reader = new ObjectReader(this.objects);
      const load = (ids: string[] | null) => this.loadEntities(reader, tree, ids);
      const writes =
        input.format === "json-patch"
          ? await applyJsonPatch(input.patch as unknown as JsonPatchOperation[], load)
          : await applyMergePatch(input.patch, load);
      return this.commitWrites(meta, reader, tree, writes, input, "patch");
    });
  }

  /**
   * Merges `source` into this world line. A plain merge links the source's history (its head is the
   * merge commit's second parent), so every source commit becomes readable through this world line's
   * /commits and ?at=: a source stricter than this world line is refused unless `squash` records the
   * merged state as one commit whose only parent is our head (issue 12: private stays private).
   */
  merge(
    input: { source: WorldLineView; strategy: MergeStrategy; squash: boolean } & Authorship,
  ): Promise<Outcome<MergeResult>> {
    return this.serially(async () => {
      const meta = await this.writable();
      if (input.source.id === meta.id)
        throw new DomainError("merge-into-self", "a world line cannot be merged into itself");
      if (!input.squash && isStricter(input.source.privacy, meta.privacy)) {
        throw new DomainError("privacy-stricter-source", {
          detail: `world line ${input.source.id} is ${input.source.privacy}, stricter than this ${meta.privacy} one: merging it would make its history readable here. Nothing was merged; merge with "squash": true to record only the merged state, as one commit without the source's history`,
          errors: [
            atBody(
              "/source",
              `stricter (${input.source.privacy}) than the target (${meta.privacy}); set "squash": true`,
            ),
          ],
        });
      }
      const base = await this.graph.mergeBase(meta.head, input.source.head);
      const unchanged: MergeResult = { commit: meta.head, parents: [], base, merged: false, changed: 0, resolved: [] };
      if (base === input.source.head) return unchanged;
      const [ours, theirs, baseCommit] = await Promise.all([
        this.graph.get(meta.head),
        this.graph.get(input.source.head),
        base ? this.graph.get(base) : null,
      ]);
      const reader = new ObjectReader(this.objects);
      const baseTree = baseCommit?.tree ?? EMPTY_ROOT;
      if (!baseCommit) buildTree(reader, []); // stage the empty tree for unrelated histories
      const [ourDiff, theirDiff] = await Promise.all([
        diffTrees(reader, baseTree, ours!.tree),
        diffTrees(reader, baseTree, theirs!.tree),
      ]);
      const loadValues = async (hashes: string[]) =>
        new Map(await Promise.all(hashes.map(async (hash) => [hash, await reader.load(hash)] as const)));
      const merged = await mergeEntities(ourDiff, theirDiff, loadValues, input.strategy);
      if (input.strategy === "three-way" && merged.conflicts.length) {
        throw new DomainError("merge-conflict", {
          detail: `${merged.conflicts.length} conflicting change(s); nothing was merged. Resolve them, or merge with strategy "ours" or "theirs"`,
          conflicts: merged.conflicts,
        });
      }
      for (const [hash, value] of merged.newValues) reader.stage(hash, value);
      const tree = await applyChanges(reader, ours!.tree, merged.changes);
      if (input.squash && tree === ours!.tree) return unchanged; // a squash commit that changes nothing links nothing either
      // A squash commit is as readable as this world line: its default message does not name the
      // source, whose existence may be hidden from this world line's readers.
      const parents = input.squash ? [meta.head] : [meta.head, input.source.head];
      const message = input.message ?? (input.squash ? "squash merge" : `merge ${input.source.id}`);
      // The lineage edge links the two nodes, not their histories; /multiverse shows it only to
      // those who may see both ends (Catalog.graph), so a hidden source stays hidden.
      const result = await this.record(
        meta,
        reader,
        tree,
        parents,
        { author: input.author, message },
        "merge",
        (commit) => ({
          edges: [{ fromId: input.source.id, toId: meta.id, kind: "merge", commit, at: Date.now() }],
        }),
      );
      this.ctx.waitUntil(
        emitEvent(this.env, {
          type: "worldline.merged",
          worldline: meta.id,
          data: {
            source: input.source.id,
            commit: result.commit,
            base,
            changed: merged.changes.length,
            resolved: input.strategy === "three-way" ? 0 : merged.conflicts.length,
          },
        }),
      );
      return {
        commit: result.commit,
        parents: result.parents,
        base,
        merged: true,
        changed: merged.changes.length,
        resolved: input.strategy === "three-way" ? [] : merged.conflicts,
      };
    });
  }

  // ---- grafts (seed 003, src/spores/grafts.ts) ----------------------------------------------

  /**
   * Installs a graft: one commit applying its template (an RFC 7396 merge patch), planned on the
   * head inside this write queue, so the revert patch is computed from exactly the state the
   * template was applied to. Once per graft id: the result is stored with the commit, and a second
   * call (a retry, or a claimant that took over a stale claim) gets it back and applies nothing.
   */
  applyGraft(input: { graftId: string; template: JsonObject } & Authorship): Promise<Outcome<GraftInstall>> {
    return this.serially(async () => {
      const key = `graft-install:${input.graftId}`;
      const done = await this.ctx.storage.get<GraftInstall>(key);
      if (done) return done;
      const meta = await this.writable();
      const { tree } = await this.resolve(meta, "head");
      const reader = new ObjectReader(this.objects);
      const load = (ids: string[] | null) => this.loadEntities(reader, tree, ids);
      const plan = planGraft(input.template, await load(templateEntityIds(input.template)));
      const writes = await applyMergePatch(plan.patch, load);
      const install = (commit: string): GraftInstall => ({
        baseCommit: meta.head,
        installCommit: commit,
        inverse: plan.inverse,
      });
      const result = await this.commitWrites(meta, reader, tree, writes, input, "graft", (commit) => ({
        records: { [key]: install(commit) },
      }));
      if (result.commit === meta.head) await this.ctx.storage.put(key, install(meta.head)); // the template changed nothing: no commit, still once
      return install(result.commit);
    });
  }

  /** Uninstalls a graft with its revert patch: one commit, once per graft id like applyGraft. */
  revertGraft(
    input: { graftId: string; inverse: JsonPatchOperation[] } & Authorship,
  ): Promise<Outcome<{ commit: string }>> {
    return this.serially(async () => {
      const key = `graft-revert:${input.graftId}`;
      const done = await this.ctx.storage.get<{ commit: string }>(key);
      if (done) return done;
      const meta = await this.writable();
      const { tree } = await this.resolve(meta, "head");
      const reader = new ObjectReader(this.objects);
      const writes = await applyJsonPatch(input.inverse, (ids) => this.loadEntities(reader, tree, ids));
      const result = await this.commitWrites(meta, reader, tree, writes, input, "revert graft", (commit) => ({
        records: { [key]: { commit } },
      }));
      if (result.commit === meta.head) await this.ctx.storage.put(key, { commit: meta.head });
      return { commit: result.commit };
    });
  }

  // ---- the arbiter's view ---------------------------------------------------------------

  /** The arbiter's QUARANTINE: every write answers 423 until an operator releases the world line. Idempotent. */
  quarantine(reason: string, threat: number, beat: number): Promise<Outcome<WorldLineView>> {
    return this.serially(async () => {
      const meta = await this.load();
      if (!meta) throw notFound("world line");
      if (meta.status !== "active") return view(meta); // already quarantined, or terminated: nothing to lock
      const next = { ...meta, status: "quarantined" as const, updatedAt: Date.now() };
      await this.persist(next);
      this.ctx.waitUntil(
        emitEvent(this.env, { type: "worldline.quarantined", worldline: meta.id, data: { threat, reason, beat } }),
      );
      return view(next);
    });
  }

  release(): Promise<Outcome<WorldLineView>> {
    return this.serially(async () => {
      const meta = await this.load();
      if (!meta) throw notFound("world line");
      if (meta.status !== "quarantined")
        throw new DomainError("not-quarantined", `world line ${meta.id} is ${meta.status}, not quarantined`);
      const next = { ...meta, status: "active" as const, updatedAt: Date.now() };
      await this.persist(next);
      return view(next);
    });
  }

  // ---- the ledger's view ----------------------------------------------------------------

  /** The commit (and its state root) a proposal would make green; `at` defaults to the head. */
  proposable(
    at?: string,
  ): Promise<
    Outcome<{ commit: string; tree: string; status: WorldLineMeta["status"]; privacy: WorldLineMeta["privacy"] }>
  > {
    return capture(async () => {
      const meta = await this.visible({ isOperator: true });
      if (meta.status === "terminated")
        throw new DomainError(
          "target-worldline-terminated",
          `world line ${meta.id} is terminated; nothing on it can be promoted`,
        );
      const { commit, tree } = await this.resolve(meta, at);
      return { commit, tree, status: meta.status, privacy: meta.privacy };
    });
  }

  /** Is a proposal for `commit` still meaningful? Asked by the Ledger before each approval. */
  async checkCommit(commit: string): Promise<WorldLineCheck> {
    const meta = await this.load();
    if (!meta) return { status: "missing", inHistory: false };
    return { status: meta.status, inHistory: await this.graph.isAncestor(commit, meta.head) };
  }

  /**
   * Called by the Ledger's outbox once a promote or rollback entry is appended: the entry is the
   * authority. Idempotent per ledger index: an index at or below the last one applied changes
   * nothing (a late retry cannot undo a newer decision), and the index is stored in the same
   * write as the record. Green only ever names a stored commit (as the head does): a commit the
   * commit graph cannot produce is an error, and the Ledger's outbox keeps the decision until an
   * answer is ok.
   */
  setGreen(commit: string, ledgerIndex: number): Promise<Outcome<WorldLineView>> {
    return this.serially(async () => {
      const meta = await this.load();
      if (!meta) throw notFound("world line");
      const applied = (await this.ctx.storage.get<number>(GREEN_INDEX_KEY)) ?? -1;
      if (ledgerIndex <= applied) return view(meta);
      if (!(await this.graph.get(commit)))
        throw new DomainError("unknown-commit", `commit ${commit} is not stored; green cannot name it`);
      const next = { ...meta, green: commit, updatedAt: Date.now() };
      await this.persist(next, { records: { [GREEN_INDEX_KEY]: ledgerIndex } });
      return view(next);
    });
  }

  // ---- internals -------------------------------------------------------------------------

  private async commitWrites(
    meta: WorldLineMeta,
    reader: ObjectReader,
    tree: string,
    writes: EntityWrites,
    authorship: Authorship,
    defaultMessage: string,
    alongside?: (commit: string) => Alongside,
  ): Promise<CommitResult> {
    const changes: EntityChange[] = [];
    for (const [id, value] of writes)
      changes.push({ id, valueHash: value === null ? null : this.stageValue(reader, value) });
    const next = await applyChanges(reader, tree, changes);
    if (next === tree) return { commit: meta.head, root: tree, parents: [], changed: 0 };
    const result = await this.record(meta, reader, next, [meta.head], authorship, defaultMessage, alongside);
    return { ...result, changed: changes.length };
  }

  /** Stores the staged objects and the commit, then moves the head: the head never names anything unstored. */
  private async record(
    meta: WorldLineMeta,
    reader: ObjectReader,
    tree: string,
    parents: string[],
    authorship: Authorship,
    defaultMessage: string,
    alongside?: (commit: string) => Alongside,
  ) {
    const commit = makeCommit({
      tree,
      parents,
      author: authorship.author ?? "operator",
      message: authorship.message ?? defaultMessage,
      time: Date.now(),
    });
    await this.objects.putMany(reader.staged);
    await this.graph.insert(commit, meta.id);
    await this.persist({ ...meta, head: commit.id, updatedAt: commit.time }, alongside?.(commit.id));
    return { commit: commit.id, root: tree, parents, changed: 0 };
  }

  private stageValue(reader: ObjectReader, value: Json): string {
    const hash = hashJson(value);
    reader.stage(hash, value);
    return hash;
  }

  private async loadEntities(reader: ObjectReader, tree: string, ids: string[] | null): Promise<Map<string, Json>> {
    const pairs: Array<[string, string | null]> =
      ids === null
        ? await listEntries(reader, tree)
        : await Promise.all(ids.map(async (id) => [id, await findEntity(reader, tree, id)] as [string, string | null]));
    const present = pairs.filter((pair): pair is [string, string] => pair[1] !== null);
    const values = await reader.loadMany(present.map(([, hash]) => hash));
    return new Map(present.map(([id], i) => [id, values[i]!]));
  }

  /** `head`, `green`, or a commit hash in this world line's history. */
  private async resolve(meta: WorldLineMeta, at: string | undefined): Promise<{ commit: string; tree: string }> {
    let commit = meta.head;
    if (at === "green") {
      if (meta.green === null)
        throw new DomainError("no-green-commit", `world line ${meta.id} has no green (promoted) commit yet`);
      commit = meta.green;
    } else if (at !== undefined && at !== "head" && at !== meta.head) {
      if (!(await this.graph.isAncestor(at, meta.head)))
        throw new DomainError("unknown-commit", `commit ${at} is not in the history of world line ${meta.id}`);
      commit = at;
    }
    const stored = await this.graph.get(commit);
    if (!stored) throw new DomainError("unknown-commit", `commit ${commit} is not stored`);
    return { commit, tree: stored.tree };
  }

  private async load(): Promise<WorldLineMeta | null> {
    if (this.meta === undefined) this.meta = (await this.ctx.storage.get<WorldLineMeta>("meta")) ?? null;
    return this.meta;
  }

  private async visible(viewer: Viewer): Promise<WorldLineMeta> {
    const meta = await this.load();
    if (!meta || (!viewer.isOperator && !isPublic(meta.privacy))) throw notFound("world line");
    return meta;
  }

  private async writable(): Promise<WorldLineMeta> {
    const meta = await this.load();
    if (!meta) throw notFound("world line");
    if (meta.status === "terminated")
      throw new DomainError(
        "worldline-terminated",
        `world line ${meta.id} is terminated: its history stays readable but it takes no more writes`,
      );
    if (meta.status === "quarantined")
      throw new DomainError(
        "worldline-quarantined",
        `world line ${meta.id} is quarantined by the arbiter; release it before writing`,
      );
    return meta;
  }

  /**
   * The new meta, `alongside`'s records and the catalog outbox in one storage write, then D1. A D1
   * failure does not fail the write (this object is the truth): the outbox keeps it for the alarm
   * and the next write.
   */
  private async persist(meta: WorldLineMeta, alongside: Alongside = {}): Promise<void> {
    await this.outbox.record({ ...alongside.records, meta }, alongside.edges ?? []);
    this.meta = meta;
    await this.outbox.flush(meta);
  }

  /** The catalog outbox's retry (src/adapter/catalog-outbox.ts), in the write queue so it never interleaves a write. */
  override async alarm(): Promise<void> {
    await this.serially(async () => {
      const meta = await this.load();
      if (meta) await this.outbox.flush(meta);
    });
  }

  /** Writes run one at a time: awaiting D1 opens the input gate, and two patches must not both build on one head. */
  private serially<T>(work: () => Promise<T>): Promise<Outcome<T>> {
    return this.writes.run(() => capture(work));
  }
}

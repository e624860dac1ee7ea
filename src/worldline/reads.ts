// What a reader sees of a world line it may read (core/privacy.ts canRead): the world line, a page
// of its state, one entity, a page of history, a page of a diff. Every read is bounded by its page,
// not by the size of the state or of the history.
import { nextFrontier } from "../core/commit.js";
import { ObjectReader } from "../core/object-store.js";
import type { Viewer } from "../core/privacy.js";
import { DomainError, invalidCursor } from "../core/problem.js";
import { pageDiff, pageState } from "../core/state-page.js";
import { findEntity, type KeyCursor } from "../core/state-tree.js";
import { worldLineView as view } from "../core/worldline.js";
import type { z } from "zod";
import type { Commit, Diff, EntityRead, State, WorldLine as WorldLineView } from "../schemas/worldline.js";
import { resolveCommit } from "./commits.js";
import type { WorldLineRecord } from "./record.js";

export interface KeyPage {
  cursor: KeyCursor;
  limit: number;
}

export async function info(line: WorldLineRecord, viewer: Viewer): Promise<WorldLineView> {
  return view(await line.visible(viewer));
}

/** One page of the state in key order (core/state-page.ts): bounded by the page, not by the state. */
export async function state(
  line: WorldLineRecord,
  viewer: Viewer,
  at: string | undefined,
  page: KeyPage,
): Promise<z.infer<typeof State>> {
  const { commit, tree } = await resolveCommit(line, await line.visible(viewer), at);
  const { count, entities, next } = await pageState(new ObjectReader(line.objects), tree, page.cursor, page.limit);
  return { commit, root: tree, count, entities: Object.fromEntries(entities), next }; // fromEntries: own properties, whatever the id
}

export async function entity(
  line: WorldLineRecord,
  viewer: Viewer,
  id: string,
  at?: string,
): Promise<z.infer<typeof EntityRead>> {
  const { commit, tree } = await resolveCommit(line, await line.visible(viewer), at);
  const reader = new ObjectReader(line.objects);
  const hash = await findEntity(reader, tree, id);
  if (hash === null) throw new DomainError("unknown-entity", `entity "${id}" does not exist at commit ${commit}`);
  return { commit, id, value: await reader.load(hash) };
}

/**
 * One page of history, newest generation first, walked from where the last page stopped (its
 * frontier, named by the cursor: stores/history-cursors.ts), never from the head again.
 */
export async function history(
  line: WorldLineRecord,
  viewer: Viewer,
  cursor: string | undefined,
  limit: number,
): Promise<{ items: Commit[]; next: string | null }> {
  const meta = await line.visible(viewer);
  const frontier = cursor === undefined ? [meta.head] : line.historyCursors.frontier(cursor);
  if (!frontier)
    throw invalidCursor(
      "the cursor was not issued for this world line, or it expired (a day after it was issued); start again without it",
    );
  const page = await line.graph.historyPage(frontier, limit);
  const rest = nextFrontier(frontier, page);
  return {
    items: page.map(({ generation: _, ...commit }) => commit),
    next: rest.length ? line.historyCursors.issue(rest) : null,
  };
}

/** One page of the entity-level changes, in key order, descending only where the trees differ. */
export async function diff(
  line: WorldLineRecord,
  viewer: Viewer,
  from: string,
  to: string,
  page: KeyPage,
): Promise<z.infer<typeof Diff>> {
  const meta = await line.visible(viewer);
  const [a, b] = await Promise.all([resolveCommit(line, meta, from), resolveCommit(line, meta, to)]);
  const { changes, next } = await pageDiff(new ObjectReader(line.objects), a.tree, b.tree, page.cursor, page.limit);
  return { from: a.commit, to: b.commit, changes, next };
}

// Merging another world line into this one: a three-way merge from their merge base at entity
// granularity, and within an entity at JSON Pointer granularity (core/worldline-merge.ts), recorded
// as one commit. What may be merged, how conflicts are settled and what the commit links are the
// rules of core/worldline-merge.ts; this file reads the trees, applies the merge and records it.
import { ObjectReader } from "../core/object-store.js";
import { applyChanges, buildTree, diffTrees, EMPTY_ROOT } from "../core/state-tree.js";
import {
  checkMergeConflicts,
  checkMergeSource,
  mergeCommitOf,
  mergeEntities,
  resolvedConflicts,
  type MergeStrategy,
} from "../core/worldline-merge.js";
import type { MergeResult, WorldLine as WorldLineView } from "../schemas/worldline.js";
import { recordCommit, type Authorship } from "./commits.js";
import type { WorldLineRecord } from "./record.js";

export type MergeInput = { source: WorldLineView; strategy: MergeStrategy; squash: boolean } & Authorship;

/**
 * Merges `source` into this world line. A plain merge links the source's history (its head is the
 * merge commit's second parent), so every source commit becomes readable through this world line's
 * /commits and ?at=: a source stricter than this world line is refused unless `squash` records the
 * merged state as one commit whose only parent is our head (issue 12: private stays private).
 */
export async function merge(line: WorldLineRecord, input: MergeInput): Promise<MergeResult> {
  const meta = await line.writable();
  checkMergeSource(meta, input.source, input.squash);
  const base = await line.graph.mergeBase(meta.head, input.source.head);
  const unchanged: MergeResult = { commit: meta.head, parents: [], base, merged: false, changed: 0, resolved: [] };
  if (base === input.source.head) return unchanged;
  const [ours, theirs, baseCommit] = await Promise.all([
    line.graph.get(meta.head),
    line.graph.get(input.source.head),
    base ? line.graph.get(base) : null,
  ]);
  const reader = new ObjectReader(line.objects);
  const baseTree = baseCommit?.tree ?? EMPTY_ROOT;
  if (!baseCommit) buildTree(reader, []); // stage the empty tree for unrelated histories
  const [ourDiff, theirDiff] = await Promise.all([
    diffTrees(reader, baseTree, ours!.tree),
    diffTrees(reader, baseTree, theirs!.tree),
  ]);
  const loadValues = async (hashes: string[]) =>
    new Map(await Promise.all(hashes.map(async (hash) => [hash, await reader.load(hash)] as const)));
  const merged = await mergeEntities(ourDiff, theirDiff, loadValues, input.strategy);
  checkMergeConflicts(input.strategy, merged.conflicts);
  for (const [hash, value] of merged.newValues) reader.stage(hash, value);
  const tree = await applyChanges(reader, ours!.tree, merged.changes);
  if (input.squash && tree === ours!.tree) return unchanged; // a squash commit that changes nothing links nothing either
  const { parents, message } = mergeCommitOf({
    head: meta.head,
    source: input.source,
    squash: input.squash,
    message: input.message,
  });
  // The lineage edge links the two nodes, not their histories; /multiverse shows it only to
  // those who may see both ends (Catalog.graph), so a hidden source stays hidden.
  const result = await recordCommit(
    line,
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
  const resolved = resolvedConflicts(input.strategy, merged.conflicts);
  line.emit({
    type: "worldline.merged",
    worldline: meta.id,
    data: {
      source: input.source.id,
      commit: result.commit,
      base,
      changed: merged.changes.length,
      resolved: resolved.length,
    },
  });
  return {
    commit: result.commit,
    parents: result.parents,
    base,
    merged: true,
    changed: merged.changes.length,
    resolved,
  };
}

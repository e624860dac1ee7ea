// How a world line's state becomes a commit, and how a commit is found again (DESIGN: state model).
// Values are staged in an ObjectReader, the state tree (core/state-tree.ts) is rewritten along the
// changed paths, and only then are the staged objects stored, the commit inserted in the graph and
// the head moved: the head never names anything unstored.
import type { Json } from "../core/canonical-json.js";
import { makeCommit } from "../core/commit.js";
import type { EntityWrites } from "../core/entity-patch.js";
import { hashJson } from "../core/hash.js";
import type { ObjectReader } from "../core/object-store.js";
import { DomainError } from "../core/problem.js";
import { applyChanges, findEntity, listEntries, type EntityChange } from "../core/state-tree.js";
import type { WorldLineMeta } from "../core/worldline.js";
import type { CommitResult } from "../schemas/worldline.js";
import type { Alongside, WorldLineRecord } from "./record.js";

/** Who wrote a commit and why; each write has its default message, the author defaults to the operator. */
export interface Authorship {
  author?: string;
  message?: string;
}

/** `head`, `green`, or a commit hash in this world line's history. */
export async function resolveCommit(
  line: WorldLineRecord,
  meta: WorldLineMeta,
  at: string | undefined,
): Promise<{ commit: string; tree: string }> {
  let commit = meta.head;
  if (at === "green") {
    if (meta.green === null)
      throw new DomainError("no-green-commit", `world line ${meta.id} has no green (promoted) commit yet`);
    commit = meta.green;
  } else if (at !== undefined && at !== "head" && at !== meta.head) {
    if (!(await line.graph.isAncestor(at, meta.head)))
      throw new DomainError("unknown-commit", `commit ${at} is not in the history of world line ${meta.id}`);
    commit = at;
  }
  const stored = await line.graph.get(commit);
  if (!stored) throw new DomainError("unknown-commit", `commit ${commit} is not stored`);
  return { commit, tree: stored.tree };
}

/** Stages a value under its hash for the next commit. */
export function stageValue(reader: ObjectReader, value: Json): string {
  const hash = hashJson(value);
  reader.stage(hash, value);
  return hash;
}

/** The values of `ids` (every entity when null) in `tree`; absent ones are left out. */
export async function loadEntities(
  reader: ObjectReader,
  tree: string,
  ids: string[] | null,
): Promise<Map<string, Json>> {
  const pairs: Array<[string, string | null]> =
    ids === null
      ? await listEntries(reader, tree)
      : await Promise.all(ids.map(async (id) => [id, await findEntity(reader, tree, id)] as [string, string | null]));
  const present = pairs.filter((pair): pair is [string, string] => pair[1] !== null);
  const values = await reader.loadMany(present.map(([, hash]) => hash));
  return new Map(present.map(([id], i) => [id, values[i]!]));
}

/** Commits `writes` on the head; writes that change nothing make no commit (the head is answered back). */
export async function commitWrites(
  line: WorldLineRecord,
  meta: WorldLineMeta,
  reader: ObjectReader,
  tree: string,
  writes: EntityWrites,
  authorship: Authorship,
  defaultMessage: string,
  alongside?: (commit: string) => Alongside,
): Promise<CommitResult> {
  const changes: EntityChange[] = [];
  for (const [id, value] of writes) changes.push({ id, valueHash: value === null ? null : stageValue(reader, value) });
  const next = await applyChanges(reader, tree, changes);
  if (next === tree) return { commit: meta.head, root: tree, parents: [], changed: 0 };
  const result = await recordCommit(line, meta, reader, next, [meta.head], authorship, defaultMessage, alongside);
  return { ...result, changed: changes.length };
}

/** Stores the staged objects and the commit, then moves the head: the head never names anything unstored. */
export async function recordCommit(
  line: WorldLineRecord,
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
  await line.objects.putMany(reader.staged);
  await line.graph.insert(commit, meta.id);
  await line.persist({ ...meta, head: commit.id, updatedAt: commit.time }, alongside?.(commit.id));
  return { commit: commit.id, root: tree, parents, changed: 0 };
}

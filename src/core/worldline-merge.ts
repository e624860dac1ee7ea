// Three-way merge of world-line states (DESIGN: state model). Entities changed on one side only
// are taken by hash, without reading their values; an entity changed on both sides is merged
// field by field (JSON Pointer granularity) where both are objects, and anything else changed
// differently on both sides is a conflict {path, base, ours, theirs}. Absent values are left out.
import { canonicalJson, isJsonObject, type Json, type JsonObject } from "./canonical-json.js";
import { hashJson } from "./hash.js";
import { FORBIDDEN_KEY, forbiddenKey, ownValue } from "./forbidden-keys.js";
import { escapeToken, joinPointer } from "./json-pointer.js";
import { checkMergePrivacy } from "./privacy.js";
import { DomainError } from "./problem.js";
import type { EntityChange } from "./state-tree.js";
import type { z } from "zod";
import type {
  Conflict as ConflictSchema,
  MergeStrategy as MergeStrategySchema,
  Privacy,
} from "../schemas/worldline.js";

export type MergeStrategy = z.infer<typeof MergeStrategySchema>;
/** `{path, base, ours, theirs}`: a field changed differently on both sides; a side left out is absent. */
export type Conflict = z.infer<typeof ConflictSchema>;

export interface ValueMerge {
  value: Json | undefined;
  conflicts: Conflict[];
}

const same = (a: Json | undefined, b: Json | undefined) =>
  a === undefined || b === undefined ? a === b : canonicalJson(a) === canonicalJson(b);

/** Merges one JSON value at `path`; on a conflict `ours`/`theirs` pick that side, `three-way` keeps ours and reports it. */
export function mergeValue(
  path: string,
  base: Json | undefined,
  ours: Json | undefined,
  theirs: Json | undefined,
  strategy: MergeStrategy,
): ValueMerge {
  if (same(ours, theirs)) return { value: ours, conflicts: [] };
  if (same(ours, base)) return { value: theirs, conflicts: [] };
  if (same(theirs, base)) return { value: ours, conflicts: [] };
  if (isJsonObject(ours) && isJsonObject(theirs) && (base === undefined || isJsonObject(base))) {
    const baseObject: JsonObject = base ?? {};
    const merged: JsonObject = {};
    const conflicts: Conflict[] = [];
    for (const key of new Set([...Object.keys(ours), ...Object.keys(theirs), ...Object.keys(baseObject)])) {
      // Stored before `__proto__` was refused on the way in: merging it would drop it silently.
      if (key === FORBIDDEN_KEY) throw forbiddenKey(joinPointer(path, key), "state");
      // Own values only: a side without `constructor` must not read Object.prototype.constructor.
      const field = mergeValue(
        joinPointer(path, key),
        ownValue(baseObject, key),
        ownValue(ours, key),
        ownValue(theirs, key),
        strategy,
      );
      conflicts.push(...field.conflicts);
      if (field.value !== undefined) merged[key] = field.value;
    }
    return { value: merged, conflicts };
  }
  const conflict: Conflict = { path, base, ours, theirs };
  return { value: strategy === "theirs" ? theirs : ours, conflicts: [conflict] };
}

/** Entity id → [before, after] value hashes, as produced by diffTrees. */
export type TreeDiff = Map<string, [string | null, string | null]>;

export interface EntityMerge {
  /** Changes to apply to our tree to obtain the merged tree. */
  changes: EntityChange[];
  /** Values created by field-level merges, keyed by hash, to be stored with the commit. */
  newValues: Map<string, Json>;
  conflicts: Conflict[];
}

/**
 * Merges their changes into ours, given both sides' diffs from the common ancestor.
 * `loadValues` is only called for entities both sides changed differently.
 */
export async function mergeEntities(
  ours: TreeDiff,
  theirs: TreeDiff,
  loadValues: (hashes: string[]) => Promise<Map<string, Json>>,
  strategy: MergeStrategy,
): Promise<EntityMerge> {
  const changes: EntityChange[] = [];
  const both: Array<[string, string | null, string | null, string | null]> = [];
  for (const [id, [baseHash, theirHash]] of theirs) {
    const ourHash = ours.has(id) ? ours.get(id)![1] : baseHash;
    if (ourHash === theirHash) continue;
    if (ourHash === baseHash) changes.push({ id, valueHash: theirHash });
    else both.push([id, baseHash, ourHash, theirHash]);
  }
  const newValues = new Map<string, Json>();
  const conflicts: Conflict[] = [];
  if (both.length === 0) return { changes, newValues, conflicts };

  const needed = new Set<string>();
  for (const [, ...hashes] of both) for (const hash of hashes) if (hash !== null) needed.add(hash);
  const values = await loadValues([...needed]);
  const valueOf = (hash: string | null) => (hash === null ? undefined : values.get(hash));
  for (const [id, baseHash, ourHash, theirHash] of both.sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const merged = mergeValue(`/${escapeToken(id)}`, valueOf(baseHash), valueOf(ourHash), valueOf(theirHash), strategy);
    conflicts.push(...merged.conflicts);
    if (merged.value === undefined) {
      changes.push({ id, valueHash: null });
    } else {
      const hash = hashJson(merged.value);
      newValues.set(hash, merged.value);
      if (hash !== ourHash) changes.push({ id, valueHash: hash });
    }
  }
  return { changes, newValues, conflicts };
}

/** What the merge rules need to know of the world line merged into (target) and the one merged (source). */
interface MergeSide {
  id: string;
  privacy: Privacy;
}

/**
 * A merge's preconditions, checked before anything is read or written: a world line is not merged
 * into itself, and a source stricter than the target only as a squash (core/privacy.ts
 * checkMergePrivacy: a plain merge would make the source's history readable through the target).
 */
export function checkMergeSource(target: MergeSide, source: MergeSide, squash: boolean): void {
  if (source.id === target.id) throw new DomainError("merge-into-self", "a world line cannot be merged into itself");
  checkMergePrivacy(source, target, squash);
}

/** A three-way merge with conflicts merges nothing and lists them (409); `ours` / `theirs` settle them. */
export function checkMergeConflicts(strategy: MergeStrategy, conflicts: readonly Conflict[]): void {
  if (strategy === "three-way" && conflicts.length) {
    throw new DomainError("merge-conflict", {
      detail: `${conflicts.length} conflicting change(s); nothing was merged. Resolve them, or merge with strategy "ours" or "theirs"`,
      conflicts,
    });
  }
}

/** The conflicts a merge settled by its strategy (a three-way merge that succeeded had none). */
export function resolvedConflicts(strategy: MergeStrategy, conflicts: Conflict[]): Conflict[] {
  return strategy === "three-way" ? [] : conflicts;
}

/**
 * The merge commit's parents and message. A plain merge has the source's head as second parent; a
 * squash commit's only parent is the target's head, and it is as readable as the target, so its
 * default message does not name the source, whose existence may be hidden from the target's readers.
 */
export function mergeCommitOf(input: {
  head: string;
  source: { id: string; head: string };
  squash: boolean;
  message?: string;
}): { parents: string[]; message: string } {
  return {
    parents: input.squash ? [input.head] : [input.head, input.source.head],
    message: input.message ?? (input.squash ? "squash merge" : `merge ${input.source.id}`),
  };
}

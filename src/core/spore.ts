// Spores and grafts (seed 003, Spore Engine → Graft Engine), the pure part: a spore's template is
// an RFC 7396 merge patch of a world line's entities; installing it is one commit, and the
// install is reverted by an RFC 6902 patch computed here from the entities as they were. The
// revert `test`s every entity it touches against what the install wrote, so a revert after
// someone else changed one of them fails as a whole and changes nothing.
import { escapeToken } from "./json-pointer.js";
import { mergePatch } from "./merge-patch.js";
import type { Json, JsonObject } from "./canonical-json.js";
import type { JsonPatchOperation } from "./entity-patch.js";

export const MAX_TEMPLATE_ENTITIES = 256;

export interface GraftPlan {
  /** The merge patch the install commits (the template itself). */
  patch: JsonObject;
  /** Each touched entity after the install. */
  after: Map<string, Json>;
  /** The RFC 6902 patch that puts every touched entity back as it was. */
  inverse: JsonPatchOperation[];
}

/** What installing a graft did: the commit it was planned on, the install commit and the revert patch. */
export interface GraftInstall {
  baseCommit: string;
  installCommit: string;
  inverse: JsonPatchOperation[];
}

/**
 * Plans installing `template` over the entities it touches, as read at one commit (`before`: the
 * current value of each template entity that exists). Entities are handled in id order so the
 * inverse is deterministic.
 */
export function planGraft(template: JsonObject, before: ReadonlyMap<string, Json>): GraftPlan {
  const after = new Map<string, Json>();
  const inverse: JsonPatchOperation[] = [];
  for (const id of Object.keys(template).sort()) {
    const value = mergePatch(before.get(id), template[id]!);
    after.set(id, value);
    const path = `/${escapeToken(id)}`;
    inverse.push({ op: "test", path, value });
    inverse.push(before.has(id) ? { op: "replace", path, value: before.get(id)! } : { op: "remove", path });
  }
  return { patch: template, after, inverse };
}

/** The entity ids an install touches. */
export const templateEntityIds = (template: JsonObject) => Object.keys(template).sort();

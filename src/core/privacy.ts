// Seed-004 privacy levels, most to least strict. Only the two public levels are visible without
// the operator token; a fork may keep its parent's level or pick a stricter one, and a merge may
// link a source's history into a target only if the source is no stricter than the target.
import type { Privacy } from "../schemas/worldline.js";
import { atBody } from "./field-error.js";
import { DomainError } from "./problem.js";

/** The levels in order; the zod enum is built from this list, so the dashboard has it without zod. */
export const PRIVACY_LEVELS = ["private", "private-network", "p2p", "public-network", "full-public"] as const;

const rank = (level: Privacy) => PRIVACY_LEVELS.indexOf(level);

export const PUBLIC_LEVELS: readonly Privacy[] = ["public-network", "full-public"];

/** Who reads: the operator sees every level, anyone else only the public ones. */
export interface Viewer {
  isOperator: boolean;
}

export function isPublic(level: Privacy): boolean {
  return PUBLIC_LEVELS.includes(level);
}

/** Whether `viewer` may read something at `level`; what it may not read answers as if it did not exist (404). */
export function canRead(viewer: Viewer, level: Privacy): boolean {
  return viewer.isOperator || isPublic(level);
}

export function isAtLeastAsStrict(level: Privacy, than: Privacy): boolean {
  return rank(level) <= rank(than);
}

export function isStricter(level: Privacy, than: Privacy): boolean {
  return rank(level) < rank(than);
}

/**
 * A fork's level: the one asked for, or its parent's. Looser than the parent would let a fork
 * publish what its parent hides, so it is refused (422, nothing created).
 */
export function forkPrivacy(requested: Privacy | undefined, parent: Privacy): Privacy {
  const privacy = requested ?? parent;
  if (!isAtLeastAsStrict(privacy, parent))
    throw new DomainError("privacy-looser-than-parent", {
      detail: `a fork of a ${parent} world line cannot be ${privacy}; pick ${parent} or stricter`,
      errors: [{ path: "/privacy", message: "looser than the parent's level" }],
    });
  return privacy;
}

/**
 * A merge commit has two parents, so it makes the source's history readable through the target:
 * a source stricter than the target may only be squash-merged (one commit, no source history;
 * issue 12 "private stays private"). Refused with 422 and nothing merged otherwise.
 */
export function checkMergePrivacy(
  source: { id: string; privacy: Privacy },
  target: { privacy: Privacy },
  squash: boolean,
): void {
  if (squash || !isStricter(source.privacy, target.privacy)) return;
  throw new DomainError("privacy-stricter-source", {
    detail: `world line ${source.id} is ${source.privacy}, stricter than this ${target.privacy} one: merging it would make its history readable here. Nothing was merged; merge with "squash": true to record only the merged state, as one commit without the source's history`,
    errors: [atBody("/source", `stricter (${source.privacy}) than the target (${target.privacy}); set "squash": true`)],
  });
}

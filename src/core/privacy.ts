// Seed-004 privacy levels, most to least strict. Only the two public levels are visible without
// the operator token; a fork may keep its parent's level or pick a stricter one, and a merge may
// link a source's history into a target only if the source is no stricter than the target.
import type { Privacy } from "../schemas/worldline.js";

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

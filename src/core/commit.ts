// A commit names a state tree and its parents; its id is the SHA3-256 of its canonical JSON, so
// history is content-addressed like the state itself (git-style).
import type { Commit } from "../schemas/worldline.js";
import { hashJson } from "./hash.js";

/** A commit as the API shows it: `id` is the hash of the rest, its body. */
export type CommitRecord = Commit;
export type CommitBody = Omit<Commit, "id">;

export function makeCommit(body: CommitBody): CommitRecord {
  return { id: hashJson(body), ...body };
}

/**
 * History pages (newest generation first) as a walk of the commit DAG: after listing `page`, what
 * remains is exactly the ancestry of the frontier this returns — the frontier that page was taken
 * from, plus the parents of what it listed, minus what it listed. A parent always has a lower
 * generation than its child, so nothing in the new frontier was listed before. Empty: history ends.
 */
export function nextFrontier(
  frontier: readonly string[],
  page: ReadonlyArray<Pick<CommitRecord, "id" | "parents">>,
): string[] {
  const listed = new Set(page.map((commit) => commit.id));
  const next = new Set(frontier);
  for (const commit of page) for (const parent of commit.parents) next.add(parent);
  return [...next].filter((id) => !listed.has(id));
}

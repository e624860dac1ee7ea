// Pages of a world line's state and of a diff, bounded twice: at most `limit` entities (or changes)
// and about MAX_PAGE_CHARS of JSON, whichever comes first, so one read costs O(page) whatever the
// size of the state (an entity may be 1 MiB: 500 of them would not fit a Worker's memory). The
// cursor is the entity key of the last item (state-tree.ts: the trie's own order), 64 hex.
import type { z } from "zod";
import type { EntityDiff } from "../schemas/worldline.js";
import type { Json } from "./canonical-json.js";
import type { ObjectReader } from "./object-store.js";
import { changesAfter, countEntities, entityKey, entriesAfter, type KeyCursor } from "./state-tree.js";

/** JSON characters a page may carry before it is cut short (a page always holds at least one item). */
export const MAX_PAGE_CHARS = 4 * 1024 * 1024;
/** Values are loaded this many at a time, so the budget also bounds what is held in memory. */
const LOAD_GROUP = 32;

export interface StatePage {
  /** Entities at the commit, all pages together. */
  count: number;
  entities: Array<[string, Json]>;
  next: string | null;
}

/** One change of a diff page, as `GET /diff` answers it. */
export type EntityChangeView = z.infer<typeof EntityDiff>;

export interface DiffPage {
  changes: EntityChangeView[];
  next: string | null;
}

const sizeOf = (value: unknown) => (value === undefined ? 0 : JSON.stringify(value).length);

/**
 * Turns `items` into page entries, loading their values group by group and stopping once the JSON
 * passes the budget; `cut` says it stopped before the end.
 */
async function withinBudget<T, R>(
  items: T[],
  hashesOf: (item: T) => Array<string | null>,
  reader: ObjectReader,
  build: (item: T, values: Array<Json | undefined>) => R,
  size: (row: R) => number,
  budget: number,
) {
  const rows: R[] = [];
  let chars = 0;
  for (let start = 0; start < items.length; start += LOAD_GROUP) {
    const group = items.slice(start, start + LOAD_GROUP);
    const hashes = group.map(hashesOf);
    const loaded = await reader.loadMany(hashes.flat().filter((hash): hash is string => hash !== null));
    let cursor = 0;
    for (let i = 0; i < group.length; i++) {
      const values = hashes[i]!.map((hash) => (hash === null ? undefined : loaded[cursor++]));
      const row = build(group[i]!, values);
      const rowSize = size(row);
      if (rows.length > 0 && chars + rowSize > budget) return { rows, cut: true };
      rows.push(row);
      chars += rowSize;
    }
  }
  return { rows, cut: false };
}

export async function pageState(
  reader: ObjectReader,
  root: string,
  after: KeyCursor,
  limit: number,
  budget = MAX_PAGE_CHARS,
): Promise<StatePage> {
  const [count, { entries, more }] = await Promise.all([
    countEntities(reader, root),
    entriesAfter(reader, root, after, limit),
  ]);
  const { rows, cut } = await withinBudget(
    entries,
    ([, hash]) => [hash],
    reader,
    ([id], [value]) => [id, value!] as [string, Json],
    ([id, value]) => id.length + sizeOf(value),
    budget,
  );
  const last = rows[rows.length - 1];
  return { count, entities: rows, next: (more || cut) && last ? entityKey(last[0]) : null };
}

export async function pageDiff(
  reader: ObjectReader,
  from: string,
  to: string,
  after: KeyCursor,
  limit: number,
  budget = MAX_PAGE_CHARS,
): Promise<DiffPage> {
  const { changes, more } = await changesAfter(reader, from, to, after, limit);
  const { rows, cut } = await withinBudget(
    changes,
    ([, before, afterHash]) => [before, afterHash],
    reader,
    ([id, beforeHash, afterHash], [before, afterValue]): EntityChangeView => ({
      id,
      change: beforeHash === null ? "added" : afterHash === null ? "removed" : "modified",
      ...(before !== undefined && { before }),
      ...(afterValue !== undefined && { after: afterValue }),
    }),
    (row) => row.id.length + sizeOf(row.before) + sizeOf(row.after),
    budget,
  );
  const last = rows[rows.length - 1];
  return { changes: rows, next: (more || cut) && last ? entityKey(last.id) : null };
}

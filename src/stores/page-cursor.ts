// Keyset paging for the D1 lists (world lines, events, failures, HALO cycles and traits, squads,
// tasks, spores, grafts): newest first by (time, id), the cursor is the last row's key, opaque to
// clients. And the chunking every statement with a list of values needs.
import { and, desc, eq, lt, or, type SQL } from "drizzle-orm";
import type { SQLiteColumn, SQLiteSelect } from "drizzle-orm/sqlite-core";
import { invalidCursor } from "../core/problem.js";

export const encodeCursor = (time: number, id: string) => btoa(`${time}:${id}`).replace(/=+$/, "");

export function decodeCursor(cursor: string): { time: number; id: string } | null {
  try {
    const text = atob(cursor);
    const split = text.indexOf(":");
    const time = Number(text.slice(0, split));
    const id = text.slice(split + 1);
    return split > 0 && Number.isSafeInteger(time) && id ? { time, id } : null;
  } catch {
    return null; // a cursor we did not issue: the caller answers 400
  }
}

/** A page of a list and the cursor of the next one (null on the last page). */
export interface KeysetPage<T> {
  items: T[];
  next: string | null;
}

/** The order of a list: its (time, id) columns, and the same two values read off a row. */
export interface Keyset<R> {
  time: SQLiteColumn;
  id: SQLiteColumn;
  of: (row: R) => [number, string];
}

type RowOf<Q> = Awaited<Q> extends Array<infer R> ? R : never;

/**
 * One page of `query` (`db.select().from(table).$dynamic()`) newest first in the keyset's order,
 * rows matching every filter (undefined ones left out), after the request's cursor. Reads limit + 1
 * rows to know whether a next page exists. A cursor we did not issue is a 400 `invalid-cursor`.
 */
export async function newestFirstPage<Q extends SQLiteSelect, T>(
  query: Q,
  keyset: Keyset<RowOf<Q>>,
  filters: ReadonlyArray<SQL | undefined>,
  request: { cursor?: string; limit: number },
  map: (row: RowOf<Q>) => T,
): Promise<KeysetPage<T>> {
  const after = request.cursor === undefined ? undefined : afterCursor(request.cursor, keyset.time, keyset.id);
  const rows = (await query
    .where(and(...filters, after))
    .orderBy(desc(keyset.time), desc(keyset.id))
    .limit(request.limit + 1)) as RowOf<Q>[];
  const page = rows.slice(0, request.limit);
  const last = page[page.length - 1];
  return { items: page.map(map), next: rows.length > request.limit && last ? encodeCursor(...keyset.of(last)) : null };
}

/** The WHERE clause for "after this cursor" (newest first); a cursor that is not ours is a 400. */
function afterCursor(cursor: string, time: SQLiteColumn, id: SQLiteColumn): SQL {
  const after = decodeCursor(cursor);
  if (!after) throw invalidCursor();
  return or(lt(time, after.time), and(eq(time, after.time), lt(id, after.id)))!;
}

/**
 * D1 and Durable Object SQLite bind at most 100 parameters per statement
 * (https://developers.cloudflare.com/d1/platform/limits/; workerd sets SQLITE_LIMIT_VARIABLE_NUMBER
 * to 100, so local runs refuse the 101st too: test/stores/parameter-limit.test.ts).
 */
export const MAX_BOUND_PARAMETERS = 100;

/** Splits long IN lists and multi-row inserts; the default leaves room for a statement's other parameters. */
export function chunked<T>(items: readonly T[], size = 90): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

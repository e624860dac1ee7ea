// Keyset paging for the HALO, squad and spore lists: newest first by (time, id), the cursor is the
// last row's key, opaque to clients. And the chunking every statement with a list of values needs.
import { and, eq, lt, or, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";

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

/** The WHERE clause for "after this cursor" (newest first), or null when the cursor is not ours. */
export function afterCursor(cursor: string, time: SQLiteColumn, id: SQLiteColumn): SQL | null {
  const after = decodeCursor(cursor);
  if (!after) return null;
  return or(lt(time, after.time), and(eq(time, after.time), lt(id, after.id)))!;
}

/** The page and its `next` cursor from limit + 1 rows. */
export function pageOf<R, T>(rows: R[], limit: number, map: (row: R) => T, key: (row: R) => [number, string]): { items: T[]; next: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { items: page.map(map), next: rows.length > limit && last ? encodeCursor(...key(last)) : null };
}

/**
 * D1 and Durable Object SQLite bind at most 100 parameters per statement
 * (https://developers.cloudflare.com/d1/platform/limits/; workerd sets SQLITE_LIMIT_VARIABLE_NUMBER
 * to 100, so local runs refuse the 101st too: test/adapter/parameter-limit.test.ts).
 */
export const MAX_BOUND_PARAMETERS = 100;

/** Splits long IN lists and multi-row inserts; the default leaves room for a statement's other parameters. */
export function chunked<T>(items: readonly T[], size = 90): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

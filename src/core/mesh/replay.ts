// Replay protection (mesh spec §6.5): two independent mechanisms, both as pure functions over
// plain data and a `now` in epoch milliseconds.
//   1. the message-ID cache of `/message` — an ID seen less than 300 s ago is a duplicate (409);
//   2. timestamp freshness — |now − t| ≤ 300 s (§6.4), for verified messages and peer_updates.
import { REPLAY_CACHE_PRUNE_THRESHOLD, REPLAY_WINDOW_SECONDS, TIMESTAMP_WINDOW_SECONDS } from "./limits.js";
import { parseMeshTimestampMicros } from "./timestamp.js";

/** message_id → wall-clock time (epoch ms) it was recorded. A Map, so IDs like `__proto__` are plain keys. */
export type ReplayCache = ReadonlyMap<string, number>;

const WINDOW_MS = REPLAY_WINDOW_SECONDS * 1000;

/**
 * The primitive a storage-backed cache needs: is an ID recorded at `seenAt` still a duplicate?
 * Strictly less than 300 s, as the reference compares (`now - ts < 300`): at exactly 300 s the ID
 * may be reused (§6.5).
 */
export function isReplay(seenAt: number | undefined, now: number): boolean {
  return seenAt !== undefined && now - seenAt < WINDOW_MS;
}

export interface ReplayCheck {
  isDuplicate: boolean;
  /** The cache to keep: the ID recorded at `now` unless it was a duplicate (a duplicate does not refresh its time). */
  cache: ReplayCache;
}

/**
 * Mesh spec §6.5 step 4 of §8.5: check and record in one step. The caller keeps the returned
 * cache whatever the request's later fate (413, 403, 429…): the ID is consumed now. Copies the
 * map (O(n), n ≤ ~10 000); a Durable Object backed by SQLite should use `isReplay` on one row instead.
 */
export function checkReplay(cache: ReplayCache, messageId: string, now: number): ReplayCheck {
  const pruned = cache.size > REPLAY_CACHE_PRUNE_THRESHOLD ? pruneReplayCache(cache, now) : cache;
  if (isReplay(pruned.get(messageId), now)) return { isDuplicate: true, cache: pruned };
  const next = new Map(pruned);
  next.set(messageId, now);
  return { isDuplicate: false, cache: next };
}

/** Drops IDs recorded more than 300 s ago (the reference keeps `ts >= now - 300`; exactly-300-s entries are harmless either way). */
export function pruneReplayCache(cache: ReplayCache, now: number): ReplayCache {
  const cutoff = now - WINDOW_MS;
  const kept = new Map<string, number>();
  for (const [id, seenAt] of cache) if (seenAt >= cutoff) kept.set(id, seenAt);
  return kept;
}

/** §6.5: the cache is persisted; on restart only entries younger than 300 s matter. */
export function restoreReplayCache(entries: Iterable<readonly [string, number]>, now: number): ReplayCache {
  const cache = new Map<string, number>();
  for (const [id, seenAt] of entries) if (isReplay(seenAt, now)) cache.set(id, seenAt);
  return cache;
}

/**
 * Mesh spec §6.4 freshness: `Z` → `+00:00`, parse, fresh iff |now − t| ≤ 300 s. Future
 * timestamps within the window pass (clock skew). Naive or unparseable strings are stale.
 */
export function isTimestampFresh(timestamp: string, now: number, windowSeconds = TIMESTAMP_WINDOW_SECONDS): boolean {
  const micros = parseMeshTimestampMicros(timestamp);
  if (typeof micros !== "number") return false;
  return Math.abs(Math.round(now * 1000) - micros) <= windowSeconds * 1_000_000;
}

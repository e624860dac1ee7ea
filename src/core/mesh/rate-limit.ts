// Rate limits as pure functions (mesh spec §12.2, §12.3). The reference keeps, per limit, the
// times of the requests it let through and admits a request iff fewer than `limit` of them are
// younger than 60 s. That is a sliding log: exact, O(limit) memory, which is small for every
// limit the protocol has (30, 200, 10). A fixed-window counter is provided for callers that
// must track many keys cheaply and can tolerate up to 2× bursts at window edges.
import { DEFAULT_CONNECTION_RATE_LIMIT, DEFAULT_GLOBAL_RATE_LIMIT, RATE_WINDOW_SECONDS } from "./limits.js";

/** Times (epoch ms, oldest first) of the requests admitted within the current window. */
export type SlidingWindow = readonly number[];

/**
 * A configured limit → the number of requests allowed per window, or undefined for unlimited
 * (mesh spec §10.1, §12.2): 0 means the default, any negative means unlimited (the reference
 * documents −1; `x or default` followed by `> 0` makes every negative unlimited), n > 0 is n.
 */
export function effectiveLimit(setting: number, defaultLimit: number): number | undefined {
  const limit = setting === 0 ? defaultLimit : setting;
  return limit > 0 ? limit : undefined;
}

/** Drops admissions older than the window. An admission exactly `window` old still counts (`ts < cutoff` is pruned). */
export function slideWindow(window: SlidingWindow, now: number, windowSeconds = RATE_WINDOW_SECONDS): SlidingWindow {
  const cutoff = now - windowSeconds * 1000;
  let start = 0;
  while (start < window.length && window[start]! < cutoff) start++;
  return start === 0 ? window : window.slice(start);
}

export function isWindowFull(window: SlidingWindow, limit: number | undefined): boolean {
  return limit !== undefined && window.length >= limit;
}

export interface MeshRateInput {
  /** Node-wide setting (0 default 200, −1 unlimited) and its window. */
  global: { setting: number; window: SlidingWindow };
  /** The sending connection's setting (0 default 30, −1 unlimited) and window; only `/message` has one. */
  connection?: { setting: number; window: SlidingWindow };
}

export type MeshRateVerdict =
  | { allowed: true; global: SlidingWindow; connection?: SlidingWindow }
  | {
      allowed: false;
      scope: "global" | "connection";
      limit: number;
      global: SlidingWindow;
      connection?: SlidingWindow;
    };

/**
 * Mesh spec §12.2: global first, then per-connection; the request is recorded in both windows
 * only when it passes both. Refusals are not recorded (the reference appends only on success),
 * so a flood does not extend its own ban.
 */
export function checkMeshRateLimit(input: MeshRateInput, now: number): MeshRateVerdict {
  const global = slideWindow(input.global.window, now);
  const connection = input.connection && slideWindow(input.connection.window, now);
  const globalLimit = effectiveLimit(input.global.setting, DEFAULT_GLOBAL_RATE_LIMIT);
  if (isWindowFull(global, globalLimit))
    return { allowed: false, scope: "global", limit: globalLimit!, global, connection };
  if (input.connection && connection) {
    const connectionLimit = effectiveLimit(input.connection.setting, DEFAULT_CONNECTION_RATE_LIMIT);
    if (isWindowFull(connection, connectionLimit)) {
      return { allowed: false, scope: "connection", limit: connectionLimit!, global, connection };
    }
  }
  return { allowed: true, global: [...global, now], connection: connection && [...connection, now] };
}

/** One sliding log with a fixed limit (the anchor's 10 per IP per 60 s, §9.1 step 1). */
export function admitToWindow(
  window: SlidingWindow,
  limit: number,
  now: number,
  windowSeconds = RATE_WINDOW_SECONDS,
): { allowed: boolean; window: SlidingWindow } {
  const slid = slideWindow(window, now, windowSeconds);
  if (slid.length >= limit) return { allowed: false, window: slid };
  return { allowed: true, window: [...slid, now] };
}

/** A fixed-window counter: O(1) per key, admits up to 2 × limit across a window boundary. Not used for reference-observable limits. */
export interface FixedWindowCounter {
  windowStart: number;
  count: number;
}

export function admitToFixedWindow(
  counter: FixedWindowCounter | undefined,
  limit: number,
  now: number,
  windowSeconds = RATE_WINDOW_SECONDS,
): { allowed: boolean; counter: FixedWindowCounter } {
  const windowMs = windowSeconds * 1000;
  const windowStart = Math.floor(now / windowMs) * windowMs;
  const current = counter && counter.windowStart === windowStart ? counter : { windowStart, count: 0 };
  if (current.count >= limit) return { allowed: false, counter: current };
  return { allowed: true, counter: { windowStart, count: current.count + 1 } };
}

/**
 * Per-client sliding logs (issue 11: anonymous requests are limited per client address, the
 * anchor's registrations too, §9.1): admits (or refuses) one request from `client` (a
 * `clientAddressKey`: IPv4 as is, IPv6 by /64) and updates `windows` in place. The map is kept
 * in order of last request (the client's entry is re-inserted each time), so its front holds the
 * clients seen least recently. Past `capacity` clients, the idle windows at the front (no
 * admission in the last 60 s: what anchor.py forgets past 1000 IPs) are dropped; if every
 * tracked client is still active, the least recently seen one is. An entry is deleted at most
 * once per insertion, so a request costs O(1) amortised: the map is never copied or scanned
 * whole. Dropping an active window only forgets a budget, and a client holding more than
 * `capacity` addresses is not held by a per-address limit anyway.
 */
export function admitClient(
  windows: Map<string, SlidingWindow>,
  client: string,
  limit: number,
  now: number,
  capacity: number,
): boolean {
  const admitted = admitToWindow(windows.get(client) ?? [], limit, now);
  windows.delete(client);
  windows.set(client, admitted.window);
  if (windows.size <= capacity) return admitted.allowed;
  for (const [key, window] of windows) {
    if (key === client || slideWindow(window, now).length > 0) break;
    windows.delete(key); // deleting the current entry is safe while iterating a Map
  }
  const oldest = windows.keys().next().value;
  if (windows.size > capacity && oldest !== undefined && oldest !== client) windows.delete(oldest);
  return admitted.allowed;
}

// Replay protection (§6.4, §6.5), rate limits (§12.2, §12.3) and the §12 constants.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  admitToFixedWindow,
  admitToWindow,
  checkMeshRateLimit,
  checkReplay,
  effectiveLimit,
  formatMeshTimestamp,
  INBOX_CAPACITY,
  INBOX_MAX_AGE_SECONDS,
  isReplay,
  isTimestampFresh,
  MAX_CONTENT_CODE_POINTS,
  parseMeshTimestamp,
  PENDING_REQUESTS_CAPACITY,
  pruneReplayCache,
  REPLAY_WINDOW_SECONDS,
  restoreReplayCache,
  SENT_MESSAGES_CAPACITY,
  DEFAULT_CONNECTION_RATE_LIMIT,
  DEFAULT_GLOBAL_RATE_LIMIT,
  DEFAULT_MAX_CONNECTIONS,
  MAX_CONFIGURABLE_CONNECTIONS,
  maxConnectionsFrom,
  type SlidingWindow,
} from "../../../src/core/mesh/index.js";
import { T0 } from "./test-node.js";

describe("§12 limits", () => {
  it("names every observable limit with the reference's value", () => {
    expect([INBOX_CAPACITY, PENDING_REQUESTS_CAPACITY, SENT_MESSAGES_CAPACITY]).toEqual([50, 50, 100]);
    expect(MAX_CONTENT_CODE_POINTS).toBe(65_536);
    expect([DEFAULT_CONNECTION_RATE_LIMIT, DEFAULT_GLOBAL_RATE_LIMIT]).toEqual([30, 200]);
    expect([REPLAY_WINDOW_SECONDS, INBOX_MAX_AGE_SECONDS]).toEqual([300, 3600]);
  });
});

describe("§6.5 message-ID replay cache", () => {
  it("treats an ID as a duplicate for strictly less than 300 s and reusable at 300 s", () => {
    expect(isReplay(T0, T0 + 299_999)).toBe(true);
    expect(isReplay(T0, T0 + 300_000)).toBe(false);
    expect(isReplay(undefined, T0)).toBe(false);
  });

  it("records a new ID and does not refresh the time of a duplicate", () => {
    const first = checkReplay(new Map(), "msg-a", T0);
    expect(first.isDuplicate).toBe(false);
    const second = checkReplay(first.cache, "msg-a", T0 + 200_000);
    expect(second).toEqual({ isDuplicate: true, cache: first.cache });
    expect(checkReplay(second.cache, "msg-a", T0 + 300_000).isDuplicate).toBe(false);
  });

  it("treats IDs such as __proto__ as plain keys", () => {
    const cache = checkReplay(new Map(), "__proto__", T0).cache;
    expect(checkReplay(cache, "__proto__", T0 + 1).isDuplicate).toBe(true);
    expect(checkReplay(cache, "constructor", T0 + 1).isDuplicate).toBe(false);
  });

  it("prunes lazily once more than 10 000 IDs are held, and survives a restart only for IDs younger than 300 s", () => {
    const big = new Map<string, number>();
    for (let i = 0; i < 10_001; i++) big.set(`old-${i}`, T0 - 400_000);
    big.set("fresh", T0 - 1000);
    const after = checkReplay(big, "new", T0).cache;
    expect(after.size).toBe(2);
    expect(
      pruneReplayCache(
        new Map([
          ["a", T0 - 300_001],
          ["b", T0 - 300_000],
        ]),
        T0,
      ).size,
    ).toBe(1);
    expect([
      ...restoreReplayCache(
        [
          ["a", T0 - 300_000],
          ["b", T0 - 299_000],
        ],
        T0,
      ).keys(),
    ]).toEqual(["b"]);
  });
});

describe("§6.4 timestamp freshness", () => {
  it("is fresh iff |now − t| ≤ 300 s, in both directions", () => {
    expect(isTimestampFresh(formatMeshTimestamp(T0 - 300_000), T0)).toBe(true);
    expect(isTimestampFresh(formatMeshTimestamp(T0 - 300_001), T0)).toBe(false);
    expect(isTimestampFresh(formatMeshTimestamp(T0 + 300_000), T0)).toBe(true);
    expect(isTimestampFresh(formatMeshTimestamp(T0 + 300_001), T0)).toBe(false);
  });

  it("replaces Z by +00:00, accepts other offsets and fraction lengths, and treats naive or garbage strings as stale", () => {
    expect(isTimestampFresh("2026-02-25T21:30:07.123Z", T0)).toBe(true);
    expect(isTimestampFresh("2026-02-25T16:30:07-05:00", T0)).toBe(true);
    expect(isTimestampFresh("2026-02-25 21:30:07.1+00:00", T0)).toBe(true);
    expect(isTimestampFresh("2026-02-25T21:30:07,123456789+0000", T0)).toBe(true);
    for (const stale of [
      "2026-02-25T21:30:07",
      "2026-02-25T21:30:07.123z",
      "yesterday",
      "",
      "2026-02-30T21:30:07+00:00",
      "2026-02-25T24:00:00+00:00",
      "2026-02-25T21:30:07+24:00",
    ]) {
      expect(isTimestampFresh(stale, T0), stale).toBe(false);
    }
  });

  it("round-trips every emitted timestamp at microsecond precision", () => {
    // Epoch microseconds stay exact doubles up to ~2255; the range below covers 1970–2096.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000_000 }), fc.integer({ min: 0, max: 999 }), (ms, micros) => {
        const epochMs = ms + micros / 1000;
        expect(Math.round(parseMeshTimestamp(formatMeshTimestamp(epochMs))! * 1000)).toBe(Math.round(epochMs * 1000));
      }),
    );
  });
});

describe("§12.2 rate limits", () => {
  it("reads a limit setting as 0 = default, negative = unlimited, n = n", () => {
    expect(effectiveLimit(0, 30)).toBe(30);
    expect(effectiveLimit(-1, 30)).toBeUndefined();
    expect(effectiveLimit(5, 30)).toBe(5);
  });

  it("checks the global limit before the connection's and records a request in both only when it passes both", () => {
    const global = Array<number>(199).fill(T0);
    const connection = Array<number>(30).fill(T0);
    const refused = checkMeshRateLimit(
      { global: { setting: 0, window: global }, connection: { setting: 0, window: connection } },
      T0,
    );
    expect(refused).toMatchObject({ allowed: false, scope: "connection", limit: 30 });
    expect(refused.global).toHaveLength(199);
    const passed = checkMeshRateLimit(
      { global: { setting: 0, window: global }, connection: { setting: -1, window: connection } },
      T0,
    );
    expect(passed).toMatchObject({ allowed: true });
    expect([passed.global.length, passed.connection!.length]).toEqual([200, 31]);
    expect(checkMeshRateLimit({ global: { setting: 0, window: passed.global } }, T0)).toMatchObject({
      allowed: false,
      scope: "global",
      limit: 200,
    });
  });

  it("counts an admission exactly 60 s old and forgets it after", () => {
    const window = [T0];
    expect(admitToWindow(window, 1, T0 + 60_000).allowed).toBe(false);
    expect(admitToWindow(window, 1, T0 + 60_001).allowed).toBe(true);
  });

  it("never admits more than the limit within any 60 s span (sliding log)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 20 }),
        (gaps, limit) => {
          let window: SlidingWindow = [];
          let now = T0;
          const admitted: number[] = [];
          for (const gap of gaps) {
            now += gap;
            const result = admitToWindow(window, limit, now);
            window = result.window;
            if (result.allowed) admitted.push(now);
          }
          for (const start of admitted)
            expect(admitted.filter((t) => t >= start && t <= start + 60_000).length).toBeLessThanOrEqual(limit);
        },
      ),
    );
  });

  it("offers a fixed-window counter that resets on window boundaries", () => {
    let counter = admitToFixedWindow(undefined, 2, 0).counter;
    counter = admitToFixedWindow(counter, 2, 10).counter;
    expect(admitToFixedWindow(counter, 2, 59_999).allowed).toBe(false);
    expect(admitToFixedWindow(counter, 2, 60_000)).toEqual({
      allowed: true,
      counter: { windowStart: 60_000, count: 1 },
    });
  });
});

describe("§10.6 connection cap (DM_MAX_CONNECTIONS)", () => {
  it("takes a whole number from 1 to 10000 and falls back to 50 for anything else", () => {
    expect(maxConnectionsFrom(undefined)).toBe(DEFAULT_MAX_CONNECTIONS);
    expect(DEFAULT_MAX_CONNECTIONS).toBe(50);
    expect(maxConnectionsFrom("500")).toBe(500);
    expect(maxConnectionsFrom(" 1 ")).toBe(1);
    expect(maxConnectionsFrom(String(MAX_CONFIGURABLE_CONNECTIONS))).toBe(10_000);
    for (const bad of ["", "0", "-5", "2.5", "10001", "lots", "1e9", "NaN"])
      expect(maxConnectionsFrom(bad), bad).toBe(DEFAULT_MAX_CONNECTIONS);
  });
});

import { describe, expect, it } from "vitest";
import {
  coalesceBurst,
  effectKey,
  effectsOfBeat,
  isExpired,
  isPermanentRefusal,
  BROADCAST_RETRY_MS,
  type BeatOutcome,
} from "../../../src/core/arbiter/outbox.js";
import { keyedId } from "../../../src/core/ids.js";
import { EventId } from "../../../src/schemas/events.js";

const journal = { root: "ab".repeat(32), size: 7 };
const beat = (n: number, action: BeatOutcome["action"], threat = 0.5, subscribers: string[] = ["a"]): BeatOutcome => ({
  worldline: "wl_x",
  beat: n,
  action,
  threat,
  at: 1000 * n,
  journal,
  subscribers,
  anchorEvery: 100,
});

describe("the effects of a beat (issue 12)", () => {
  it("a QUARANTINE locks, emits, broadcasts and anchors, in that order; an ALERT all but the lock; a calm beat only every anchorEvery beats", () => {
    expect(effectsOfBeat(beat(3, "QUARANTINE", 0.9)).map((e) => e.kind)).toEqual([
      "quarantine",
      "event",
      "broadcast",
      "anchor",
    ]);
    expect(effectsOfBeat(beat(3, "ALERT", 0.7)).map((e) => e.kind)).toEqual(["event", "broadcast", "anchor"]);
    expect(effectsOfBeat(beat(3, "ALERT", 0.7, [])).map((e) => e.kind)).toEqual(["event", "anchor"]);
    expect(effectsOfBeat(beat(3, "NOOP"))).toEqual([]);
    expect(effectsOfBeat(beat(200, "NOOP"))).toEqual([{ kind: "anchor", worldline: "wl_x", beat: 200, ...journal }]);
  });

  it("keys each effect by world line, beat and kind", () => {
    const keys = effectsOfBeat(beat(3, "QUARANTINE", 0.9)).map(effectKey);
    expect(keys).toEqual([
      "arbiter:wl_x:3:quarantine",
      "arbiter:wl_x:3:event",
      "arbiter:wl_x:3:broadcast",
      "arbiter:wl_x:3:anchor",
    ]);
  });

  it("a burst keeps the first QUARANTINE's effects (or the worst ALERT's) and one anchor of the journal after it", () => {
    const after = { beat: 4, root: "cd".repeat(32), size: 25 };
    const alerts = [beat(1, "ALERT", 0.7), beat(2, "ALERT", 0.8), beat(3, "ALERT", 0.65), beat(4, "NOOP")].flatMap(
      effectsOfBeat,
    );
    expect(coalesceBurst(alerts, after).map((e) => [e.kind, e.beat])).toEqual([
      ["event", 2],
      ["broadcast", 2],
      ["anchor", 4],
    ]);
    expect(coalesceBurst(alerts, after).at(-1)).toMatchObject({ root: after.root, size: 25 });
    const quarantined = [beat(1, "ALERT", 0.99), beat(2, "QUARANTINE", 0.9), beat(3, "QUARANTINE", 0.95)].flatMap(
      effectsOfBeat,
    );
    expect(coalesceBurst(quarantined, after).map((e) => [e.kind, e.beat])).toEqual([
      ["quarantine", 2],
      ["event", 2],
      ["broadcast", 2],
      ["anchor", 4],
    ]);
    expect(coalesceBurst([beat(1, "NOOP"), beat(2, "NOOP")].flatMap(effectsOfBeat), after)).toEqual([]);
  });

  it("gives up only on refusals a retry cannot change, and on a broadcast older than an hour", () => {
    expect([400, 403, 404, 410, 422].map(isPermanentRefusal)).toEqual([true, true, true, true, true]);
    expect([408, 409, 423, 425, 429, 500, 503].map(isPermanentRefusal)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    const [, broadcast, anchor] = effectsOfBeat(beat(1, "ALERT", 0.7));
    expect([
      isExpired(broadcast!, 1000 + BROADCAST_RETRY_MS),
      isExpired(broadcast!, 1001 + BROADCAST_RETRY_MS),
      isExpired(anchor!, Number.MAX_SAFE_INTEGER),
    ]).toEqual([false, true, false]);
  });

  it("an effect's event id is a valid event id, the same for the same key and time, and sorts by time", () => {
    const id = keyedId("ev", 1_700_000_000_000, "arbiter:wl_x:3:event");
    expect(EventId.safeParse(id).success).toBe(true);
    expect(keyedId("ev", 1_700_000_000_000, "arbiter:wl_x:3:event")).toBe(id);
    expect(keyedId("ev", 1_700_000_000_000, "arbiter:wl_x:4:event")).not.toBe(id);
    expect(keyedId("ev", 1_700_000_000_001, "arbiter:wl_x:3:event") > id).toBe(true);
  });
});

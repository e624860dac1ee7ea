// When an arbiter beats (src/core/arbiter/schedule.ts).
import { describe, expect, it } from "vitest";
import { OUTBOX_RETRY_MS } from "../../../src/core/arbiter/outbox.js";
import { alarmBeatAt, beatDelayMs, burstBeatAt, nextArbiterAlarm } from "../../../src/core/arbiter/schedule.js";
import { DEFAULT_TUNABLES } from "../../../src/core/arbiter/state.js";
import { tLambda } from "../../../src/core/arbiter/t-lambda.js";

const NOW = 1_700_000_000_000;
const state = { beat: 3, tunables: { ...DEFAULT_TUNABLES } };
const tLambdaMs = tLambda(DEFAULT_TUNABLES) * 1000;

describe("arbiter schedule", () => {
  it("waits max(T_Λ, the deployment's floor, the world line's interval) between alarm beats", () => {
    expect(beatDelayMs(state, 1000, 0)).toBe(1000);
    expect(beatDelayMs(state, 1000, 5000)).toBe(5000);
    expect(beatDelayMs(state, 0, 0)).toBe(tLambdaMs);
  });

  it("an enabled arbiter beats again after its delay, a disabled one retries pending effects, else no alarm", () => {
    let asked = 0;
    const pending = (answer: boolean) => () => {
      asked++;
      return answer;
    };
    expect(nextArbiterAlarm({ now: NOW, enabled: true, delayMs: 1000, hasPendingEffects: pending(true) })).toBe(
      NOW + 1000,
    );
    expect(asked).toBe(0); // the outbox is not read for an enabled arbiter
    expect(nextArbiterAlarm({ now: NOW, enabled: false, delayMs: 1000, hasPendingEffects: pending(true) })).toBe(
      NOW + OUTBOX_RETRY_MS,
    );
    expect(nextArbiterAlarm({ now: NOW, enabled: false, delayMs: 1000, hasPendingEffects: pending(false) })).toBeNull();
  });

  it("an alarm beat is never at or before the last beat", () => {
    expect(alarmBeatAt(NOW - 5000, NOW)).toBe(NOW);
    expect(alarmBeatAt(NOW, NOW)).toBe(NOW + 1);
    expect(alarmBeatAt(NOW + 10, NOW)).toBe(NOW + 11);
  });

  it("a burst runs in virtual time: each beat T_Λ after the last, the first right away, never before now", () => {
    expect(burstBeatAt({ lastBeatAt: NOW, state: { ...state, beat: 0 } }, NOW - 100)).toBe(NOW);
    expect(burstBeatAt({ lastBeatAt: NOW, state }, NOW)).toBe(NOW + Math.ceil(tLambdaMs));
    expect(burstBeatAt({ lastBeatAt: NOW - 60_000, state }, NOW)).toBe(NOW);
  });
});

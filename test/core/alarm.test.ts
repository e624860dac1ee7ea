// setAlarmIfEarlier (src/core/alarm.ts) on a real Durable Object's storage: the reasons to wake
// that share one alarm never push it later.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { setAlarmIfEarlier } from "../../src/core/alarm.js";

describe("setAlarmIfEarlier", () => {
  it("sets an unset alarm, moves it earlier, and never moves it later", async () => {
    const stub = env.DISPATCHER.get(env.DISPATCHER.idFromName(`alarm-test-${crypto.randomUUID()}`)); // not the dispatcher tasks use
    await runInDurableObject(stub, async (_instance, state) => {
      const hour = 60 * 60 * 1000;
      const base = Date.now() + 24 * hour; // far enough that the alarm does not ring during the test
      expect(await state.storage.getAlarm()).toBeNull();
      await setAlarmIfEarlier(state.storage, base + 2 * hour);
      expect(await state.storage.getAlarm()).toBe(base + 2 * hour);
      await setAlarmIfEarlier(state.storage, base + hour);
      expect(await state.storage.getAlarm()).toBe(base + hour);
      await setAlarmIfEarlier(state.storage, base + 3 * hour);
      expect(await state.storage.getAlarm()).toBe(base + hour);
      await state.storage.deleteAlarm();
    });
  });
});

// SerialQueue (src/core/serial-queue.ts): what the WorldLine and Ledger objects run their writes through.
import { describe, expect, it } from "vitest";
import { SerialQueue } from "../../src/core/serial-queue.js";

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe("SerialQueue", () => {
  it("runs each piece of work after the one before it has finished, in the order asked", async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    const piece = (name: string, ticks: number) => async () => {
      log.push(`${name} starts`);
      for (let i = 0; i < ticks; i++) await tick();
      log.push(`${name} ends`);
      return name;
    };
    const results = await Promise.all([queue.run(piece("a", 3)), queue.run(piece("b", 1)), queue.run(piece("c", 0))]);
    expect(results).toEqual(["a", "b", "c"]);
    expect(log).toEqual(["a starts", "a ends", "b starts", "b ends", "c starts", "c ends"]);
  });

  it("hands a failure to its own caller and still runs what was queued after it", async () => {
    const queue = new SerialQueue();
    const failed = queue.run(async () => {
      await tick();
      throw new Error("boom");
    });
    const next = queue.run(async () => "after");
    await expect(failed).rejects.toThrow("boom");
    await expect(next).resolves.toBe("after");
  });
});

import { describe, expect, it } from "vitest";
import { DomainError } from "../../../src/core/problem.js";
import { beat } from "../../../src/core/arbiter/beat.js";
import { createArbiterState, DEFAULT_TUNABLES, retune } from "../../../src/core/arbiter/state.js";
import { verifyChain } from "../../../src/core/arbiter/journal.js";
import { GENESIS_PREVIOUS_HASH } from "../../../src/core/hash.js";

const NOW = 1_700_000_000_000;

describe("arbiter state", () => {
  it("a new arbiter starts at beat 0 with the seed's tunables, genome and a genesis-only journal", () => {
    const { state, entries } = createArbiterState({ nowMs: NOW, genesis: { worldLine: "wl_a" } });
    expect(DEFAULT_TUNABLES).toEqual({ k: 4, p: 5, tThreshold: 0.02 });
    expect(state).toMatchObject({
      beat: 0,
      tunables: DEFAULT_TUNABLES,
      pid: { integral: 0, previousError: 0, previousTime: null },
    });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ index: 0, timestamp: NOW / 1000, previous_hash: GENESIS_PREVIOUS_HASH });
    expect(entries[0].data).toMatchObject({ type: "genesis", worldLine: "wl_a", tunables: DEFAULT_TUNABLES });
    expect(verifyChain(entries)).toEqual({ ok: true, head: state.journal });
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });

  it("per-world-line tunables change the pulse and the PID threshold", () => {
    const { state } = createArbiterState({ nowMs: NOW, tunables: { k: 2, p: 1, tThreshold: 0.01 } });
    const result = beat(state, { anoms: 0 }, { nowMs: NOW });
    expect(result.pulse.tLambda).toBeCloseTo(0.008, 12); // 0.004 / (1 − 1/2)
    expect(result.recalibration.deltaT).toBeCloseTo(-0.002, 12);
  });

  it("refuses tunables that break kP > 1 or are not positive, naming the field", () => {
    try {
      createArbiterState({ nowMs: NOW, tunables: { k: 1, p: 1 } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe("invalid-tunables");
      expect((error as DomainError).fields.errors?.[0].path).toBe("/k");
    }
    expect(() => createArbiterState({ nowMs: NOW, tunables: { tThreshold: -1 } })).toThrow(DomainError);
  });

  it("retuning keeps the genome, PID memory and journal and leaves the old state alone", () => {
    const { state } = createArbiterState({ nowMs: NOW });
    const after = beat(state, { anoms: 3 }, { nowMs: NOW }).state;
    const retuned = retune(after, { k: 8 });
    expect(retuned.tunables).toEqual({ k: 8, p: 5, tThreshold: 0.02 });
    expect(retuned.genome).toEqual(after.genome);
    expect(retuned.pid).toEqual(after.pid);
    expect(retuned.journal).toEqual(after.journal);
    expect(after.tunables.k).toBe(4);
    expect(() => retune(after, { p: 0 })).toThrow(DomainError);
  });
});

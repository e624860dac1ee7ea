import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { canonicalJson } from "../../../src/core/canonical-json.js";
import { DomainError } from "../../../src/core/problem.js";
import { beat, type BeatResult } from "../../../src/core/arbiter/beat.js";
import { injectData, O_WEIGHT_MAX, O_WEIGHT_MIN } from "../../../src/core/arbiter/genome.js";
import { verifyChain, type JournalEntry } from "../../../src/core/arbiter/journal.js";
import { createArbiterState, type ArbiterState } from "../../../src/core/arbiter/state.js";

const NOW = 1_700_000_000_000; // ms

function fresh(): { state: ArbiterState; entries: JournalEntry[] } {
  return createArbiterState({ nowMs: NOW, genesis: { worldLine: "wl_test" } });
}

function run(
  anomalies: number[],
  start = fresh(),
  t0 = NOW,
): { results: BeatResult[]; state: ArbiterState; entries: JournalEntry[] } {
  let state = start.state;
  const entries = [...start.entries];
  const results: BeatResult[] = [];
  anomalies.forEach((anoms, i) => {
    const result = beat(state, { anoms }, { nowMs: t0 + (i + 1) * 1000 });
    results.push(result);
    entries.push(...result.entries);
    state = result.state;
  });
  return { results, state, entries };
}

describe("arbiter beat — acceptance figures", () => {
  it("with defaults a beat pulses with T_Λ = 0.004211 s", () => {
    const { pulse } = beat(fresh().state, { anoms: 0 }, { nowMs: NOW });
    expect(pulse.tLambda).toBeCloseTo(0.004211, 6);
    expect(pulse).toMatchObject({ sequence: 1, k: 4, p: 5, kp: 20, timestamp: NOW / 1000 });
  });

  it("with defaults the PID error is ΔT = −0.015789 with ΔV < 0", () => {
    const { recalibration } = beat(fresh().state, { anoms: 0 }, { nowMs: NOW });
    expect(recalibration.deltaT).toBeCloseTo(-0.015789, 6);
    expect(recalibration.deltaV).toBeLessThan(0);
    expect(recalibration.isStable).toBe(true);
  });

  it("telemetry of 5 anomalies gives threat 0.6457 and decision ALERT", () => {
    const result = beat(fresh().state, { anoms: 5 }, { nowMs: NOW });
    expect(result.cores.E.threat_score).toBeCloseTo(0.6457, 4);
    expect(result.decvec.threat).toBe(result.cores.E.threat_score);
    expect(result.action).toBe("ALERT");
  });

  it("15 anomalies cross the 0.85 threat line and quarantine; 14 only alert", () => {
    const quarantined = beat(fresh().state, { anoms: 15 }, { nowMs: NOW });
    expect(quarantined.cores.E.threat_score).toBeGreaterThanOrEqual(0.85);
    expect(quarantined.action).toBe("QUARANTINE");
    const alerted = beat(fresh().state, { anoms: 14 }, { nowMs: NOW });
    expect(alerted.cores.E.threat_score).toBeLessThan(0.85);
    expect(alerted.action).toBe("ALERT");
  });
});

describe("arbiter beat — behaviour", () => {
  it("a calm world line with no anomalies is left alone (NOOP)", () => {
    expect(beat(fresh().state, { anoms: 0 }, { nowMs: NOW }).action).toBe("NOOP");
  });

  it("journals the pulse, the R, B, E, O results and the action, continuing the chain from genesis", () => {
    const start = fresh();
    const result = beat(start.state, { anoms: 5 }, { nowMs: NOW });
    expect(result.entries.map((e) => e.data.type)).toEqual([
      "pulse",
      "flow_result",
      "flow_result",
      "flow_result",
      "flow_result",
      "action",
    ]);
    expect(result.entries.slice(1, 5).map((e) => e.data.flow)).toEqual(["R", "B", "E", "O"]);
    expect(result.entries[5].data).toEqual({ type: "action", action: "ALERT", details: result.decvec });
    expect(verifyChain([...start.entries, ...result.entries])).toEqual({ ok: true, head: result.state.journal });
  });

  it("many beats leave a journal that verifies end to end", () => {
    const { entries, state } = run([0, 3, 5, 20, 1, 0, 8]);
    expect(entries).toHaveLength(1 + 7 * 6);
    expect(verifyChain(entries)).toEqual({ ok: true, head: state.journal });
  });

  it("is deterministic: the same state, features and clock give the same result", () => {
    const { state } = run([2, 7, 0]);
    const a = beat(state, { anoms: 6 }, { nowMs: NOW + 10_000 });
    const b = beat(structuredClone(state), { anoms: 6 }, { nowMs: NOW + 10_000 });
    expect(b).toEqual(a);
    expect(canonicalJson(b)).toBe(canonicalJson(a));
  });

  it("does not modify the state it is given", () => {
    const { state } = run([4]);
    const before = structuredClone(state);
    beat(state, { anoms: 30 }, { nowMs: NOW + 5000 });
    expect(state).toEqual(before);
  });

  it("its state is plain JSON: persisting between beats changes nothing", () => {
    const anomalies = [0, 5, 9, 16, 2, 0, 0, 40, 1];
    const direct = run(anomalies);
    let state = fresh().state;
    anomalies.forEach((anoms, i) => {
      state = JSON.parse(JSON.stringify(beat(state, { anoms }, { nowMs: NOW + (i + 1) * 1000 }).state));
    });
    expect(state).toEqual(direct.state);
  });

  it("keeps the weights summing to 1, with O in [0.1, 0.9] and E in [0.05, 0.30] before normalising, beat after beat", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 40 }), (anomalies) => {
        const { results } = run(anomalies);
        return results.every(({ state, recalibration: { weightsBefore, weightsAfter, deltaO } }) => {
          const w = state.genome.weights;
          const o = Math.min(O_WEIGHT_MAX, Math.max(O_WEIGHT_MIN, weightsBefore.O + deltaO));
          const e = (weightsAfter.E / weightsAfter.O) * o; // normalisation keeps the E:O ratio
          return (
            Math.abs(w.R + w.B + w.E + w.O - 1) < 1e-12 &&
            Object.values(w).every((x) => x > 0) &&
            Math.abs(deltaO) <= 0.05 &&
            e >= 0.05 - 1e-12 &&
            e <= 0.3 + 1e-12
          );
        });
      }),
      { numRuns: 50 },
    );
  });

  it("raises O by the PID's ΔO (clamped to [0.1, 0.9]) before normalising", () => {
    const result = beat(fresh().state, { anoms: 0 }, { nowMs: NOW });
    const { deltaO, weightsBefore, weightsAfter } = result.recalibration;
    expect(deltaO).toBeCloseTo(0.6 * 0.015789, 5);
    const oBeforeNormalising = Math.min(O_WEIGHT_MAX, Math.max(O_WEIGHT_MIN, weightsBefore.O + deltaO));
    // calm beat: E = 0.10, R and B unchanged
    const total = weightsBefore.R + weightsBefore.B + 0.1 + oBeforeNormalising;
    expect(weightsAfter.O).toBeCloseTo(oBeforeNormalising / total, 12);
    expect(weightsAfter.E).toBeCloseTo(0.1 / total, 12);
  });

  it("under threat with O above 0.3 the E weight drops to its 0.05 floor before normalising", () => {
    const result = beat(fresh().state, { anoms: 5 }, { nowMs: NOW });
    const { weightsBefore, weightsAfter, deltaO } = result.recalibration;
    const total = weightsBefore.R + weightsBefore.B + 0.05 + (weightsBefore.O + deltaO);
    expect(weightsAfter.E).toBeCloseTo(0.05 / total, 12);
  });

  it("optimises only after a long calm stretch has starved R and B and a mild threat follows", () => {
    const calm = run(Array.from({ length: 1000 }, () => 0));
    expect(calm.results.every((r) => r.action === "NOOP")).toBe(true);
    const mild = run([2, 2], { state: calm.state, entries: calm.entries }, NOW + 1000 * 1000);
    expect(mild.results[0].action).toBe("NOOP"); // this beat drops E to its floor, lifting normalised O above 0.913
    expect(mild.results[1].decvec.opt_gain).toBeGreaterThan(0.1);
    expect(mild.results[1].action).toBe("APPLY_OPTIMIZE");
  });

  it("schedules the next alarm after max(T_Λ, min interval)", () => {
    const state = fresh().state;
    const defaulted = beat(state, { anoms: 0 }, { nowMs: NOW });
    expect(defaulted.delaySeconds).toBe(1);
    expect(defaulted.nextAlarmAtMs).toBe(NOW + 1000);
    const fast = beat(state, { anoms: 0 }, { nowMs: NOW, minIntervalSeconds: 0 });
    expect(fast.delaySeconds).toBe(fast.pulse.tLambda);
    expect(fast.nextAlarmAtMs).toBeCloseTo(NOW + 4.2105, 3);
  });

  it("counts anomalies injected into the genome together with the telemetry", () => {
    const start = fresh().state;
    const injected = { ...start, genome: injectData(start.genome, { anoms: 5 }) };
    const result = beat(injected, { anoms: 0 }, { nowMs: NOW });
    expect(result.cores.E.threat_score).toBeCloseTo(0.6457, 4);
    expect(result.cores.R.urgency).toBeCloseTo(0.05, 12);
    expect(result.action).toBe("ALERT");
  });

  it("uses a trained model when one is given instead of the genome's ml_weight", () => {
    const result = beat(fresh().state, { anoms: 5 }, { nowMs: NOW, model: { w: 0.01, b: 0, version: 2 } });
    expect(result.cores.E.threat_score).toBeCloseTo(1 / (1 + Math.exp(-0.05)), 12);
    expect(result.cores.E.version).toBe(2);
    expect(result.action).toBe("NOOP");
  });

  it("refuses unusable input before computing anything", () => {
    const state = fresh().state;
    for (const anoms of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => beat(state, { anoms }, { nowMs: NOW })).toThrow(DomainError);
    }
    expect(() => beat(state, { anoms: 1 }, { nowMs: Number.NaN })).toThrow(DomainError);
    try {
      beat(state, { anoms: -1 }, { nowMs: NOW });
    } catch (error) {
      expect((error as DomainError).code).toBe("invalid-features");
      expect((error as DomainError).fields.errors).toEqual([{ path: "/anoms", message: expect.any(String) }]);
    }
  });
});

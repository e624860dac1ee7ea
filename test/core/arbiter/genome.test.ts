import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { DomainError } from "../../../src/core/problem.js";
import {
  applyDeltaO,
  createGenome,
  E_WEIGHT_MAX,
  E_WEIGHT_MIN,
  hybridEWeight,
  injectData,
  INITIAL_WEIGHTS,
  normaliseWeights,
  O_WEIGHT_MAX,
  O_WEIGHT_MIN,
} from "../../../src/core/arbiter/genome.js";

const sum = (w: { R: number; B: number; E: number; O: number }) => w.R + w.B + w.E + w.O;

describe("genome (seed 001 §8)", () => {
  it("starts from R 0.25, B 0.25, E 0.15, O 0.35 with no injected risk and ml_weight 0.12", () => {
    expect(createGenome()).toEqual({
      weights: { R: 0.25, B: 0.25, E: 0.15, O: 0.35 },
      risk: { anoms: 0 },
      ml: { ml_weight: 0.12 },
    });
    expect(sum(INITIAL_WEIGHTS)).toBeCloseTo(1, 12);
  });

  it("normalised weights sum to 1 and keep their proportions", () => {
    fc.assert(
      fc.property(
        fc.tuple(...Array.from({ length: 4 }, () => fc.double({ min: 1e-3, max: 10, noNaN: true }))),
        ([R, B, E, O]) => {
          const w = normaliseWeights({ R, B, E, O });
          return Math.abs(sum(w) - 1) < 1e-12 && Math.abs(w.R / w.O - R / O) < 1e-9 * (R / O);
        },
      ),
    );
  });

  it("keeps O within [0.1, 0.9] whatever the adjustment", () => {
    expect(applyDeltaO(0.88, 0.05)).toBe(O_WEIGHT_MAX);
    expect(applyDeltaO(0.12, -0.05)).toBe(O_WEIGHT_MIN);
    expect(applyDeltaO(0.35, 0.01)).toBeCloseTo(0.36, 12);
    fc.assert(
      fc.property(fc.double({ min: -5, max: 5, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), (o, d) => {
        const next = applyDeltaO(o, d);
        return next >= O_WEIGHT_MIN && next <= O_WEIGHT_MAX;
      }),
    );
  });

  it("E hybrid feedback is 0.10 while threat ≤ 0.5", () => {
    expect(hybridEWeight({ threat: 0.5, t: 1, o: 0.2 })).toBe(0.1);
    expect(hybridEWeight({ threat: 0.1, t: 1, o: 0.9 })).toBe(0.1);
  });

  it("E hybrid feedback follows 0.15·threat·exp(−t/50)·(1 − O/0.3) above threat 0.5", () => {
    // 0.15 · 1 · e⁰ · (1 − 0.1/0.3) = 0.1
    expect(hybridEWeight({ threat: 1, t: 0, o: 0.1 })).toBeCloseTo(0.1, 12);
    expect(hybridEWeight({ threat: 0.9, t: 10, o: 0.1 })).toBeCloseTo(0.15 * 0.9 * Math.exp(-0.2) * (2 / 3), 12);
  });

  it("E falls to its 0.05 floor under threat when O outweighs 0.3, and never leaves [0.05, 0.30]", () => {
    expect(hybridEWeight({ threat: 0.95, t: 1, o: 0.35 })).toBe(E_WEIGHT_MIN);
    expect(hybridEWeight({ threat: 1, t: 0, o: -1 })).toBe(E_WEIGHT_MAX); // outside O's range, the clamp still holds
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: -10, max: 10, noNaN: true }),
        (threat, t, o) => {
          const e = hybridEWeight({ threat, t, o });
          return e >= E_WEIGHT_MIN && e <= E_WEIGHT_MAX;
        },
      ),
    );
  });

  it("inject_data sets risk anoms and ml_weight without touching the original genome", () => {
    const genome = createGenome();
    const injected = injectData(genome, { anoms: 7, ml_weight: 0.2 });
    expect(injected.risk.anoms).toBe(7);
    expect(injected.ml.ml_weight).toBe(0.2);
    expect(genome).toEqual(createGenome());
    expect(injectData(injected, { anoms: 3 }).ml.ml_weight).toBe(0.2);
  });

  it("inject_data refuses negative or non-finite values", () => {
    expect(() => injectData(createGenome(), { anoms: -1 })).toThrow(DomainError);
    expect(() => injectData(createGenome(), { ml_weight: Number.NaN })).toThrow(DomainError);
  });
});

import { describe, expect, it } from "vitest";
import { aggregateRecommendations, decide, type DecisionVector } from "../../../src/core/arbiter/decision.js";
import type { CoreResults } from "../../../src/core/arbiter/cores.js";

const calm: DecisionVector = { threat: 0.5, stability: 0, repair_score: 0, opt_gain: 0 };
const below = (x: number) => x - 1e-12;
const above = (x: number) => x + 1e-12;

describe("decide (seed 001 §1 Decision Thresholds)", () => {
  it("quarantines at threat 0.85 exactly and alerts just below it", () => {
    expect(decide({ ...calm, threat: 0.85 })).toBe("QUARANTINE");
    expect(decide({ ...calm, threat: below(0.85) })).toBe("ALERT");
  });

  it("alerts at threat 0.60 exactly and not just below it", () => {
    expect(decide({ ...calm, threat: 0.6 })).toBe("ALERT");
    expect(decide({ ...calm, threat: below(0.6) })).toBe("NOOP");
  });

  it("applies balance only when stability is above 0.25 and repair score below 0.1", () => {
    const balanced = { ...calm, stability: above(0.25), repair_score: below(0.1) };
    expect(decide(balanced)).toBe("APPLY_BALANCE");
    expect(decide({ ...balanced, stability: 0.25 })).toBe("NOOP");
    expect(decide({ ...balanced, repair_score: 0.1 })).toBe("NOOP");
  });

  it("applies optimize only when the gain is above 0.1", () => {
    expect(decide({ ...calm, opt_gain: above(0.1) })).toBe("APPLY_OPTIMIZE");
    expect(decide({ ...calm, opt_gain: 0.1 })).toBe("NOOP");
  });

  it("checks threat first, then balance, then optimize", () => {
    const everything = { threat: 0.9, stability: 0.5, repair_score: 0, opt_gain: 0.5 };
    expect(decide(everything)).toBe("QUARANTINE");
    expect(decide({ ...everything, threat: 0.7 })).toBe("ALERT");
    expect(decide({ ...everything, threat: 0.1 })).toBe("APPLY_BALANCE");
    expect(decide({ ...everything, threat: 0.1, stability: 0 })).toBe("APPLY_OPTIMIZE");
  });
});

describe("aggregateRecommendations (seed 001 §1)", () => {
  const cores: CoreResults = {
    R: { urgency: 0.4, cost: 0.2 },
    B: { conserve: 0.5, kp: 0.6, ki: 0.1, kd: 0.05 },
    E: { threat_score: 0.7, explanation: "", version: 0 },
    O: { expected_gain: 0.042 },
  };

  it("weights stability, repair score and gain by B, R and O, and keeps threat unweighted", () => {
    expect(aggregateRecommendations(cores, { R: 0.25, B: 0.2, E: 0.15, O: 0.4 })).toEqual({
      threat: 0.7,
      stability: 0.5 * 0.2,
      repair_score: 0.4 * 0.25,
      opt_gain: 0.042 * 0.4,
    });
  });
});

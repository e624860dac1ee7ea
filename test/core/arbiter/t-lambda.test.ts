import { describe, expect, it } from "vitest";
import { DomainError } from "../../../src/core/problem.js";
import { generatePulse, isStablePulse, tLambda, T_LAMBDA_FLOOR } from "../../../src/core/arbiter/t-lambda.js";

describe("T_Λ pulse (seed 001 §3)", () => {
  it("with the seed's defaults k=4, P=5, T1=0.001 s, U=e⁴ the period is 0.004211 s", () => {
    expect(tLambda({ k: 4, p: 5 })).toBeCloseTo(0.004211, 6);
    expect(tLambda({ k: 4, p: 5 })).toBeCloseTo(0.004 / 0.95, 15);
  });

  it("more parallelism (larger kP) shortens the period towards T1·ln U", () => {
    expect(tLambda({ k: 8, p: 5 })).toBeLessThan(tLambda({ k: 4, p: 5 }));
    expect(tLambda({ k: 1000, p: 1000 })).toBeCloseTo(0.004, 6);
  });

  it("refuses parameters that break the stability condition kP > 1", () => {
    expect(isStablePulse(1, 1)).toBe(false);
    expect(isStablePulse(0.5, 2)).toBe(false);
    expect(isStablePulse(2, 1)).toBe(true);
    expect(() => tLambda({ k: 1, p: 1 })).toThrow(DomainError);
    try {
      tLambda({ k: 0.2, p: 5 });
      expect.unreachable();
    } catch (error) {
      expect((error as DomainError).code).toBe("unstable-pulse");
    }
  });

  it("never goes below the 1e-6 s floor", () => {
    expect(tLambda({ k: 4, p: 5, t1: 1e-12 })).toBe(T_LAMBDA_FLOOR);
  });

  it("a pulse carries its sequence number, the caller's timestamp and kP", () => {
    expect(generatePulse({ k: 4, p: 5 }, 7, 1_700_000_000.5)).toEqual({
      sequence: 7,
      timestamp: 1_700_000_000.5,
      tLambda: 0.004 / 0.95,
      k: 4,
      p: 5,
      kp: 20,
    });
  });
});

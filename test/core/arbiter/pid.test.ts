import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  createPidState,
  EPSILON_RESET,
  genomicPid,
  INTEGRAL_LIMIT,
  MAX_DELTA_O,
} from "../../../src/core/arbiter/pid.js";
import { tLambda } from "../../../src/core/arbiter/t-lambda.js";

const T = 1_700_000_000; // seconds

describe("genomic PID (seed 001 §4)", () => {
  it("with defaults the error is ΔT = −0.015789 and ΔV < 0 (stable)", () => {
    const step = genomicPid(createPidState(), tLambda({ k: 4, p: 5 }), T);
    expect(step.deltaT).toBeCloseTo(-0.015789, 6);
    expect(step.deltaV).toBeCloseTo(-0.015789, 6);
    expect(step.deltaV).toBeLessThan(0);
    expect(step.isStable).toBe(true);
  });

  it("answers a pulse faster than the threshold by raising O (negative feedback)", () => {
    const step = genomicPid(createPidState(), 0.004, T);
    expect(step.output).toBeLessThan(0);
    expect(step.deltaO).toBeCloseTo(-step.output, 12);
    expect(step.deltaO).toBeGreaterThan(0);
  });

  it("a constant error stops counting as stable after the first step (ΔV = 0 is not < 0)", () => {
    const first = genomicPid(createPidState(), 0.004, T);
    const second = genomicPid(first.state, 0.004, T + 1);
    expect(second.deltaV).toBe(0);
    expect(second.isStable).toBe(false);
  });

  it("integrates over the caller's clock: the first step has no interval, the next integrates ΔT·dt", () => {
    const first = genomicPid(createPidState(), 0.01, T);
    expect(first.state.integral).toBe(0);
    expect(first.dTerm).toBe(0);
    const second = genomicPid(first.state, 0.01, T + 2);
    expect(second.state.integral).toBeCloseTo(-0.02, 12);
    expect(second.iTerm).toBeCloseTo(0.1 * -0.02, 12);
  });

  it("anti-windup keeps the integral within ±1 however long the error persists", () => {
    let state = createPidState();
    for (let i = 0; i < 50; i++) state = genomicPid(state, 5, T + i * 100).state;
    expect(state.integral).toBe(INTEGRAL_LIMIT);
    let low = createPidState();
    for (let i = 0; i < 50; i++) low = genomicPid(low, 1e-6, T + i * 1000, undefined, 5).state;
    expect(low.integral).toBe(-INTEGRAL_LIMIT);
  });

  it("ε-reset zeroes the integral when |ΔT| < 1e-4, and only then", () => {
    let state = createPidState();
    for (let i = 0; i < 5; i++) state = genomicPid(state, 0.5, T + i).state;
    expect(state.integral).toBeGreaterThan(0);
    const inside = genomicPid(state, 0.02 + EPSILON_RESET / 2, T + 10);
    expect(inside.state.integral).toBe(0);
    const outside = genomicPid(state, 0.02 + EPSILON_RESET * 2, T + 10);
    expect(outside.state.integral).not.toBe(0);
  });

  it("limits ΔO to ±0.05 per beat", () => {
    expect(genomicPid(createPidState(), 10, T).deltaO).toBe(-MAX_DELTA_O);
    expect(genomicPid(createPidState(), 1e-6, T, undefined, 10).deltaO).toBe(MAX_DELTA_O);
    fc.assert(
      fc.property(
        fc.double({ min: 1e-6, max: 100, noNaN: true }),
        fc.double({ min: 1e-6, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 1e4, noNaN: true }),
        (t, threshold, dt) => {
          const first = genomicPid(createPidState(), t, T, undefined, threshold);
          const step = genomicPid(first.state, t * 0.5, T + dt, undefined, threshold);
          return Math.abs(step.deltaO) <= MAX_DELTA_O && Math.abs(step.state.integral) <= INTEGRAL_LIMIT;
        },
      ),
    );
  });

  it("its state survives a JSON round trip unchanged", () => {
    const state = genomicPid(genomicPid(createPidState(), 0.004, T).state, 0.004, T + 1).state;
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });
});

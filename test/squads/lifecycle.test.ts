// The task lifecycle table, the retry backoff and resonance member choice (src/core).
import { describe, expect, it } from "vitest";
import {
  afterFailedAttempt,
  canTransition,
  checkTransition,
  OPEN_TASK_STATUSES,
  sourcesOf,
  TASK_STATUSES,
  TASK_TRANSITIONS,
  taskRetryDelayMs,
} from "../../src/core/task-lifecycle.js";
import { chooseMember, successRate, type ResonanceRecord } from "../../src/core/resonance.js";
import { DomainError } from "../../src/core/problem.js";

describe("the task lifecycle", () => {
  it("goes pending-approval → approved → dispatched → completed | failed, with rejected and cancelled on the side", () => {
    expect(TASK_TRANSITIONS["pending-approval"]).toEqual(["approved", "rejected", "cancelled"]);
    expect(canTransition("approved", "dispatched")).toBe(true);
    expect(canTransition("dispatched", "completed")).toBe(true);
    expect(canTransition("dispatched", "failed")).toBe(true);
  });

  it("dispatches only approved tasks", () => expect(sourcesOf("dispatched")).toEqual(["approved"]));

  it("never leaves a closed task", () => {
    for (const closed of TASK_STATUSES.filter((s) => !OPEN_TASK_STATUSES.includes(s)))
      expect(TASK_TRANSITIONS[closed], closed).toEqual([]);
  });

  it("never goes back to pending-approval, and approval and rejection are the operator's first decision only", () => {
    expect(sourcesOf("pending-approval")).toEqual([]);
    expect(sourcesOf("rejected")).toEqual(["pending-approval"]);
    expect(sourcesOf("approved")).toEqual(["pending-approval", "dispatched"]); // dispatched → approved: a retry waits
  });

  it("refuses a transition the table does not allow with a 409 naming both states", () => {
    expect(() => checkTransition("task_1", "approved", "dispatched")).not.toThrow();
    try {
      checkTransition("task_1", "pending-approval", "dispatched");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).toProblem()).toMatchObject({
        status: 409,
        code: "illegal-transition",
        status_now: "pending-approval",
        wanted: "dispatched",
      });
      expect((error as DomainError).message).toContain('only from "approved"');
    }
  });
});

describe("retry backoff", () => {
  it("doubles from the base after each failed attempt, capped at an hour", () => {
    expect([1, 2, 3, 4].map((n) => taskRetryDelayMs(n, 30_000))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(taskRetryDelayMs(40, 30_000)).toBe(60 * 60_000);
  });

  it("retries until the attempt limit, then fails", () => {
    expect(afterFailedAttempt({ attempts: 1, maxAttempts: 3 }, 1_000, 500)).toEqual({ kind: "retry", at: 1_500 });
    expect(afterFailedAttempt({ attempts: 2, maxAttempts: 3 }, 1_000, 500)).toEqual({ kind: "retry", at: 2_000 });
    expect(afterFailedAttempt({ attempts: 3, maxAttempts: 3 }, 1_000, 500)).toEqual({ kind: "fail" });
  });
});

describe("resonance", () => {
  const record = (agent: string, successes: number, failures: number): [string, ResonanceRecord] => [
    agent,
    { agent, kind: "k", successes, failures },
  ];

  it("starts an untried agent at ½ and smooths small records", () => {
    expect(successRate(undefined)).toBe(0.5);
    expect(successRate({ successes: 1, failures: 0 })).toBeCloseTo(2 / 3);
    expect(successRate({ successes: 9, failures: 1 })).toBeCloseTo(10 / 12);
  });

  it("picks the member with the best success rate for the kind", () => {
    expect(chooseMember(["a", "b", "c"], new Map([record("a", 1, 3), record("b", 8, 1), record("c", 0, 0)]))).toBe("b");
  });

  it("prefers a newcomer to a member that keeps failing", () =>
    expect(chooseMember(["bad", "new"], new Map([record("bad", 0, 4)]))).toBe("new"));

  it("breaks ties by load, then by fewer tries, then by squad order", () => {
    expect(
      chooseMember(["a", "b"], new Map(), {
        load: new Map([
          ["a", 2],
          ["b", 0],
        ]),
      }),
    ).toBe("b");
    expect(chooseMember(["a", "b"], new Map([record("a", 1, 1), record("b", 0, 0)]))).toBe("b");
    expect(chooseMember(["a", "b"], new Map())).toBe("a");
  });

  it("avoids members that already failed this task unless nobody else is left", () => {
    const records = new Map([record("a", 10, 0), record("b", 0, 0)]);
    expect(chooseMember(["a", "b"], records, { avoid: new Set(["a"]) })).toBe("b");
    expect(chooseMember(["a"], records, { avoid: new Set(["a"]) })).toBe("a");
    expect(chooseMember([], records)).toBeNull();
  });
});

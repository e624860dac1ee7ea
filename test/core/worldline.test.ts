// What a world line's status allows (src/core/worldline.ts) and who may read it (src/core/privacy.ts).
import { describe, expect, it } from "vitest";
import { canRead } from "../../src/core/privacy.js";
import { DomainError } from "../../src/core/problem.js";
import {
  checkArbiterRuns,
  checkIfMatch,
  checkPromotable,
  checkWritable,
  isNewerDecision,
  quarantine,
  release,
  terminate,
  type WorldLineMeta,
} from "../../src/core/worldline.js";

const HEAD = "a".repeat(64);
const meta = (status: WorldLineMeta["status"]): WorldLineMeta => ({
  id: "wl_test",
  name: "test",
  status,
  privacy: "private",
  head: HEAD,
  green: null,
  parents: [],
  createdAt: 1,
  updatedAt: 1,
});

/** The status and code `work` throws, or null when it does not throw. */
function refusal(work: () => unknown): [number, string] | null {
  try {
    work();
    return null;
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return [error.status, error.code];
  }
}

describe("world line status", () => {
  it("only an active world line takes writes: 410 once terminated, 423 while quarantined", () => {
    expect(refusal(() => checkWritable(meta("active")))).toBeNull();
    expect(refusal(() => checkWritable(meta("terminated")))).toEqual([410, "worldline-terminated"]);
    expect(refusal(() => checkWritable(meta("quarantined")))).toEqual([423, "worldline-quarantined"]);
  });

  it("terminating is a write: a quarantined world line is released first, and termination is final", () => {
    expect(terminate(meta("active"), 5)).toMatchObject({ status: "terminated", updatedAt: 5 });
    expect(refusal(() => terminate(meta("quarantined"), 5))).toEqual([423, "worldline-quarantined"]);
    expect(refusal(() => terminate(meta("terminated"), 5))).toEqual([410, "worldline-terminated"]);
  });

  it("quarantine locks an active world line and leaves a quarantined or terminated one as it is", () => {
    expect(quarantine(meta("active"), 7)).toMatchObject({ status: "quarantined", updatedAt: 7 });
    expect(quarantine(meta("quarantined"), 7)).toBeNull();
    expect(quarantine(meta("terminated"), 7)).toBeNull();
  });

  it("release reactivates a quarantined world line and refuses any other with 409", () => {
    expect(release(meta("quarantined"), 9)).toMatchObject({ status: "active", updatedAt: 9 });
    expect(refusal(() => release(meta("active"), 9))).toEqual([409, "not-quarantined"]);
    expect(refusal(() => release(meta("terminated"), 9))).toEqual([409, "not-quarantined"]);
  });

  it("nothing on a terminated world line can be promoted (409); a quarantined one's commits can", () => {
    expect(refusal(() => checkPromotable(meta("active")))).toBeNull();
    expect(refusal(() => checkPromotable(meta("quarantined")))).toBeNull();
    expect(refusal(() => checkPromotable(meta("terminated")))).toEqual([409, "target-worldline-terminated"]);
  });

  it("a terminated world line's arbiter does not run (410); a quarantined one's still does", () => {
    expect(refusal(() => checkArbiterRuns(meta("active")))).toBeNull();
    expect(refusal(() => checkArbiterRuns(meta("quarantined")))).toBeNull();
    expect(refusal(() => checkArbiterRuns(meta("terminated")))).toEqual([410, "worldline-terminated"]);
  });
});

describe("writes and decisions", () => {
  it("If-Match must name the head: any other commit answers 412 with the head", () => {
    expect(refusal(() => checkIfMatch(meta("active"), undefined))).toBeNull();
    expect(refusal(() => checkIfMatch(meta("active"), HEAD))).toBeNull();
    expect(refusal(() => checkIfMatch(meta("active"), "b".repeat(64)))).toEqual([412, "stale-head"]);
    try {
      checkIfMatch(meta("active"), "b".repeat(64));
    } catch (error) {
      expect((error as DomainError).fields.head).toBe(HEAD);
    }
  });

  it("only a ledger decision newer than the last one applied changes green", () => {
    expect(isNewerDecision(0, undefined)).toBe(true);
    expect(isNewerDecision(4, 3)).toBe(true);
    expect(isNewerDecision(3, 3)).toBe(false); // a retry of the same decision
    expect(isNewerDecision(2, 3)).toBe(false); // a late retry of an older one
  });

  it("the operator reads every privacy level, anyone else only the public ones", () => {
    for (const level of ["private", "private-network", "p2p", "public-network", "full-public"] as const)
      expect(canRead({ isOperator: true }, level)).toBe(true);
    expect(
      (["private", "private-network", "p2p", "public-network", "full-public"] as const).filter((level) =>
        canRead({ isOperator: false }, level),
      ),
    ).toEqual(["public-network", "full-public"]);
  });
});

// Quorum (src/core/authority.ts): k-of-n, counted over the approvals that count.
import { describe, expect, it } from "vitest";
import { authoritySet, hasQuorum } from "../../src/core/authority.js";

const KEYS = ["a", "b", "c"].map((c) => c.repeat(64));
const approval = (authority: string) => ({ authority, signature: "0".repeat(128) });

describe("quorum", () => {
  it("is reached at k counted approvals, not before", () => {
    const set = authoritySet(KEYS, 2);
    expect(hasQuorum(set, [])).toBe(false);
    expect(hasQuorum(set, [approval(KEYS[0]!)])).toBe(false);
    expect(hasQuorum(set, [approval(KEYS[0]!), approval(KEYS[1]!)])).toBe(true);
    expect(hasQuorum(set, KEYS.map(approval))).toBe(true);
  });

  it("defaults to a strict two-thirds majority: 2 of 3", () => {
    const set = authoritySet(KEYS);
    expect([hasQuorum(set, [approval(KEYS[0]!)]), hasQuorum(set, KEYS.slice(0, 2).map(approval))]).toEqual([
      false,
      true,
    ]);
  });
});

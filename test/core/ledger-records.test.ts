// The decision entry's data (src/core/ledger-records.ts): the four proofs of seed 004.
import { describe, expect, it } from "vitest";
import { decisionData } from "../../src/core/ledger-records.js";

const ALICE = "a".repeat(64);
const BOB = "b".repeat(64);
const payload = {
  ledger: "darkmatter-edge/ledger",
  proposal: "pr_1",
  kind: "promote" as const,
  worldline: "wl_1",
  commit: "c".repeat(64),
  stateRoot: "d".repeat(64),
  authorities: null,
  createdAt: 1000,
};

describe("a decision entry", () => {
  it("records WHERE, WHO, WHAT and WHEN, with the signatures alone (not when or where each was recorded)", () => {
    const approvals = [
      { authority: ALICE, signature: "1".repeat(128), at: 5, entry: 3 },
      { authority: BOB, signature: "2".repeat(128), at: 6, entry: 4 },
    ];
    const data = decisionData(
      {
        proposal: { id: "pr_1", payload, digest: "e".repeat(64) },
        approvals,
        quorum: 2,
        durableObject: "do-id",
        location: "FRA",
      },
      { timestamp: 7, previousHash: "f".repeat(64), index: 5 },
    );
    expect(data).toEqual({
      proposal: "pr_1",
      payload,
      digest: "e".repeat(64),
      where: { worldline: "wl_1", durableObject: "do-id", location: "FRA" },
      who: {
        quorum: 2,
        approvals: [
          { authority: ALICE, signature: "1".repeat(128) },
          { authority: BOB, signature: "2".repeat(128) },
        ],
      },
      what: { worldline: "wl_1", commit: payload.commit, stateRoot: payload.stateRoot, authorities: null },
      when: { timestamp: 7, previousHash: "f".repeat(64), index: 5 },
    });
  });
});

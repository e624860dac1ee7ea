// The proposal workflow's rules (src/core/proposal-rules.ts): the order an approval is judged in,
// what a rollback may name, when a proposal is stale, and what the signed payload holds. The
// Ledger applies them (test/routes/promotions.test.ts runs them end to end through the DO).
import { describe, expect, it } from "vitest";
import { DomainError, type Problem } from "../../src/core/problem.js";
import {
  admitApproval,
  checkRollback,
  greenTarget,
  hasApproved,
  proposalPayload,
  staleReason,
  type ApprovalFacts,
} from "../../src/core/proposal-rules.js";

/** The problem `work` raised, or null if it returned. */
function problemOf(work: () => unknown): Problem | null {
  try {
    work();
    return null;
  } catch (error) {
    if (error instanceof DomainError) return error.toProblem();
    throw error;
  }
}

const ALICE = "a".repeat(64);
const BOB = "b".repeat(64);
const approvalBy = (authority: string) => ({ authority, signature: "0".repeat(128), at: 1, entry: 2 });

const pending = { id: "pr_1", status: "pending" as const, approvals: [], decision: null, reason: null };
const decided = {
  id: "pr_1",
  status: "approved" as const,
  approvals: [approvalBy(ALICE)],
  decision: { index: 7, hash: "f".repeat(64) },
  reason: null,
};
const stale = { ...pending, status: "stale" as const, reason: "world line wl_1 was terminated" };

/** A valid approval by ALICE, a current authority, on a proposal the caller may read. */
const facts = (overrides: Partial<ApprovalFacts> = {}): ApprovalFacts => ({
  proposal: pending,
  authority: ALICE,
  isAuthority: true,
  isSigned: true,
  mayRead: true,
  ...overrides,
});

describe("an arriving approval", () => {
  it("goes on to ask the world line when it is a valid authority's on a pending proposal", () => {
    expect(admitApproval(facts())).toBe("ask-world-line");
  });

  it("asks the world line even when it repeats one, so a repeat on a stale proposal still learns it is stale", () => {
    expect(admitApproval(facts({ proposal: { ...pending, approvals: [approvalBy(ALICE)] } }))).toBe("ask-world-line");
  });

  it("finds a hidden proposal only with a valid authority's signature: anyone else is told it does not exist", () => {
    const hidden = { mayRead: false };
    expect(problemOf(() => admitApproval(facts({ ...hidden, isAuthority: false, isSigned: false })))).toMatchObject({
      status: 404,
      code: "not-found",
      detail: "proposal pr_1 does not exist",
    });
    expect(problemOf(() => admitApproval(facts({ ...hidden, isSigned: false })))?.status).toBe(404);
    expect(
      problemOf(() => admitApproval(facts({ ...hidden, proposal: decided, authority: BOB, isSigned: false }))),
    ).toMatchObject({ status: 404 }); // not even "decided" leaks
    expect(admitApproval(facts(hidden))).toBe("ask-world-line");
  });

  it("refuses a key that is not a current authority, before looking at its signature", () => {
    expect(
      problemOf(() => admitApproval(facts({ authority: BOB, isAuthority: false, isSigned: false }))),
    ).toMatchObject({
      status: 403,
      code: "not-an-authority",
      detail: `${BOB} is not one of the ledger's current authorities`,
    });
  });

  it("refuses an authority's signature that does not verify over the digest", () => {
    expect(problemOf(() => admitApproval(facts({ isSigned: false })))).toMatchObject({
      status: 403,
      code: "bad-signature",
    });
  });

  it("checks the credential before the proposal's state: a stranger on a decided proposal is 403, not 409", () => {
    expect(
      problemOf(() => admitApproval(facts({ proposal: decided, isAuthority: false, isSigned: false }))),
    ).toMatchObject({ status: 403, code: "not-an-authority" });
    expect(problemOf(() => admitApproval(facts({ proposal: stale, isSigned: false })))).toMatchObject({
      status: 403,
      code: "bad-signature",
    });
  });

  it("changes nothing when an approver of a decided proposal approves again", () => {
    expect(admitApproval(facts({ proposal: decided }))).toBe("unchanged");
  });

  it("answers 409 with the decision's entry to an authority approving a proposal decided without it", () => {
    expect(problemOf(() => admitApproval(facts({ proposal: decided, authority: BOB })))).toMatchObject({
      status: 409,
      code: "proposal-decided",
      detail: "proposal pr_1 was already decided at ledger entry 7",
    });
  });

  it("answers 409 with the recorded reason to any approval of a stale proposal, a repeat included", () => {
    const expected = {
      status: 409,
      code: "proposal-stale",
      detail: "proposal pr_1 is stale: world line wl_1 was terminated",
    };
    expect(problemOf(() => admitApproval(facts({ proposal: stale })))).toMatchObject(expected);
    expect(
      problemOf(() => admitApproval(facts({ proposal: { ...stale, approvals: [approvalBy(ALICE)] } }))),
    ).toMatchObject(expected);
  });

  it("counts as a repeat only an approval by the same authority", () => {
    const proposal = { approvals: [approvalBy(ALICE)] };
    expect([hasApproved(proposal, ALICE), hasApproved(proposal, BOB)]).toEqual([true, false]);
  });
});

describe("a rollback", () => {
  const history = ["c3", "c2", "c1", "c2"]; // newest first; c2 was green twice

  it("may name any commit that was green before", () => {
    expect(problemOf(() => checkRollback(history, "c1"))).toBeNull();
    expect(problemOf(() => checkRollback(history, "c2"))).toBeNull();
  });

  it("may not name the current green commit (409)", () => {
    expect(problemOf(() => checkRollback(history, "c3"))).toMatchObject({ status: 409, code: "already-green" });
  });

  it("may not name a commit that was never green, nor none at all (422 at /commit)", () => {
    for (const [greens, commit] of [
      [history, "c9"],
      [[], "c1"],
      [history, null],
    ] as const) {
      expect(problemOf(() => checkRollback(greens, commit))).toMatchObject({
        status: 422,
        code: "not-an-earlier-green",
        errors: [{ path: "/commit", message: "never promoted" }],
      });
    }
  });
});

describe("staleness", () => {
  const target = { worldline: "wl_1", commit: "c1" };

  it("concerns only proposals that move a world line's green to a commit", () => {
    expect(greenTarget({ worldline: "wl_1", commit: "c1" })).toEqual(target);
    expect(greenTarget({ worldline: null, commit: null })).toBeNull(); // an authority change
    expect(greenTarget({ worldline: "wl_1", commit: null })).toBeNull();
  });

  it("keeps a proposal meaningful while its commit is in the history of a live world line, quarantined or not", () => {
    expect(staleReason(target, { status: "active", inHistory: true })).toBeNull();
    expect(staleReason(target, { status: "quarantined", inHistory: true })).toBeNull();
  });

  it("makes a proposal stale when its world line is gone or terminated, or its commit left the history", () => {
    expect(staleReason(target, { status: "missing", inHistory: false })).toBe("world line wl_1 no longer exists");
    expect(staleReason(target, { status: "terminated", inHistory: true })).toBe("world line wl_1 was terminated");
    expect(staleReason(target, { status: "active", inHistory: false })).toBe(
      "commit c1 is no longer in the history of wl_1",
    );
  });
});

describe("a proposal's signed payload", () => {
  const request = { kind: "promote" as const, worldline: "wl_1", commit: "c1", stateRoot: "r1", authorities: null };

  it("names the ledger, the proposal and the commit, so a signature cannot be replayed onto another", () => {
    expect(proposalPayload("darkmatter-edge/ledger", "pr_1", request, 1000)).toEqual({
      ledger: "darkmatter-edge/ledger",
      proposal: "pr_1",
      kind: "promote",
      worldline: "wl_1",
      commit: "c1",
      stateRoot: "r1",
      authorities: null,
      createdAt: 1000,
    });
  });

  it("holds a new authority set normalised, with the default quorum, and refuses an impossible one", () => {
    const rotate = { kind: "authorities" as const, worldline: null, commit: null, stateRoot: null };
    const set = { authorities: [ALICE.toUpperCase(), BOB, ` ${BOB} `] };
    expect(proposalPayload("l", "pr_2", { ...rotate, authorities: set }, 1).authorities).toEqual({
      authorities: [ALICE, BOB],
      quorum: 2,
    });
    expect(
      problemOf(() => proposalPayload("l", "pr_2", { ...rotate, authorities: { authorities: [ALICE], quorum: 2 } }, 1)),
    ).toMatchObject({ status: 422, code: "invalid-quorum" });
  });
});

// The rules of the proposal workflow (DESIGN: Blue → Green): what a proposal's signed payload
// holds, what a rollback may name, when a proposal has gone stale against its world line, and the
// order in which an arriving approval is judged. Pure: the Ledger (src/ledger/proposals.ts) reads
// the facts, asks the world line, and writes.
import type { z } from "zod";
import type { Proposal as ProposalSchema } from "../schemas/ledger.js";
import type { WorldLineStatus } from "../schemas/worldline.js";
import { authoritySet } from "./authority.js";
import type { ProposalKind, ProposalPayload } from "./ledger-records.js";
import { DomainError } from "./problem.js";

type Proposal = z.infer<typeof ProposalSchema>;

/** What a route asks the ledger to propose (the route has resolved the commit and the world line's privacy). */
export interface ProposalRequest {
  kind: ProposalKind;
  worldline: string | null;
  commit: string | null;
  stateRoot: string | null;
  /** The new set for an `authorities` proposal; quorum defaults to ceil(2n/3). */
  authorities: { authorities: string[]; quorum?: number } | null;
  durableObject: string | null;
  /**
   * May anonymous readers see it? A world line's privacy level is fixed at creation, so the
   * route learns it from the world line once and the ledger keeps it with the proposal; lists
   * then filter in SQL and a cursor only ever names a visible proposal.
   */
  isPublic: boolean;
}

/** What the ledger asks a world line before a decision: is the proposal still meaningful? */
export interface WorldLineCheck {
  status: z.infer<typeof WorldLineStatus> | "missing";
  inHistory: boolean;
}

/**
 * Exactly what authorities sign. It names the ledger, the proposal and the commit, so a signature
 * cannot be replayed onto another proposal (authority.ts); a new authority set is validated here
 * (422), before anything is written.
 */
export function proposalPayload(
  ledger: string,
  proposal: string,
  request: Pick<ProposalRequest, "kind" | "worldline" | "commit" | "stateRoot" | "authorities">,
  createdAt: number,
): ProposalPayload {
  return {
    ledger,
    proposal,
    kind: request.kind,
    worldline: request.worldline,
    commit: request.commit,
    stateRoot: request.stateRoot,
    authorities: request.authorities ? authoritySet(request.authorities.authorities, request.authorities.quorum) : null,
    createdAt,
  };
}

/**
 * A rollback names a commit that was green before and is not green now. `greens` are the world
 * line's green commits, newest first: the current one is 409, one never promoted is 422.
 */
export function checkRollback(greens: readonly string[], commit: string | null): void {
  if (greens[0] === commit)
    throw new DomainError("already-green", "that commit is the current green commit; roll back to an earlier one");
  if (commit === null || !greens.includes(commit))
    throw new DomainError("not-an-earlier-green", {
      detail: "a rollback must name a commit that was green before",
      errors: [{ path: "/commit", message: "never promoted" }],
    });
}

/** The world line whose green a decision on this payload moves, and to which commit; null for an authority change. */
export function greenTarget(
  payload: Pick<ProposalPayload, "worldline" | "commit">,
): { worldline: string; commit: string } | null {
  const { worldline, commit } = payload;
  return worldline && commit ? { worldline, commit } : null;
}

/**
 * Why a proposal is stale, or null while it is still meaningful: its world line is gone or
 * terminated, or the commit is no longer in its history (a merge or rollback moved the head past it).
 */
export function staleReason(target: { worldline: string; commit: string }, check: WorldLineCheck): string | null {
  const { worldline, commit } = target;
  if (check.status === "missing") return `world line ${worldline} no longer exists`;
  if (check.status === "terminated") return `world line ${worldline} was terminated`;
  if (!check.inHistory) return `commit ${commit} is no longer in the history of ${worldline}`;
  return null;
}

export const proposalNotFound = (id: string) => new DomainError("not-found", `proposal ${id} does not exist`);

export const proposalStale = (id: string, reason: string | null) =>
  new DomainError("proposal-stale", `proposal ${id} is stale: ${reason}`);

/** Has `authority` already approved it? Approving again changes nothing. */
export const hasApproved = (proposal: Pick<Proposal, "approvals">, authority: string) =>
  proposal.approvals.some((a) => a.authority === authority);

/** The facts an arriving approval is judged on, all known before anything is written. */
export interface ApprovalFacts {
  proposal: Pick<Proposal, "id" | "status" | "approvals" | "decision" | "reason">;
  authority: string;
  /** Is `authority` one of the ledger's current authorities? */
  isAuthority: boolean;
  /** …and does its signature verify over the proposal's digest? */
  isSigned: boolean;
  /** May the caller see the proposal without a signature: the operator, or a proposal anonymous readers see? */
  mayRead: boolean;
}

/**
 * The first part of an approval, in this order (the order is the contract): a hidden proposal is
 * 404 unless the signature is a valid authority's; not an authority, then a bad signature, 403; a
 * decided proposal is 409 unless this authority's approval is in it already (then nothing changes);
 * a proposal recorded stale is 409. What remains asks the world line (`staleReason`: 409 once the
 * stale status is written), then records the approval unless `hasApproved` says it repeats one.
 */
export function admitApproval(facts: ApprovalFacts): "unchanged" | "ask-world-line" {
  const { proposal, authority } = facts;
  // The route needs no token (the signature is the credential), so for a hidden proposal only
  // a valid authority signature over its digest tells it apart from a missing one.
  if (!facts.isSigned && !facts.mayRead) throw proposalNotFound(proposal.id);
  if (!facts.isAuthority)
    throw new DomainError("not-an-authority", `${authority} is not one of the ledger's current authorities`);
  if (!facts.isSigned)
    throw new DomainError(
      "bad-signature",
      "the signature does not verify: sign the 32 raw bytes of the proposal's digest with the authority's Ed25519 key",
    );
  if (proposal.status === "approved") {
    if (hasApproved(proposal, authority)) return "unchanged";
    throw new DomainError(
      "proposal-decided",
      `proposal ${proposal.id} was already decided at ledger entry ${proposal.decision!.index}`,
    );
  }
  if (proposal.status === "stale") throw proposalStale(proposal.id, proposal.reason);
  return "ask-world-line";
}

// The `data` of each ledger entry kind. Decision entries (promote / rollback / authorities) carry
// the four proofs of seed 004: WHERE (object and location), WHO (authority signatures), WHAT
// (world line, commit, state root — or the new authority set), WHEN (timestamp, previous hash, index).
import type { z } from "zod";
import type { AnchorsBody, Proposal, ProposalKind as ProposalKindSchema } from "../schemas/ledger.js";
import type { Approval, AuthoritySet } from "./authority.js";

export type ProposalKind = z.infer<typeof ProposalKindSchema>;

/** Exactly what authorities sign (its SHA3-256 digest). */
export type ProposalPayload = z.infer<typeof Proposal>["payload"];

export interface GenesisData extends AuthoritySet {
  origin: string;
  ledgerPublicKey: string;
}

export interface ProposalData {
  proposal: string;
  kind: ProposalKind;
  payload: ProposalPayload;
  digest: string;
}

export interface ApprovalData extends Approval {
  proposal: string;
  digest: string;
}

export interface DecisionData {
  proposal: string;
  payload: ProposalPayload;
  digest: string;
  where: { worldline: string | null; durableObject: string | null; location: string };
  who: { quorum: number; approvals: Approval[] };
  what: { worldline: string | null; commit: string | null; stateRoot: string | null; authorities: AuthoritySet | null };
  when: { timestamp: number; previousHash: string; index: number };
}

/**
 * The decision entry's data, the four proofs: WHERE the proposal was decided (its world line's
 * object and the location that took the deciding approval), WHO (the quorum and the counted
 * signatures, without their bookkeeping), WHAT changes, and WHEN (the entry's own position).
 */
export function decisionData(
  decision: {
    proposal: Pick<z.infer<typeof Proposal>, "id" | "payload" | "digest">;
    approvals: readonly Approval[];
    quorum: number;
    durableObject: string | null;
    location: string;
  },
  when: DecisionData["when"],
): DecisionData {
  const { proposal, approvals, quorum, durableObject, location } = decision;
  const { payload } = proposal;
  return {
    proposal: proposal.id,
    payload,
    digest: proposal.digest,
    where: { worldline: payload.worldline, durableObject, location },
    who: { quorum, approvals: approvals.map(({ authority, signature }) => ({ authority, signature })) },
    what: {
      worldline: payload.worldline,
      commit: payload.commit,
      stateRoot: payload.stateRoot,
      authorities: payload.authorities,
    },
    when,
  };
}

/** One root of an outside log, as POST /api/v1/ledger/anchors names it. */
export type AnchorData = z.infer<typeof AnchorsBody>["anchors"][number];

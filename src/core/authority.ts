// Proof-of-authority rules (DESIGN: Blue → Green): k-of-n Ed25519 authorities approve a proposal
// by signing the 32 raw bytes of its digest; the digest is SHA3-256 over the RFC 8785 payload,
// and the payload names the ledger, the proposal and the commit, so a signature cannot be
// replayed onto another proposal.
import type { z } from "zod";
import type { ApprovalBody, AuthoritySet as AuthoritySetSchema } from "../schemas/ledger.js";
import { hashJson, hexToBytes } from "./hash.js";
import { DomainError } from "./problem.js";
import { PUBLIC_KEY_HEX, verifyHex } from "./signing.js";

/** k-of-n: the authorities' Ed25519 public keys (hex) and how many must approve. */
export type AuthoritySet = z.infer<typeof AuthoritySetSchema>;
/** An authority's signature over a proposal's digest. */
export type Approval = z.infer<typeof ApprovalBody>;

/** Default k for n authorities: the smallest strict two-thirds majority, ceil(2n/3). */
export const defaultQuorum = (n: number) => Math.ceil((2 * n) / 3);

export function authoritySet(authorities: readonly string[], quorum?: number): AuthoritySet {
  const keys = [...new Set(authorities.map((key) => key.trim().toLowerCase()).filter(Boolean))];
  for (const key of keys) {
    if (!PUBLIC_KEY_HEX.test(key))
      throw new DomainError("invalid-authority", {
        detail: `authority "${key.slice(0, 80)}" is not an Ed25519 public key (64 lowercase hex)`,
        errors: [{ path: "/authorities", message: "not 64 hex" }],
      });
  }
  if (keys.length === 0) throw new DomainError("invalid-authority", "at least one authority is required");
  const k = quorum ?? defaultQuorum(keys.length);
  if (!Number.isInteger(k) || k < 1 || k > keys.length) {
    throw new DomainError("invalid-quorum", {
      detail: `quorum ${k} must be between 1 and the number of authorities (${keys.length})`,
      errors: [{ path: "/quorum", message: "out of range" }],
    });
  }
  return { authorities: keys, quorum: k };
}

/** Parses DM_AUTHORITIES (comma-separated public keys) and DM_QUORUM. */
export function authoritySetFromConfig(authorities: string | undefined, quorum: string | undefined): AuthoritySet {
  if (!authorities)
    throw new DomainError(
      "ledger-not-configured",
      "DM_AUTHORITIES is not set: the ledger needs at least one authority public key (npm start generates a local set)",
    );
  return authoritySet(authorities.split(","), quorum ? Number(quorum) : undefined);
}

export const proposalDigest = (payload: unknown) => hashJson(payload);

export function isAuthority(set: AuthoritySet, key: string): boolean {
  return set.authorities.includes(key);
}

/** k-of-n: do `counted` approvals (as `countingApprovals` answers them) reach the set's quorum? */
export function hasQuorum(set: AuthoritySet, counted: readonly Approval[]): boolean {
  return counted.length >= set.quorum;
}

export async function isValidApproval(digest: string, approval: Approval): Promise<boolean> {
  return verifyHex(approval.authority, hexToBytes(digest), approval.signature);
}

/** The approvals that count under `set`: valid signatures by current authorities, one per authority. */
export async function countingApprovals(
  set: AuthoritySet,
  digest: string,
  approvals: readonly Approval[],
): Promise<Approval[]> {
  const counted = new Map<string, Approval>();
  for (const approval of approvals) {
    if (!isAuthority(set, approval.authority) || counted.has(approval.authority)) continue;
    if (await isValidApproval(digest, approval)) counted.set(approval.authority, approval);
  }
  return [...counted.values()];
}

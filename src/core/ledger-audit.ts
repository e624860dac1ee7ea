// Re-checks a ledger from genesis, entry by entry, without holding it in memory: index sequence,
// hash links, entry hashes, the Merkle tree, and every authority signature against the authority
// set in force at that entry (rotations are followed as they appear). The Ledger DO's `verify`,
// the CLI and the dashboard all use this one auditor.
import {
  authoritySet,
  countingApprovals,
  isAuthority,
  isValidApproval,
  proposalDigest,
  type AuthoritySet,
} from "./authority.js";
import { bytesToHex, GENESIS_PREVIOUS_HASH } from "./hash.js";
import { DECISION_KINDS, entryHashMatches, entryLeaf, LEDGER_KINDS, type LedgerEntry } from "./ledger-entry.js";
import type { ApprovalData, DecisionData, GenesisData } from "./ledger-records.js";
import { appendLeaf, emptyFrontier, frontierRoot, type Frontier } from "./merkle.js";

export interface AuditFailure {
  index: number;
  reason: string;
}

export class LedgerAuditor {
  private frontier: Frontier = emptyFrontier();
  private previousHash = GENESIS_PREVIOUS_HASH;
  private set: AuthoritySet | null = null;
  failure: AuditFailure | null = null;

  get size(): number {
    return this.frontier.size;
  }

  get authorities(): AuthoritySet | null {
    return this.set;
  }

  rootHex(): string {
    return bytesToHex(frontierRoot(this.frontier));
  }

  /** Checks the next entry; `storedLeaf` is the leaf hash the log stored for it, if known. Returns false (and records why) at the first bad entry. */
  async feed(entry: LedgerEntry, storedLeaf?: Uint8Array): Promise<boolean> {
    if (this.failure) return false;
    const reason = await this.check(entry, storedLeaf);
    if (reason) {
      this.failure = { index: this.frontier.size, reason };
      return false;
    }
    return true;
  }

  private async check(entry: LedgerEntry, storedLeaf?: Uint8Array): Promise<string | null> {
    const index = this.frontier.size;
    if (entry.index !== index) return `expected index ${index}, found ${entry.index}`;
    if (!LEDGER_KINDS.includes(entry.kind)) return `unknown kind "${entry.kind}"`;
    if (entry.previousHash !== this.previousHash) return "previousHash does not link to the previous entry";
    if (!entryHashMatches(entry)) return "hash does not match the entry's content";
    if ((entry.kind === "genesis") !== (index === 0)) return "genesis must be entry 0 and only entry 0";
    const problem = await this.checkKind(entry);
    if (problem) return problem;
    const leaf = entryLeaf(entry);
    if (storedLeaf && bytesToHex(storedLeaf) !== bytesToHex(leaf)) return "stored Merkle leaf does not match the entry";
    this.frontier = appendLeaf(this.frontier, leaf).frontier;
    this.previousHash = entry.hash;
    return null;
  }

  private async checkKind(entry: LedgerEntry): Promise<string | null> {
    if (entry.kind === "genesis") {
      const data = entry.data as unknown as GenesisData;
      try {
        this.set = authoritySet(data.authorities, data.quorum);
      } catch {
        return "genesis does not name a valid authority set";
      }
      return null;
    }
    const set = this.set!;
    if (entry.kind === "approval") {
      const data = entry.data as unknown as ApprovalData;
      if (!isAuthority(set, data.authority)) return `approval by ${data.authority} who is not an authority here`;
      if (!(await isValidApproval(data.digest, data))) return "approval signature does not verify";
      return null;
    }
    if (DECISION_KINDS.includes(entry.kind)) {
      const problem = await checkDecision(entry, set);
      if (problem) return problem;
      if (entry.kind === "authorities") this.set = nextAuthoritySet(entry);
    }
    return null;
  }
}

/** The checks every decision entry must pass under the authority set in force before it. */
export async function checkDecision(entry: LedgerEntry, set: AuthoritySet): Promise<string | null> {
  const data = entry.data as unknown as DecisionData;
  if (proposalDigest(data.payload) !== data.digest) return "decision digest does not match its payload";
  if (data.payload.kind !== entry.kind) return "decision kind does not match its payload";
  if (
    data.when.index !== entry.index ||
    data.when.previousHash !== entry.previousHash ||
    data.when.timestamp !== entry.timestamp
  )
    return "WHEN proof does not match the entry";
  if (data.what.worldline !== data.payload.worldline || data.what.commit !== data.payload.commit)
    return "WHAT proof does not match the signed payload";
  const counted = await countingApprovals(set, data.digest, data.who.approvals);
  if (counted.length !== data.who.approvals.length) return "a WHO signature is invalid or not by a current authority";
  if (counted.length < set.quorum) return `only ${counted.length} of the ${set.quorum} required authority signatures`;
  if (entry.kind === "authorities") {
    try {
      nextAuthoritySet(entry);
    } catch {
      return "authorities entry does not name a valid authority set";
    }
  }
  return null;
}

/** The authority set an `authorities` entry installs. */
export function nextAuthoritySet(entry: LedgerEntry): AuthoritySet {
  const data = entry.data as unknown as DecisionData;
  return authoritySet(data.payload.authorities!.authorities, data.payload.authorities!.quorum);
}

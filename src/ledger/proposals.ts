// The proposal workflow (DESIGN: Blue → Green): a proposal, the authorities' approvals (signatures
// over its digest), and at quorum the decision entry with its four proofs, after which the world
// line's green moves through the outbox. The rules are src/core (proposal-rules.ts, authority.ts,
// ledger-records.ts); this file reads the facts, asks the world line, and writes. The Ledger runs
// `propose` and `approve` in its serial queue, so two approvals cannot both decide one proposal.
import type { z } from "zod";
import type { Proposal as ProposalSchema, ProposalStatus as ProposalStatusSchema } from "../schemas/ledger.js";
import {
  authoritySet,
  countingApprovals,
  hasQuorum,
  isAuthority,
  isValidApproval,
  proposalDigest,
  type Approval,
} from "../core/authority.js";
import type { Json } from "../core/canonical-json.js";
import { newId } from "../core/ids.js";
import { decisionData, type ProposalKind } from "../core/ledger-records.js";
import type { Viewer } from "../core/privacy.js";
import {
  admitApproval,
  checkRollback,
  greenTarget,
  hasApproved,
  proposalNotFound,
  proposalPayload,
  proposalStale,
  staleReason,
  type ProposalRequest,
} from "../core/proposal-rules.js";
import { emitEvent } from "../events/producer.js";
import { worldLineObjectId, worldLineStub } from "../stubs.js";
import type { GreenOutbox } from "./green-outbox.js";
import type { Greens } from "./greens.js";
import type { LedgerIdentity } from "./identity.js";
import type { MerkleLog } from "./merkle-log.js";

// Shapes come from the API's zod schemas, so the Durable Object and the OpenAPI document cannot drift.
export type ProposalStatus = z.infer<typeof ProposalStatusSchema>;
export type Proposal = z.infer<typeof ProposalSchema>;

interface ProposalRow {
  id: string;
  kind: ProposalKind;
  payload: string;
  digest: string;
  status: ProposalStatus;
  approvals: string;
  created_at: number;
  decided_at: number | null;
  decision_index: number | null;
  decision_hash: string | null;
  reason: string | null;
  is_public: number | null;
  [column: string]: SqlStorageValue;
}

/** Anonymous readers see a proposal about no world line, or one about a world line recorded public (in SQL: `proposals`). */
const isVisible = (row: ProposalRow) => row.worldline === null || row.is_public === 1;

export class Proposals {
  private readonly sql: SqlStorage;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    private readonly log: MerkleLog,
    private readonly identity: LedgerIdentity,
    private readonly greens: Greens,
    private readonly outbox: GreenOutbox,
  ) {
    this.sql = ctx.storage.sql;
  }

  /** Validates in full (a rollback's target, a new authority set), then writes the proposal and its entry together. */
  propose(request: ProposalRequest): Proposal {
    if (request.kind === "rollback") checkRollback(this.greens.newestFirst(request.worldline), request.commit);
    const id = newId("pr");
    const now = Date.now();
    const payload = proposalPayload(this.identity.origin, id, request, now);
    const digest = proposalDigest(payload);
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        "INSERT INTO proposals (id, kind, worldline, payload, digest, status, approvals, created_at, is_public) VALUES (?, ?, ?, ?, ?, 'pending', '[]', ?, ?)",
        id,
        request.kind,
        request.worldline,
        JSON.stringify(payload),
        digest,
        now,
        request.worldline === null || request.isPublic ? 1 : 0,
      );
      this.log.append(
        "proposal",
        { proposal: id, kind: request.kind, payload, digest } as unknown as Json,
        request.worldline,
      );
    });
    this.ctx.waitUntil(
      emitEvent(this.env, {
        type: "ledger.proposal.created",
        ...(request.worldline && { worldline: request.worldline }),
        data: { proposal: id, kind: request.kind, commit: request.commit, stateRoot: request.stateRoot, digest },
      }),
    );
    return this.read(id)!;
  }

  /** One proposal; to anonymous viewers a proposal about a non-public world line does not exist. */
  proposal(id: string, viewer: Viewer): Proposal {
    const row = this.readRow(id);
    if (!row || !(viewer.isOperator || isVisible(row))) throw proposalNotFound(id);
    return this.toProposal(row);
  }

  /**
   * Newest first. Visibility is filtered in the query, so an anonymous page is full and `next`
   * (the last row's id) names a proposal that viewer may read; `next` is null on the last page.
   */
  proposals(
    query: { status?: ProposalStatus; limit: number; before?: string },
    viewer: Viewer,
  ): { items: Proposal[]; next: string | null } {
    const filters: string[] = [];
    const args: SqlStorageValue[] = [];
    if (query.status) (filters.push("status = ?"), args.push(query.status));
    if (query.before) (filters.push("id < ?"), args.push(query.before));
    if (!viewer.isOperator) filters.push("(worldline IS NULL OR is_public = 1)");
    const rows = this.sql
      .exec<ProposalRow>(
        `SELECT * FROM proposals ${filters.length ? "WHERE " + filters.join(" AND ") : ""} ORDER BY id DESC LIMIT ?`,
        ...args,
        query.limit + 1,
      )
      .toArray();
    const page = rows.slice(0, query.limit);
    return {
      items: page.map((row) => this.toProposal(row)),
      next: rows.length > query.limit ? page[page.length - 1]!.id : null,
    };
  }

  /**
   * An authority's approval, judged in the order of `admitApproval` (src/core/proposal-rules.ts).
   * At quorum the decision entry (with the four proofs) is appended and the world line's green moves.
   */
  async approve(id: string, approval: Approval, location: string, viewer: Viewer): Promise<Proposal> {
    const row = this.readRow(id);
    if (!row) throw proposalNotFound(id);
    const proposal = this.toProposal(row);
    const set = this.identity.authorities;
    const byAuthority = isAuthority(set, approval.authority);
    const isSigned = byAuthority && (await isValidApproval(proposal.digest, approval));
    const admission = admitApproval({
      proposal,
      authority: approval.authority,
      isAuthority: byAuthority,
      isSigned,
      mayRead: viewer.isOperator || isVisible(row),
    });
    if (admission === "unchanged") return proposal;
    const staleness = await this.staleness(proposal);
    if (staleness) {
      this.sql.exec(
        "UPDATE proposals SET status = 'stale', reason = ?, decided_at = ? WHERE id = ?",
        staleness,
        Date.now(),
        id,
      );
      throw proposalStale(id, staleness);
    }
    if (hasApproved(proposal, approval.authority)) return proposal;

    const decided = this.ctx.storage.transactionSync(() => {
      const recorded = this.log.append(
        "approval",
        { proposal: id, digest: proposal.digest, authority: approval.authority, signature: approval.signature },
        proposal.payload.worldline,
      );
      const approvals = [...proposal.approvals, { ...approval, at: recorded.timestamp, entry: recorded.index }];
      this.sql.exec("UPDATE proposals SET approvals = ? WHERE id = ?", JSON.stringify(approvals), id);
      return approvals;
    });
    const counted = await countingApprovals(this.identity.authorities, proposal.digest, decided);
    if (hasQuorum(this.identity.authorities, counted)) await this.decide(proposal, counted, location);
    return this.read(id)!;
  }

  /**
   * Appends the decision entry and, in the same transaction, marks the proposal approved, records
   * the green and its outbox row, or replaces the authority set; then tells the world line.
   */
  private async decide(proposal: Proposal, approvals: Approval[], location: string): Promise<void> {
    const { payload } = proposal;
    const durableObject = payload.worldline ? worldLineObjectId(this.env, payload.worldline) : null;
    const target = greenTarget(payload);
    const entry = this.ctx.storage.transactionSync(() => {
      const decision = this.log.append(
        proposal.kind,
        (index, previousHash, timestamp) =>
          decisionData(
            { proposal, approvals, quorum: this.identity.authorities.quorum, durableObject, location },
            { timestamp, previousHash, index },
          ) as unknown as Json,
        payload.worldline,
      );
      this.sql.exec(
        "UPDATE proposals SET status = 'approved', decided_at = ?, decision_index = ?, decision_hash = ? WHERE id = ?",
        decision.timestamp,
        decision.index,
        decision.hash,
        proposal.id,
      );
      if (target) {
        this.greens.record(target.worldline, target.commit, decision.index);
        // The outbox row commits with the decision: the world line is told until it has applied it.
        this.outbox.enqueue(decision.index, target.worldline, target.commit, proposal.id);
      }
      if (proposal.kind === "authorities")
        this.identity.replaceAuthorities(authoritySet(payload.authorities!.authorities, payload.authorities!.quorum));
      return decision;
    });
    if (target) {
      const decided = {
        proposal: proposal.id,
        commit: target.commit,
        stateRoot: payload.stateRoot,
        ledgerIndex: entry.index,
        ledgerHash: entry.hash,
        approvals: approvals.length,
      };
      this.ctx.waitUntil(
        emitEvent(this.env, {
          type: proposal.kind === "promote" ? "ledger.promoted" : "ledger.rolled_back",
          worldline: target.worldline,
          data: decided,
        }),
      );
      await this.outbox.apply();
    }
  }

  /** Asks the proposal's world line whether its commit is still meaningful (null: it is, or it concerns none). */
  private async staleness(proposal: Proposal): Promise<string | null> {
    const target = greenTarget(proposal.payload);
    if (!target) return null;
    const { worldline, commit } = target;
    const check = await worldLineStub(this.env, worldline).checkCommit(commit);
    return staleReason(target, check);
  }

  private read(id: string): Proposal | null {
    const row = this.readRow(id);
    return row ? this.toProposal(row) : null;
  }

  private readRow(id: string): ProposalRow | null {
    return this.sql.exec<ProposalRow>("SELECT * FROM proposals WHERE id = ?", id).toArray()[0] ?? null;
  }

  private toProposal(row: ProposalRow): Proposal {
    return {
      id: row.id,
      kind: row.kind,
      payload: JSON.parse(row.payload),
      digest: row.digest,
      status: row.status,
      approvals: JSON.parse(row.approvals),
      quorum: this.identity.authorities.quorum,
      createdAt: row.created_at,
      decidedAt: row.decided_at,
      decision: row.decision_index === null ? null : { index: row.decision_index, hash: row.decision_hash! },
      reason: row.reason,
    };
  }
}

// The consensus ledger: one Durable Object (SQLite storage). A thin adapter: it creates the tables,
// opens the ledger (src/ledger/identity.ts: genesis, key, authority set; a configuration error is
// answered as 503 on every call) and dispatches each call to the concept it belongs to — the Merkle
// log (merkle-log.ts), proposals and decisions (proposals.ts), anchors, green proof bundles and the
// green outbox (green-outbox.ts, retried on the alarm). The rules are src/core.
import { DurableObject } from "cloudflare:workers";
import type { z } from "zod";
import type {
  ConsistencyProof,
  InclusionProof,
  LedgerStatus as LedgerStatusSchema,
  VerifyResult,
} from "../src/schemas/ledger.js";
import type { Approval } from "../src/core/authority.js";
import type { AnchorData } from "../src/core/ledger-records.js";
import type { LedgerEntry } from "../src/core/ledger-entry.js";
import type { Viewer } from "../src/core/privacy.js";
import type { GreenProofBundle } from "../src/core/proof-bundle.js";
import { capture, DomainError, type Outcome } from "../src/core/problem.js";
import type { ProposalRequest } from "../src/core/proposal-rules.js";
import { SerialQueue } from "../src/core/serial-queue.js";
import { Anchors } from "../src/ledger/anchors.js";
import { GreenOutbox, type PendingGreen } from "../src/ledger/green-outbox.js";
import { Greens } from "../src/ledger/greens.js";
import { LedgerIdentity, openLedger } from "../src/ledger/identity.js";
import { MerkleLog, type EntryPage, type EntryQuery } from "../src/ledger/merkle-log.js";
import { createLedgerTables } from "../src/ledger/schema.js";
import { greenProofBundle } from "../src/ledger/proof-bundles.js";
import { Proposals, type Proposal, type ProposalStatus } from "../src/ledger/proposals.js";

// Shapes come from the API's zod schemas, so the Durable Object and the OpenAPI document cannot drift.
export type LedgerStatus = z.infer<typeof LedgerStatusSchema>;
export type { Proposal, ProposalStatus } from "../src/ledger/proposals.js";
export type { ProposalRequest, WorldLineCheck } from "../src/core/proposal-rules.js";

/** The parts that exist once the ledger is open (configured). */
interface OpenLedger {
  log: MerkleLog;
  identity: LedgerIdentity;
  greens: Greens;
  proposals: Proposals;
  anchors: Anchors;
}

export class Ledger extends DurableObject<Env> {
  private readonly log: MerkleLog;
  private readonly outbox: GreenOutbox;
  private readonly opened: OpenLedger | DomainError;
  private readonly decisions = new SerialQueue();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    createLedgerTables(ctx.storage.sql);
    this.log = new MerkleLog(ctx.storage.sql);
    this.outbox = new GreenOutbox(ctx.storage, env);
    try {
      const identity = openLedger(ctx.storage, env, this.log);
      const greens = new Greens(ctx.storage.sql);
      const proposals = new Proposals(ctx, env, this.log, identity, greens, this.outbox);
      this.opened = { log: this.log, identity, greens, proposals, anchors: new Anchors(ctx.storage, this.log) };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      this.opened = error; // answered as 503 on every call until configured
    }
  }

  // ---- the log ----------------------------------------------------------------------------

  status(): Promise<Outcome<LedgerStatus>> {
    return capture(() => {
      const { log, identity } = this.ready();
      return {
        origin: identity.origin,
        size: log.size,
        root: log.rootHex(),
        head: log.head,
        authorities: identity.authorities.authorities,
        quorum: identity.authorities.quorum,
        ledgerPublicKey: identity.ledgerPublicKey,
      };
    });
  }

  /** GET /metrics: the tree size and proposals by kind and status (a small table; the entries are not scanned). */
  metrics(): Promise<
    Outcome<{
      size: number;
      proposals: Array<{ kind: string; status: string; n: number }>;
      lastVerify: { at: number; ok: boolean } | null;
    }>
  > {
    return capture(() => {
      const { log } = this.ready();
      const lastVerify = this.ctx.storage.sql
        .exec<{ value: string }>("SELECT value FROM meta WHERE key = 'last_verify'")
        .toArray()[0];
      const proposals = this.ctx.storage.sql
        .exec<{ kind: string; status: string; n: number }>(
          "SELECT kind, status, count(*) AS n FROM proposals GROUP BY kind, status",
        )
        .toArray();
      return { size: log.size, proposals, lastVerify: lastVerify ? JSON.parse(lastVerify.value) : null };
    });
  }

  checkpoint(): Promise<Outcome<string>> {
    return capture(() => this.ready().identity.signedCheckpoint());
  }

  /** Entries in index order, with the world line each concerns (the route hides private ones from anonymous readers). */
  entries(query: EntryQuery): Promise<Outcome<EntryPage>> {
    return capture(() => this.ready().log.entries(query));
  }

  entry(index: number): Promise<Outcome<{ entry: LedgerEntry; worldline: string | null }>> {
    return capture(() => this.ready().log.entry(index));
  }

  inclusion(index: number, size?: number): Promise<Outcome<z.infer<typeof InclusionProof>>> {
    return capture(() => this.ready().log.inclusion(index, size));
  }

  consistency(from: number, to?: number): Promise<Outcome<z.infer<typeof ConsistencyProof>>> {
    return capture(() => this.ready().log.consistency(from, to));
  }

  /** Re-checks every hash link, entry hash, Merkle leaf and root, and quorum signature, streaming from genesis. */
  verify(): Promise<Outcome<z.infer<typeof VerifyResult>>> {
    return capture(async () => {
      const result = await this.ready().log.verify();
      // Kept for GET /metrics: an alert on a failed verification needs its last outcome.
      this.ctx.storage.sql.exec(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('last_verify', ?)",
        JSON.stringify({ at: Date.now(), ok: result.ok }),
      );
      return result;
    });
  }

  /** `anchor` entries (no quorum); a repeated idempotency key appends nothing and answers the first entries. */
  anchor(
    anchors: AnchorData[],
    worldline: string | null = null,
    idempotencyKey?: string,
  ): Promise<Outcome<Array<{ index: number; hash: string }>>> {
    return capture(() => this.ready().anchors.append(anchors, worldline, idempotencyKey));
  }

  // ---- proposals (serialised: two approvals cannot both decide one proposal) -----------------

  propose(request: ProposalRequest): Promise<Outcome<Proposal>> {
    return this.serially(async () => this.ready().proposals.propose(request));
  }

  /** One proposal; to anonymous viewers a proposal about a non-public world line does not exist. */
  proposal(id: string, viewer: Viewer): Promise<Outcome<Proposal>> {
    return capture(() => this.ready().proposals.proposal(id, viewer));
  }

  /** Newest first, filtered by visibility in the query; `next` is null on the last page. */
  proposals(
    query: { status?: ProposalStatus; limit: number; before?: string },
    viewer: Viewer,
  ): Promise<Outcome<{ items: Proposal[]; next: string | null }>> {
    return capture(() => this.ready().proposals.proposals(query, viewer));
  }

  /** An authority's approval: 403 for a non-authority or a bad signature, 409 decided or stale; at quorum, the decision. */
  approve(id: string, approval: Approval, location: string, viewer: Viewer): Promise<Outcome<Proposal>> {
    return this.serially(() => this.ready().proposals.approve(id, approval, location, viewer));
  }

  // ---- green ------------------------------------------------------------------------------

  /** Everything needed to verify a world line's green commit offline. */
  greenProof(worldline: string): Promise<Outcome<GreenProofBundle>> {
    return capture(() => {
      const { log, identity, greens } = this.ready();
      return greenProofBundle(log, identity, greens, worldline);
    });
  }

  /** The outbox retry: apply what is still pending (the alarm re-arms itself while anything fails). */
  override async alarm(): Promise<void> {
    if (this.opened instanceof DomainError) return;
    const run = await this.serially(() => this.outbox.apply());
    if (!run.ok) throw new Error(run.problem.detail ?? run.problem.title); // retried by the platform
  }

  /** Decisions recorded but not yet applied to their world lines (normally none). */
  pendingGreens(): Promise<Outcome<PendingGreen[]>> {
    return capture(() => this.outbox.pending());
  }

  private ready(): OpenLedger {
    if (this.opened instanceof DomainError) throw this.opened;
    return this.opened;
  }

  private serially<T>(work: () => Promise<T>): Promise<Outcome<T>> {
    return this.decisions.run(() => capture(work));
  }
}

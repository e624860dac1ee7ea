// The consensus ledger: one Durable Object (SQLite storage) holding the entries, every complete
// Merkle subtree hash (so appends are O(log n) through the frontier and any proof for any earlier
// size reads O(log n) stored hashes), and the proposals waiting for authority approvals.
// Thin over src/core: the math is merkle.ts, the rules are authority.ts and ledger-audit.ts.
import { DurableObject } from "cloudflare:workers";
import type { z } from "zod";
import type {
  ConsistencyProof,
  InclusionProof,
  LedgerStatus as LedgerStatusSchema,
  VerifyResult,
  Proposal as ProposalSchema,
  ProposalStatus as ProposalStatusSchema,
} from "../src/schemas/ledger.js";
import {
  authoritySet,
  authoritySetFromConfig,
  countingApprovals,
  isAuthority,
  isValidApproval,
  proposalDigest,
  type Approval,
  type AuthoritySet,
} from "../src/core/authority.js";
import { retryDelaySeconds } from "../src/core/events.js";
import { setAlarmIfEarlier } from "../src/core/alarm.js";
import { signCheckpoint } from "../src/core/checkpoint.js";
import type { Json } from "../src/core/canonical-json.js";
import { bytesToHex, GENESIS_PREVIOUS_HASH, hexToBytes } from "../src/core/hash.js";
import { newId } from "../src/core/ids.js";
import { LedgerAuditor } from "../src/core/ledger-audit.js";
import { entryLeaf, sealEntry, type LedgerEntry, type LedgerKind } from "../src/core/ledger-entry.js";
import type {
  AnchorData,
  DecisionData,
  GenesisData,
  ProposalKind,
  ProposalPayload,
} from "../src/core/ledger-records.js";
import {
  appendLeaf,
  assembleProof,
  consistencyPlan,
  emptyFrontier,
  frontierRoot,
  inclusionPlan,
  nodeKey,
  planAddresses,
  rootPlan,
  type Frontier,
  type NodeAddress,
} from "../src/core/merkle.js";
import { capture, DomainError, type Outcome } from "../src/core/problem.js";
import { publicKeyOf } from "../src/core/signing.js";
import type { Viewer } from "../src/core/privacy.js";
import { SerialQueue } from "../src/core/serial-queue.js";
import { BUNDLE_FORMAT, type GreenProofBundle, type ProvenEntry } from "../src/core/proof-bundle.js";
import { emitEvent } from "../src/events/producer.js";

export const LEDGER_NAME = "consensus-ledger";
const DEFAULT_ORIGIN = "darkmatter-edge/ledger";

// Shapes come from the API's zod schemas, so the Durable Object and the OpenAPI document cannot drift.
export type LedgerStatus = z.infer<typeof LedgerStatusSchema>;
export type ProposalStatus = z.infer<typeof ProposalStatusSchema>;
export type Proposal = z.infer<typeof ProposalSchema>;

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
  status: "active" | "quarantined" | "terminated" | "missing";
  inHistory: boolean;
}

interface EntryRow {
  idx: number;
  timestamp: number;
  kind: LedgerKind;
  data: string;
  previous_hash: string;
  hash: string;
  [column: string]: SqlStorageValue;
}

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

/** A decision recorded here and not yet applied to its world line (the outbox; see `applyGreens`). */
interface GreenOutboxRow {
  entry_index: number;
  worldline: string;
  commit_id: string;
  proposal: string;
  attempts: number;
  [column: string]: SqlStorageValue;
}

const isVisible = (row: ProposalRow) => row.worldline === null || row.is_public === 1;
const proposalNotFound = (id: string) => new DomainError("not-found", `proposal ${id} does not exist`);

const toEntry = (row: EntryRow): LedgerEntry => ({
  index: row.idx,
  timestamp: row.timestamp,
  kind: row.kind,
  data: JSON.parse(row.data),
  previousHash: row.previous_hash,
  hash: row.hash,
});

export class Ledger extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private frontier: Frontier = emptyFrontier();
  private head = GENESIS_PREVIOUS_HASH;
  private set!: AuthoritySet;
  private origin = DEFAULT_ORIGIN;
  private ledgerPublicKey = "";
  private configError: DomainError | null = null;
  private readonly decisions = new SerialQueue();
  private checkpointCache: { size: number; note: string } | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS entries (idx INTEGER PRIMARY KEY, timestamp INTEGER NOT NULL, kind TEXT NOT NULL, worldline TEXT, data TEXT NOT NULL, previous_hash TEXT NOT NULL, hash TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS entries_kind ON entries (kind, idx);
      CREATE INDEX IF NOT EXISTS entries_worldline ON entries (worldline, idx);
      CREATE TABLE IF NOT EXISTS nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS proposals (id TEXT PRIMARY KEY, kind TEXT NOT NULL, worldline TEXT, payload TEXT NOT NULL, digest TEXT NOT NULL, status TEXT NOT NULL, approvals TEXT NOT NULL, created_at INTEGER NOT NULL, decided_at INTEGER, decision_index INTEGER, decision_hash TEXT, reason TEXT);
      CREATE INDEX IF NOT EXISTS proposals_status ON proposals (status, created_at);
      CREATE TABLE IF NOT EXISTS greens (worldline TEXT NOT NULL, commit_id TEXT NOT NULL, entry_index INTEGER NOT NULL, PRIMARY KEY (worldline, entry_index)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS green_outbox (entry_index INTEGER PRIMARY KEY, worldline TEXT NOT NULL, commit_id TEXT NOT NULL, proposal TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT);
      CREATE TABLE IF NOT EXISTS anchor_keys (key TEXT PRIMARY KEY, idx INTEGER NOT NULL, count INTEGER NOT NULL) WITHOUT ROWID;
    `);
    // Proposals stored before visibility was recorded have no is_public: anonymous readers do not
    // see those that concern a world line (the safe reading of "unknown").
    if (
      !this.sql
        .exec<{ name: string }>("PRAGMA table_info(proposals)")
        .toArray()
        .some((column) => column.name === "is_public")
    ) {
      this.sql.exec("ALTER TABLE proposals ADD COLUMN is_public INTEGER");
    }
    try {
      this.open();
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      this.configError = error; // answered as 503 on every call until configured
    }
  }

  // ---- log reads ------------------------------------------------------------------------

  status(): Promise<Outcome<LedgerStatus>> {
    return capture(() => {
      this.ready();
      return {
        origin: this.origin,
        size: this.frontier.size,
        root: bytesToHex(frontierRoot(this.frontier)),
        head: this.head,
        authorities: this.set.authorities,
        quorum: this.set.quorum,
        ledgerPublicKey: this.ledgerPublicKey,
      };
    });
  }

  checkpoint(): Promise<Outcome<string>> {
    return capture(() => this.signedCheckpoint());
  }

  /** Entries in index order; `worldlines[i]` names the world line entry i concerns (the route hides private ones from anonymous readers). */
  entries(query: {
    from: number;
    limit: number;
    kind?: LedgerKind;
    worldline?: string;
  }): Promise<Outcome<{ items: LedgerEntry[]; worldlines: Array<string | null>; size: number }>> {
    return capture(() => {
      this.ready();
      const filters = ["idx >= ?"];
      const args: SqlStorageValue[] = [query.from];
      if (query.kind) (filters.push("kind = ?"), args.push(query.kind));
      if (query.worldline) (filters.push("worldline = ?"), args.push(query.worldline));
      const rows = this.sql
        .exec<EntryRow>(
          `SELECT * FROM entries WHERE ${filters.join(" AND ")} ORDER BY idx LIMIT ?`,
          ...args,
          query.limit,
        )
        .toArray();
      return {
        items: rows.map(toEntry),
        worldlines: rows.map((row) => (row.worldline as string | null) ?? null),
        size: this.frontier.size,
      };
    });
  }

  entry(index: number): Promise<Outcome<{ entry: LedgerEntry; worldline: string | null }>> {
    return capture(() => {
      this.ready();
      const row = this.sql
        .exec<{ worldline: string | null }>("SELECT worldline FROM entries WHERE idx = ?", index)
        .toArray()[0];
      return { entry: this.readEntry(index), worldline: row?.worldline ?? null };
    });
  }

  inclusion(index: number, size?: number): Promise<Outcome<z.infer<typeof InclusionProof>>> {
    return capture(() => {
      this.ready();
      const at = size ?? this.frontier.size;
      this.checkSize(at);
      if (!Number.isSafeInteger(index) || index < 0 || index >= at)
        throw new DomainError("index-out-of-range", `index ${index} is not below size ${at}`);
      return {
        index,
        size: at,
        root: this.rootHexAt(at),
        leafHash: bytesToHex(this.node(0, index)),
        proof: this.proof(inclusionPlan(index, at)),
      };
    });
  }

  consistency(from: number, to?: number): Promise<Outcome<z.infer<typeof ConsistencyProof>>> {
    return capture(() => {
      this.ready();
      const end = to ?? this.frontier.size;
      this.checkSize(end);
      if (!Number.isSafeInteger(from) || from < 1 || from > end)
        throw new DomainError("size-out-of-range", `from (${from}) must be between 1 and to (${end})`);
      return {
        from,
        to: end,
        fromRoot: this.rootHexAt(from),
        toRoot: this.rootHexAt(end),
        proof: this.proof(consistencyPlan(from, end)),
      };
    });
  }

  /** Re-checks every hash link, entry hash, Merkle leaf and root, and quorum signature, streaming from genesis. */
  verify(): Promise<Outcome<z.infer<typeof VerifyResult>>> {
    return capture(async () => {
      this.ready();
      const auditor = new LedgerAuditor();
      const size = this.frontier.size;
      const root = bytesToHex(frontierRoot(this.frontier));
      const CHUNK = 2000;
      for (let from = 0; from < size; from += CHUNK) {
        const rows = this.sql
          .exec<EntryRow & { leaf: ArrayBuffer | null }>(
            "SELECT e.*, n.hash AS leaf FROM entries e LEFT JOIN nodes n ON n.level = 0 AND n.idx = e.idx WHERE e.idx >= ? AND e.idx < ? ORDER BY e.idx",
            from,
            Math.min(size, from + CHUNK),
          )
          .toArray();
        for (const row of rows) {
          let entry: LedgerEntry;
          try {
            entry = toEntry(row);
          } catch {
            return { ok: false, size, root, firstBadIndex: row.idx, reason: "entry data is not JSON" };
          }
          if (!(await auditor.feed(entry, row.leaf ? new Uint8Array(row.leaf) : new Uint8Array()))) {
            return { ok: false, size, root, firstBadIndex: auditor.failure!.index, reason: auditor.failure!.reason };
          }
        }
        if (rows.length === 0) break;
      }
      if (auditor.size !== size)
        return { ok: false, size, root, firstBadIndex: auditor.size, reason: "entries are missing" };
      if (auditor.rootHex() !== root)
        return { ok: false, size, root, reason: "the stored Merkle root does not match the entries" };
      return { ok: true, size, root };
    });
  }

  // ---- proposals ------------------------------------------------------------------------

  propose(request: ProposalRequest): Promise<Outcome<Proposal>> {
    return this.serially(async () => {
      this.ready();
      if (request.kind === "rollback") {
        const greens = this.sql
          .exec<{ commit_id: string }>(
            "SELECT commit_id FROM greens WHERE worldline = ? ORDER BY entry_index DESC",
            request.worldline,
          )
          .toArray();
        if (greens[0]?.commit_id === request.commit)
          throw new DomainError(
            "already-green",
            "that commit is the current green commit; roll back to an earlier one",
          );
        if (!greens.some((green) => green.commit_id === request.commit))
          throw new DomainError("not-an-earlier-green", {
            detail: "a rollback must name a commit that was green before",
            errors: [{ path: "/commit", message: "never promoted" }],
          });
      }
      const id = newId("pr");
      const now = Date.now();
      const payload: ProposalPayload = {
        ledger: this.origin,
        proposal: id,
        kind: request.kind,
        worldline: request.worldline,
        commit: request.commit,
        stateRoot: request.stateRoot,
        authorities: request.authorities
          ? authoritySet(request.authorities.authorities, request.authorities.quorum)
          : null,
        createdAt: now,
      };
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
        this.append(
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
      return this.readProposal(id)!;
    });
  }

  /** One proposal; to anonymous viewers a proposal about a non-public world line does not exist. */
  proposal(id: string, viewer: Viewer): Promise<Outcome<Proposal>> {
    return capture(() => {
      this.ready();
      const row = this.readProposalRow(id);
      if (!row || !(viewer.isOperator || isVisible(row))) throw proposalNotFound(id);
      return this.toProposal(row);
    });
  }

  /**
   * Newest first. Visibility is filtered in the query, so an anonymous page is full and `next`
   * (the last row's id) names a proposal that viewer may read; `next` is null on the last page.
   */
  proposals(
    query: { status?: ProposalStatus; limit: number; before?: string },
    viewer: Viewer,
  ): Promise<Outcome<{ items: Proposal[]; next: string | null }>> {
    return capture(() => {
      this.ready();
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
    });
  }

  /**
   * An authority's approval. The signature is the credential: non-authorities and bad signatures
   * are 403, a repeated approval changes nothing, a decided or stale proposal is 409. At quorum
   * the decision entry (with the four proofs) is appended and the world line's green moves.
   */
  approve(id: string, approval: Approval, location: string, viewer: Viewer): Promise<Outcome<Proposal>> {
    return this.serially(async () => {
      this.ready();
      const row = this.readProposalRow(id);
      if (!row) throw proposalNotFound(id);
      const proposal = this.toProposal(row);
      // The route needs no token (the signature is the credential), so for a hidden proposal only
      // a valid authority signature over its digest tells it apart from a missing one.
      const isSigned = isAuthority(this.set, approval.authority) && (await isValidApproval(proposal.digest, approval));
      if (!isSigned && !viewer.isOperator && !isVisible(row)) throw proposalNotFound(id);
      if (!isAuthority(this.set, approval.authority))
        throw new DomainError(
          "not-an-authority",
          `${approval.authority} is not one of the ledger's current authorities`,
        );
      if (!isSigned)
        throw new DomainError(
          "bad-signature",
          "the signature does not verify: sign the 32 raw bytes of the proposal's digest with the authority's Ed25519 key",
        );
      if (proposal.status === "approved") {
        if (proposal.approvals.some((a) => a.authority === approval.authority)) return proposal;
        throw new DomainError(
          "proposal-decided",
          `proposal ${id} was already decided at ledger entry ${proposal.decision!.index}`,
        );
      }
      if (proposal.status === "stale")
        throw new DomainError("proposal-stale", `proposal ${id} is stale: ${proposal.reason}`);
      const staleness = await this.staleness(proposal);
      if (staleness) {
        this.sql.exec(
          "UPDATE proposals SET status = 'stale', reason = ?, decided_at = ? WHERE id = ?",
          staleness,
          Date.now(),
          id,
        );
        throw new DomainError("proposal-stale", `proposal ${id} is stale: ${staleness}`);
      }
      if (proposal.approvals.some((a) => a.authority === approval.authority)) return proposal;

      const decided = this.ctx.storage.transactionSync(() => {
        const recorded = this.append(
          "approval",
          { proposal: id, digest: proposal.digest, authority: approval.authority, signature: approval.signature },
          proposal.payload.worldline,
        );
        const approvals = [...proposal.approvals, { ...approval, at: recorded.timestamp, entry: recorded.index }];
        this.sql.exec("UPDATE proposals SET approvals = ? WHERE id = ?", JSON.stringify(approvals), id);
        return approvals;
      });
      const counted = await countingApprovals(this.set, proposal.digest, decided);
      if (counted.length >= this.set.quorum) await this.decide(proposal, counted, location);
      return this.readProposal(id)!;
    });
  }

  /**
   * Appends `anchor` entries (no quorum: they attest a root, they change nothing canonical). With
   * an idempotency key (the arbiter's, one per beat), a key seen before answers the entries it
   * appended then and appends nothing, so a retried anchor is in the log once.
   */
  anchor(
    anchors: AnchorData[],
    worldline: string | null = null,
    idempotencyKey?: string,
  ): Promise<Outcome<Array<{ index: number; hash: string }>>> {
    return capture(() => {
      this.ready();
      return this.ctx.storage.transactionSync(() => {
        const earlier =
          idempotencyKey === undefined
            ? undefined
            : this.sql
                .exec<{ idx: number; count: number }>(
                  "SELECT idx, count FROM anchor_keys WHERE key = ?",
                  idempotencyKey,
                )
                .toArray()[0];
        if (earlier)
          return this.sql
            .exec<{ idx: number; hash: string }>(
              "SELECT idx, hash FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx",
              earlier.idx,
              earlier.idx + earlier.count,
            )
            .toArray()
            .map((row) => ({ index: row.idx, hash: row.hash }));
        const appended = anchors.map((data) => {
          const entry = this.append(
            "anchor",
            data as unknown as Json,
            worldline ?? (data.subject.startsWith("wl_") ? data.subject : null),
          );
          return { index: entry.index, hash: entry.hash };
        });
        if (idempotencyKey !== undefined)
          this.sql.exec(
            "INSERT INTO anchor_keys (key, idx, count) VALUES (?, ?, ?)",
            idempotencyKey,
            appended[0]?.index ?? this.frontier.size,
            appended.length,
          );
        return appended;
      });
    });
  }

  /** Everything needed to verify a world line's green commit offline. */
  greenProof(worldline: string): Promise<Outcome<GreenProofBundle>> {
    return capture(async () => {
      this.ready();
      const green = this.sql
        .exec<{ commit_id: string; entry_index: number }>(
          "SELECT commit_id, entry_index FROM greens WHERE worldline = ? ORDER BY entry_index DESC LIMIT 1",
          worldline,
        )
        .toArray()[0];
      if (!green)
        throw new DomainError("no-green-commit", `world line ${worldline} has no green (promoted) commit yet`);
      const size = this.frontier.size;
      const prove = (index: number): ProvenEntry => ({
        entry: this.readEntry(index),
        inclusion: { index, size, proof: this.proof(inclusionPlan(index, size)) },
      });
      const rotations = this.sql
        .exec<{ idx: number }>(
          "SELECT idx FROM entries WHERE kind = 'authorities' AND idx < ? ORDER BY idx",
          green.entry_index,
        )
        .toArray();
      return {
        format: BUNDLE_FORMAT,
        worldline,
        commit: green.commit_id,
        ledger: { origin: this.origin, keyName: this.origin, publicKey: this.ledgerPublicKey },
        checkpoint: await this.signedCheckpoint(),
        decision: prove(green.entry_index),
        authorityChain: [prove(0), ...rotations.map((row) => prove(row.idx))],
      };
    });
  }

  // ---- internals ------------------------------------------------------------------------

  private async decide(proposal: Proposal, approvals: Approval[], location: string): Promise<void> {
    const { payload } = proposal;
    const durableObject = payload.worldline ? this.env.WORLDLINE.idFromName(payload.worldline).toString() : null;
    const entry = this.ctx.storage.transactionSync(() => {
      const decision = this.append(
        proposal.kind,
        (index, previousHash, timestamp) =>
          ({
            proposal: proposal.id,
            payload,
            digest: proposal.digest,
            where: { worldline: payload.worldline, durableObject, location },
            who: {
              quorum: this.set.quorum,
              approvals: approvals.map(({ authority, signature }) => ({ authority, signature })),
            },
            what: {
              worldline: payload.worldline,
              commit: payload.commit,
              stateRoot: payload.stateRoot,
              authorities: payload.authorities,
            },
            when: { timestamp, previousHash, index },
          }) satisfies DecisionData as unknown as Json,
        payload.worldline,
      );
      this.sql.exec(
        "UPDATE proposals SET status = 'approved', decided_at = ?, decision_index = ?, decision_hash = ? WHERE id = ?",
        decision.timestamp,
        decision.index,
        decision.hash,
        proposal.id,
      );
      if (payload.worldline && payload.commit) {
        this.sql.exec(
          "INSERT INTO greens (worldline, commit_id, entry_index) VALUES (?, ?, ?)",
          payload.worldline,
          payload.commit,
          decision.index,
        );
        // The outbox row commits with the decision: the world line is told until it has applied it.
        this.sql.exec(
          "INSERT INTO green_outbox (entry_index, worldline, commit_id, proposal) VALUES (?, ?, ?, ?)",
          decision.index,
          payload.worldline,
          payload.commit,
          proposal.id,
        );
      }
      if (proposal.kind === "authorities") {
        this.set = authoritySet(payload.authorities!.authorities, payload.authorities!.quorum);
        this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('authorities', ?)", JSON.stringify(this.set));
      }
      return decision;
    });
    if (payload.worldline && payload.commit) {
      const decided = {
        proposal: proposal.id,
        commit: payload.commit,
        stateRoot: payload.stateRoot,
        ledgerIndex: entry.index,
        ledgerHash: entry.hash,
        approvals: approvals.length,
      };
      this.ctx.waitUntil(
        emitEvent(this.env, {
          type: proposal.kind === "promote" ? "ledger.promoted" : "ledger.rolled_back",
          worldline: payload.worldline,
          data: decided,
        }),
      );
      await this.applyGreens();
    }
  }

  /**
   * Tells each world line about the decisions recorded for it and not yet applied, in ledger
   * order. `setGreen` is idempotent per ledger index (a world line ignores an index at or below
   * the one it applied last), so a retry after a lost answer, or an older decision arriving after
   * a newer one, changes nothing. A row leaves the outbox only once its world line said it is
   * applied; failures keep it and arm the alarm. Runs inside `serially`, never twice at once.
   */
  private async applyGreens(): Promise<void> {
    const pending = this.sql.exec<GreenOutboxRow>("SELECT * FROM green_outbox ORDER BY entry_index").toArray();
    let failures = 0;
    let attempts = 0;
    for (const row of pending) {
      let error: string | null = null;
      try {
        const worldLine = this.env.WORLDLINE.get(this.env.WORLDLINE.idFromName(row.worldline));
        const outcome = (await worldLine.setGreen(row.commit_id, row.entry_index)) as Outcome<unknown>;
        if (!outcome.ok) error = `${outcome.problem.status} ${outcome.problem.detail ?? outcome.problem.title}`;
      } catch (thrown) {
        error = thrown instanceof Error ? thrown.message : String(thrown);
      }
      if (error === null) {
        this.sql.exec("DELETE FROM green_outbox WHERE entry_index = ?", row.entry_index);
        continue;
      }
      failures++;
      attempts = Math.max(attempts, row.attempts + 1);
      this.sql.exec(
        "UPDATE green_outbox SET attempts = attempts + 1, last_error = ? WHERE entry_index = ?",
        error.slice(0, 1000),
        row.entry_index,
      );
      console.warn(`ledger: green for ${row.worldline} (entry ${row.entry_index}) not applied yet: ${error}`);
    }
    if (failures > 0) {
      const delay = retryDelaySeconds(attempts) * 1000; // the one backoff schedule (events, outboxes)
      await setAlarmIfEarlier(this.ctx.storage, Date.now() + delay);
    }
  }

  /** The outbox retry: apply what is still pending (the alarm re-arms itself while anything fails). */
  override async alarm(): Promise<void> {
    if (this.configError) return;
    const run = await this.serially(() => this.applyGreens());
    if (!run.ok) throw new Error(run.problem.detail ?? run.problem.title); // retried by the platform
  }

  /** Decisions recorded but not yet applied to their world lines (normally none). */
  pendingGreens(): Promise<
    Outcome<
      Array<{
        ledgerIndex: number;
        worldline: string;
        commit: string;
        proposal: string;
        attempts: number;
        lastError: string | null;
      }>
    >
  > {
    return capture(() =>
      this.sql
        .exec<GreenOutboxRow & { last_error: string | null }>("SELECT * FROM green_outbox ORDER BY entry_index")
        .toArray()
        .map((row) => ({
          ledgerIndex: row.entry_index,
          worldline: row.worldline,
          commit: row.commit_id,
          proposal: row.proposal,
          attempts: row.attempts,
          lastError: row.last_error,
        })),
    );
  }

  private async staleness(proposal: Proposal): Promise<string | null> {
    const { worldline, commit } = proposal.payload;
    if (!worldline || !commit) return null;
    const check = await this.env.WORLDLINE.get(this.env.WORLDLINE.idFromName(worldline)).checkCommit(commit);
    if (check.status === "missing") return `world line ${worldline} no longer exists`;
    if (check.status === "terminated") return `world line ${worldline} was terminated`;
    if (!check.inHistory) return `commit ${commit} is no longer in the history of ${worldline}`;
    return null;
  }

  private append(
    kind: LedgerKind,
    data: Json | ((index: number, previousHash: string, timestamp: number) => Json),
    worldline: string | null = null,
  ): LedgerEntry {
    const index = this.frontier.size;
    const timestamp = Date.now();
    const body = typeof data === "function" ? data(index, this.head, timestamp) : data;
    const entry = sealEntry({ index, timestamp, kind, data: body, previousHash: this.head });
    const { frontier, newNodes } = appendLeaf(this.frontier, entryLeaf(entry));
    this.sql.exec(
      "INSERT INTO entries (idx, timestamp, kind, worldline, data, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
      index,
      timestamp,
      kind,
      worldline,
      JSON.stringify(body),
      entry.previousHash,
      entry.hash,
    );
    for (const node of newNodes)
      this.sql.exec("INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)", node.level, node.index, node.hash);
    this.sql.exec(
      "INSERT OR REPLACE INTO meta (key, value) VALUES ('frontier', ?)",
      JSON.stringify({ size: frontier.size, hashes: frontier.hashes.map(bytesToHex), head: entry.hash }),
    );
    this.frontier = frontier;
    this.head = entry.hash;
    return entry;
  }

  /** Loads the frontier and authority set, or writes genesis from the configuration on first use. */
  private open(): void {
    const meta = new Map(
      this.sql
        .exec<{ key: string; value: string }>("SELECT key, value FROM meta")
        .toArray()
        .map((row) => [row.key, row.value]),
    );
    const key = this.env.DM_LEDGER_KEY;
    if (!key || !/^[0-9a-f]{64}$/.test(key))
      throw new DomainError(
        "ledger-not-configured",
        "DM_LEDGER_KEY (the ledger's Ed25519 private key, 64 hex) is not set; npm start generates one",
      );
    this.ledgerPublicKey = publicKeyOf(key);
    if (meta.has("frontier")) {
      const stored = JSON.parse(meta.get("frontier")!) as { size: number; hashes: string[]; head: string };
      this.frontier = { size: stored.size, hashes: stored.hashes.map((hash) => hexToBytes(hash)) };
      this.head = stored.head;
      this.set = JSON.parse(meta.get("authorities")!);
      const genesis = this.readEntry(0).data as unknown as GenesisData;
      this.origin = genesis.origin;
      if (genesis.ledgerPublicKey !== this.ledgerPublicKey) {
        // The log has no ledger-key rotation: signing checkpoints with another key would break every verifier.
        throw new DomainError(
          "ledger-key-mismatch",
          "DM_LEDGER_KEY is not the key recorded in this ledger's genesis entry",
        );
      }
      return;
    }
    const set = authoritySetFromConfig(this.env.DM_AUTHORITIES, this.env.DM_QUORUM);
    this.set = set;
    this.origin = this.env.DM_LEDGER_ORIGIN || DEFAULT_ORIGIN;
    this.ctx.storage.transactionSync(() => {
      this.append("genesis", {
        origin: this.origin,
        authorities: set.authorities,
        quorum: set.quorum,
        ledgerPublicKey: this.ledgerPublicKey,
      } satisfies GenesisData as unknown as Json);
      this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('authorities', ?)", JSON.stringify(set));
    });
  }

  private ready(): void {
    if (this.configError) throw this.configError;
  }

  private async signedCheckpoint(): Promise<string> {
    this.ready();
    const size = this.frontier.size;
    if (this.checkpointCache?.size !== size) {
      const note = await signCheckpoint(
        { origin: this.origin, size, rootHex: bytesToHex(frontierRoot(this.frontier)) },
        this.origin,
        this.env.DM_LEDGER_KEY!,
      );
      this.checkpointCache = { size, note };
    }
    return this.checkpointCache.note;
  }

  private checkSize(size: number): void {
    if (!Number.isSafeInteger(size) || size < 1 || size > this.frontier.size)
      throw new DomainError(
        "size-out-of-range",
        `size must be between 1 and the ledger's size (${this.frontier.size})`,
      );
  }

  private node(level: number, index: number): Uint8Array {
    const row = this.sql
      .exec<{ hash: ArrayBuffer }>("SELECT hash FROM nodes WHERE level = ? AND idx = ?", level, index)
      .toArray()[0];
    if (!row) throw new DomainError("merkle-node-missing", `stored Merkle node (${level}, ${index}) is missing`);
    return new Uint8Array(row.hash);
  }

  private readNodes(addresses: NodeAddress[]): Map<string, Uint8Array> {
    return new Map(addresses.map(({ level, index }) => [nodeKey(level, index), this.node(level, index)]));
  }

  private proof(plan: ReturnType<typeof inclusionPlan>): string[] {
    return assembleProof(plan, this.readNodes(planAddresses(plan))).map(bytesToHex);
  }

  private rootHexAt(size: number): string {
    if (size === this.frontier.size) return bytesToHex(frontierRoot(this.frontier));
    const [root] = this.proof(rootPlan(size));
    return root!;
  }

  private readEntry(index: number): LedgerEntry {
    const row = this.sql.exec<EntryRow>("SELECT * FROM entries WHERE idx = ?", index).toArray()[0];
    if (!row) throw new DomainError("not-found", `ledger entry ${index} does not exist (size ${this.frontier.size})`);
    return toEntry(row);
  }

  private readProposal(id: string): Proposal | null {
    const row = this.readProposalRow(id);
    return row ? this.toProposal(row) : null;
  }

  private readProposalRow(id: string): ProposalRow | null {
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
      quorum: this.set.quorum,
      createdAt: row.created_at,
      decidedAt: row.decided_at,
      decision: row.decision_index === null ? null : { index: row.decision_index, hash: row.decision_hash! },
      reason: row.reason,
    };
  }

  private serially<T>(work: () => Promise<T>): Promise<Outcome<T>> {
    return this.decisions.run(() => capture(work));
  }
}

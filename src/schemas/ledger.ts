import { z } from "zod";
import { LEDGER_KINDS } from "../core/ledger-entry.js";
import { BUNDLE_FORMAT } from "../core/proof-bundle.js";
import { Hash } from "./common.js";
import { WorldLineId } from "./worldline.js";

export const PublicKey = z.string().regex(/^[0-9a-f]{64}$/, "an Ed25519 public key is 64 lowercase hex characters");
export const Signature = z.string().regex(/^[0-9a-f]{128}$/, "an Ed25519 signature is 128 lowercase hex characters");
export const LedgerKind = z.enum(LEDGER_KINDS);
export const Index = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
export const TreeSize = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

export const LedgerStatus = z
  .object({
    origin: z.string(),
    size: z.number().int(),
    root: Hash,
    head: Hash,
    authorities: z.array(PublicKey),
    quorum: z.number().int(),
    ledgerPublicKey: PublicKey,
  })
  .meta({ id: "LedgerStatus" });

export const LedgerEntry = z
  .object({
    index: z.number().int(),
    timestamp: z.number().int().meta({ description: "milliseconds since the epoch" }),
    kind: LedgerKind,
    data: z.unknown(),
    previousHash: Hash,
    hash: Hash,
  })
  .meta({
    id: "LedgerEntry",
    description: "hash = SHA3-256(JCS(entry without hash)); Merkle leaf = SHA3-256(0x00 ‖ JCS(entry))",
  });

export const EntriesQuery = z.object({
  from: Index.default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  kind: LedgerKind.optional(),
  worldline: WorldLineId.optional(),
});
export const EntriesPage = z.object({
  items: z.array(LedgerEntry),
  size: z.number().int(),
  next: z.number().int().nullable().meta({ description: "`from` for the next page" }),
});

export const InclusionQuery = z.object({
  index: Index,
  size: TreeSize.optional().meta({ description: "tree size; default the current size" }),
});
export const InclusionProof = z
  .object({ index: z.number().int(), size: z.number().int(), root: Hash, leafHash: Hash, proof: z.array(Hash) })
  .meta({ id: "InclusionProof", description: "RFC 9162 §2.1.3 inclusion proof (SHA3-256)" });

export const ConsistencyQuery = z.object({ from: TreeSize, to: TreeSize.optional() });
export const ConsistencyProof = z
  .object({ from: z.number().int(), to: z.number().int(), fromRoot: Hash, toRoot: Hash, proof: z.array(Hash) })
  .meta({ id: "ConsistencyProof", description: "RFC 9162 §2.1.4 consistency proof (SHA3-256)" });

export const VerifyResult = z
  .object({
    ok: z.boolean(),
    size: z.number().int(),
    root: Hash,
    firstBadIndex: z.number().int().optional(),
    reason: z.string().optional(),
  })
  .meta({ id: "LedgerVerification" });

/** A proposal's id as the routes take it (pr_…); an id that names none is a 404. */
export const ProposalId = z.string().max(64);
export const ProposalKind = z.enum(["promote", "rollback", "authorities"]);
export const ProposalStatus = z.enum(["pending", "approved", "stale"]);

export const CreateProposal = z
  .discriminatedUnion("kind", [
    z.object({
      kind: z.literal("promote"),
      worldline: WorldLineId,
      commit: Hash.optional().meta({ description: "defaults to the head" }),
    }),
    z.object({
      kind: z.literal("rollback"),
      worldline: WorldLineId,
      commit: Hash.meta({ description: "an earlier green commit" }),
    }),
    z.object({
      kind: z.literal("authorities"),
      authorities: z.array(PublicKey).min(1).max(64),
      quorum: z.number().int().min(1).optional(),
    }),
  ])
  .meta({ id: "CreateProposal" });
export type CreateProposal = z.infer<typeof CreateProposal>;

export const AuthoritySet = z.object({ authorities: z.array(PublicKey), quorum: z.number().int() });

export const Proposal = z
  .object({
    id: z.string(),
    kind: ProposalKind,
    payload: z
      .object({
        ledger: z.string(),
        proposal: z.string(),
        kind: ProposalKind,
        worldline: z.string().nullable(),
        commit: Hash.nullable(),
        stateRoot: Hash.nullable(),
        authorities: AuthoritySet.nullable(),
        createdAt: z.number().int(),
      })
      .meta({ description: "exactly what is signed, through its digest" }),
    digest: Hash.meta({ description: "SHA3-256(JCS(payload)); authorities sign these 32 raw bytes" }),
    status: ProposalStatus,
    approvals: z.array(
      z.object({ authority: PublicKey, signature: Signature, at: z.number().int(), entry: z.number().int() }),
    ),
    quorum: z.number().int(),
    createdAt: z.number().int(),
    decidedAt: z.number().int().nullable(),
    decision: z.object({ index: z.number().int(), hash: Hash }).nullable(),
    reason: z.string().nullable(),
  })
  .meta({ id: "Proposal" });

export const ApprovalBody = z.object({ authority: PublicKey, signature: Signature }).meta({ id: "Approval" });
export const ProposalsQuery = z.object({
  status: ProposalStatus.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(64).optional(),
});

export const AnchorsBody = z
  .object({
    anchors: z
      .array(
        z.object({
          subject: z.string().min(1).max(256),
          root: Hash,
          size: z.number().int().min(0),
          note: z.string().max(1024).optional(),
        }),
      )
      .min(1)
      .max(1000),
  })
  .meta({ id: "Anchors", description: "roots of outside logs (e.g. journals) to attest in the ledger" });

/** An entry with its inclusion proof, as a proof bundle carries it (the bundle's checkpoint gives the root). */
const ProvenEntry = z.object({ entry: LedgerEntry, inclusion: InclusionProof.omit({ root: true, leafHash: true }) });
export const GreenProofBundle = z
  .object({
    format: z.literal(BUNDLE_FORMAT),
    worldline: z.string(),
    commit: Hash,
    ledger: z.object({ origin: z.string(), keyName: z.string(), publicKey: PublicKey }),
    checkpoint: z.string().meta({ description: "C2SP tlog-checkpoint signed note" }),
    decision: ProvenEntry,
    authorityChain: z
      .array(ProvenEntry)
      .meta({ description: "genesis, then every authority rotation before the decision" }),
  })
  .meta({ id: "GreenProofBundle" });

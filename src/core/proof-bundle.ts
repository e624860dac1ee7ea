// A self-contained proof that a world line's green commit was promoted by quorum: the decision
// entry, its RFC 9162 inclusion proof, the authority chain it was judged under (genesis, then any
// rotations, each with its own inclusion proof), and the signed checkpoint all proofs are against.
// Verifiable offline by the CLI and in the browser with this same code.
import type { z } from "zod";
import type { GreenProofBundle as GreenProofBundleSchema } from "../schemas/ledger.js";
import { authoritySet, type AuthoritySet } from "./authority.js";
import { verifyCheckpoint } from "./checkpoint.js";
import { hexToBytes } from "./hash.js";
import { checkDecision, nextAuthoritySet } from "./ledger-audit.js";
import { entryHashMatches, entryLeaf } from "./ledger-entry.js";
import type { DecisionData, GenesisData } from "./ledger-records.js";
import { verifyInclusion } from "./merkle-verify.js";

export const BUNDLE_FORMAT = "darkmatter-green-proof/1";

/** The bundle as `GET /api/v1/worldlines/{id}/green/proof` answers it (schema: src/schemas/ledger.ts). */
export type GreenProofBundle = z.infer<typeof GreenProofBundleSchema>;
/** An entry with its inclusion proof against the bundle's checkpoint. */
export type ProvenEntry = GreenProofBundle["decision"];

export type BundleVerification =
  | {
      ok: true;
      worldline: string;
      commit: string;
      kind: string;
      index: number;
      size: number;
      root: string;
      approvals: number;
      quorum: number;
      ledgerKeyPinned: boolean;
    }
  | { ok: false; reason: string };

const fail = (reason: string): BundleVerification => ({ ok: false, reason });

function proves(item: ProvenEntry, size: number, root: Uint8Array): string | null {
  if (!entryHashMatches(item.entry)) return `entry ${item.entry.index}: hash does not match its content`;
  if (item.inclusion.index !== item.entry.index)
    return `entry ${item.entry.index}: inclusion proof is for index ${item.inclusion.index}`;
  if (item.inclusion.size !== size)
    return `entry ${item.entry.index}: inclusion proof is for size ${item.inclusion.size}, the checkpoint is ${size}`;
  let proof: Uint8Array[];
  try {
    proof = item.inclusion.proof.map((hash) => hexToBytes(hash));
  } catch {
    return `entry ${item.entry.index}: inclusion proof is not hex`;
  }
  const included = verifyInclusion(entryLeaf(item.entry), item.entry.index, size, proof, root);
  if (!included.ok)
    return `entry ${item.entry.index}: inclusion proof does not verify against the checkpoint root (${included.reason}: ${included.detail})`;
  return null;
}

/**
 * Verifies a bundle. Pass `ledgerPublicKey` to pin the ledger's key; without it the bundle's own
 * key is trusted, but it must still be the one recorded in the genesis entry the bundle proves.
 */
export async function verifyGreenBundle(
  bundle: GreenProofBundle,
  options: { ledgerPublicKey?: string } = {},
): Promise<BundleVerification> {
  if (bundle?.format !== BUNDLE_FORMAT) return fail(`not a ${BUNDLE_FORMAT} bundle`);
  const key = options.ledgerPublicKey ?? bundle.ledger.publicKey;
  if (options.ledgerPublicKey && options.ledgerPublicKey !== bundle.ledger.publicKey)
    return fail("the bundle names a different ledger key than the pinned one");
  const checkpoint = await verifyCheckpoint(bundle.checkpoint, bundle.ledger.keyName, key);
  if (!checkpoint.ok) return fail(`checkpoint: ${checkpoint.detail}`);
  if (checkpoint.origin !== bundle.ledger.origin) return fail("checkpoint origin is not the bundle's ledger");
  const root = hexToBytes(checkpoint.rootHex);

  const [genesis, ...rotations] = bundle.authorityChain;
  if (!genesis || genesis.entry.kind !== "genesis" || genesis.entry.index !== 0)
    return fail("the authority chain must start at the genesis entry");
  for (const item of [...bundle.authorityChain, bundle.decision]) {
    const problem = proves(item, checkpoint.size, root);
    if (problem) return fail(problem);
  }
  const genesisData = genesis.entry.data as unknown as GenesisData;
  if (genesisData.ledgerPublicKey !== key) return fail("genesis records a different ledger key");
  let set: AuthoritySet;
  try {
    set = authoritySet(genesisData.authorities, genesisData.quorum);
  } catch {
    return fail("genesis does not name a valid authority set");
  }
  let last = 0;
  for (const rotation of rotations) {
    if (
      rotation.entry.kind !== "authorities" ||
      rotation.entry.index <= last ||
      rotation.entry.index >= bundle.decision.entry.index
    )
      return fail("the authority chain is out of order");
    const problem = await checkDecision(rotation.entry, set);
    if (problem) return fail(`rotation ${rotation.entry.index}: ${problem}`);
    set = nextAuthoritySet(rotation.entry);
    last = rotation.entry.index;
  }
  const decision = bundle.decision.entry;
  if (decision.kind !== "promote" && decision.kind !== "rollback")
    return fail(`entry ${decision.index} is a ${decision.kind}, not a promotion or rollback`);
  const problem = await checkDecision(decision, set);
  if (problem) return fail(`entry ${decision.index}: ${problem}`);
  const data = decision.data as unknown as DecisionData;
  if (data.what.worldline !== bundle.worldline || data.what.commit !== bundle.commit)
    return fail("the decision is for another world line or commit than the bundle claims");
  return {
    ok: true,
    worldline: bundle.worldline,
    commit: bundle.commit,
    kind: decision.kind,
    index: decision.index,
    size: checkpoint.size,
    root: checkpoint.rootHex,
    approvals: data.who.approvals.length,
    quorum: set.quorum,
    ledgerKeyPinned: options.ledgerPublicKey !== undefined,
  };
}

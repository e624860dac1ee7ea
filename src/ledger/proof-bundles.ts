// The green proof bundle (src/core/proof-bundle.ts verifies it, offline in the CLI and the
// browser): a world line's latest green decision with its inclusion proof, the authority chain it
// was judged under (genesis, then each rotation before it), and the signed checkpoint they prove against.
import { BUNDLE_FORMAT, type GreenProofBundle, type ProvenEntry } from "../core/proof-bundle.js";
import { DomainError } from "../core/problem.js";
import type { Greens } from "./greens.js";
import type { LedgerIdentity } from "./identity.js";
import type { MerkleLog } from "./merkle-log.js";

/** Everything needed to verify a world line's green commit offline; 404 before its first promotion. */
export async function greenProofBundle(
  log: MerkleLog,
  identity: LedgerIdentity,
  greens: Greens,
  worldline: string,
): Promise<GreenProofBundle> {
  const green = greens.latest(worldline);
  if (!green) throw new DomainError("no-green-commit", `world line ${worldline} has no green (promoted) commit yet`);
  const size = log.size;
  const prove = (index: number): ProvenEntry => ({
    entry: log.readEntry(index),
    inclusion: { index, size, proof: log.inclusionPath(index, size) },
  });
  const rotations = log.indexesOf("authorities", green.entryIndex);
  return {
    format: BUNDLE_FORMAT,
    worldline,
    commit: green.commit,
    ledger: { origin: identity.origin, keyName: identity.origin, publicKey: identity.ledgerPublicKey },
    // Signed for `size`, read in the same turn; the proofs are built for that size even if the log grows meanwhile.
    checkpoint: await identity.signedCheckpoint(),
    decision: prove(green.entryIndex),
    authorityChain: [prove(0), ...rotations.map((index) => prove(index))],
  };
}

// Verifies ledger entries in the browser with the same src/core code the server and the CLI use:
// the entry's hash over its canonical bytes, its RFC 9162 inclusion proof against the signed
// checkpoint (whose Ed25519 signature is checked against the ledger key recorded in genesis), and
// its authority signatures under the authority set in force at that entry.
import { api, ok } from "../api/client";
import type { LedgerEntry as ApiEntry, LedgerStatus } from "../api/types";
import { authoritySet, isAuthority, isValidApproval, type AuthoritySet } from "../../../src/core/authority";
import { verifyCheckpoint } from "../../../src/core/checkpoint";
import { bytesToHex, hashJson } from "../../../src/core/hash";
import { checkDecision, nextAuthoritySet } from "../../../src/core/ledger-audit";
import { DECISION_KINDS, entryHashMatches, entryLeaf, type LedgerEntry } from "../../../src/core/ledger-entry";
import type { ApprovalData, GenesisData } from "../../../src/core/ledger-records";
import { verifyInclusionHex } from "../../../src/core/merkle-verify";

export interface Check {
  name: "hash" | "inclusion" | "signatures";
  ok: boolean | null; // null: not applicable or not yet provable
  detail: string;
}

export interface EntryVerification {
  ok: boolean;
  checks: Check[];
}

export interface TrustedCheckpoint {
  ok: boolean;
  detail: string;
  size: number;
  rootHex: string;
  note: string;
}

/** The signed checkpoint, its signature checked against the ledger key that genesis records. */
export async function loadCheckpoint(status: LedgerStatus, genesis: ApiEntry | undefined): Promise<TrustedCheckpoint> {
  const note = await ok(api().GET("/api/v1/ledger/checkpoint", { parseAs: "text" }));
  const genesisKey = (genesis?.data as GenesisData | undefined)?.ledgerPublicKey;
  if (genesisKey && genesisKey !== status.ledgerPublicKey)
    return { ok: false, detail: "the ledger key is not the one genesis records", size: 0, rootHex: "", note };
  const verified = await verifyCheckpoint(note, status.origin, status.ledgerPublicKey);
  if (!verified.ok)
    return { ok: false, detail: `checkpoint signature: ${verified.detail}`, size: 0, rootHex: "", note };
  if (verified.origin !== status.origin)
    return { ok: false, detail: "checkpoint origin is not this ledger's", size: 0, rootHex: "", note };
  return {
    ok: true,
    detail: `signed by the ledger key over size ${verified.size}`,
    size: verified.size,
    rootHex: verified.rootHex,
    note,
  };
}

/** Authority sets over the log: genesis's, then each `authorities` decision's from its index on. */
export class AuthorityHistory {
  private constructor(private readonly sets: Array<{ from: number; set: AuthoritySet }>) {}

  static async load(): Promise<AuthorityHistory> {
    const genesis = await ok(api().GET("/api/v1/ledger/entries/{index}", { params: { path: { index: 0 } } }));
    const rotations = await ok(
      api().GET("/api/v1/ledger/entries", { params: { query: { kind: "authorities", limit: 1000, from: 0 } } }),
    );
    const data = genesis.data as GenesisData;
    const sets = [{ from: 0, set: authoritySet(data.authorities, data.quorum) }];
    for (const entry of rotations.items)
      sets.push({ from: entry.index + 1, set: nextAuthoritySet(entry as LedgerEntry) });
    return new AuthorityHistory(sets);
  }

  /** The set that judges entry `index` (a rotation is judged by the set before it). */
  at(index: number): AuthoritySet {
    let current = this.sets[0]!.set;
    for (const { from, set } of this.sets) if (from <= index) current = set;
    return current;
  }
}

const cache = new Map<string, Promise<EntryVerification>>();
const CACHE_LIMIT = 5000;

export function verifyEntry(
  entry: ApiEntry,
  checkpoint: TrustedCheckpoint,
  authorities: AuthorityHistory,
): Promise<EntryVerification> {
  const key = `${checkpoint.size}:${checkpoint.rootHex}:${hashJson(entry)}`;
  let hit = cache.get(key);
  if (!hit) {
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    hit = runChecks(entry as LedgerEntry, checkpoint, authorities).catch((error: unknown) => ({
      ok: false,
      checks: [
        { name: "inclusion" as const, ok: false, detail: error instanceof Error ? error.message : String(error) },
      ],
    }));
    cache.set(key, hit);
  }
  return hit;
}

async function runChecks(
  entry: LedgerEntry,
  checkpoint: TrustedCheckpoint,
  authorities: AuthorityHistory,
): Promise<EntryVerification> {
  const checks: Check[] = [];
  const hashOk = entryHashMatches(entry);
  checks.push({
    name: "hash",
    ok: hashOk,
    detail: hashOk ? "SHA3-256 of the canonical entry matches" : "hash does not match the entry's content",
  });
  checks.push(await inclusion(entry, checkpoint));
  checks.push(await signatures(entry, authorities.at(entry.index)));
  return { ok: checks.every((check) => check.ok !== false), checks };
}

async function inclusion(entry: LedgerEntry, checkpoint: TrustedCheckpoint): Promise<Check> {
  if (!checkpoint.ok) return { name: "inclusion", ok: false, detail: checkpoint.detail };
  if (entry.index >= checkpoint.size)
    return {
      name: "inclusion",
      ok: null,
      detail: `after the signed checkpoint (size ${checkpoint.size}); provable at the next one`,
    };
  const proof = await ok(
    api().GET("/api/v1/ledger/proofs/inclusion", { params: { query: { index: entry.index, size: checkpoint.size } } }),
  );
  const included = verifyInclusionHex(
    bytesToHex(entryLeaf(entry)),
    entry.index,
    checkpoint.size,
    proof.proof,
    checkpoint.rootHex,
  );
  return {
    name: "inclusion",
    ok: included.ok,
    detail: included.ok
      ? `in the tree of the signed checkpoint (size ${checkpoint.size})`
      : `the inclusion proof does not lead to the signed root (${included.reason}: ${included.detail})`,
  };
}

async function signatures(entry: LedgerEntry, set: AuthoritySet): Promise<Check> {
  if (entry.kind === "approval") {
    const data = entry.data as unknown as ApprovalData;
    if (!isAuthority(set, data.authority))
      return { name: "signatures", ok: false, detail: `${data.authority.slice(0, 16)}… is not an authority here` };
    const valid = await isValidApproval(data.digest, data);
    return {
      name: "signatures",
      ok: valid,
      detail: valid ? "the authority's Ed25519 signature over the digest holds" : "approval signature does not verify",
    };
  }
  if (DECISION_KINDS.includes(entry.kind)) {
    const problem = await checkDecision(entry, set);
    return {
      name: "signatures",
      ok: problem === null,
      detail: problem ?? `quorum of ${set.quorum} valid authority signatures over the payload digest`,
    };
  }
  return { name: "signatures", ok: null, detail: `${entry.kind} entries carry no authority signatures` };
}

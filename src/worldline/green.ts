// The ledger's view of a world line: what a proposal would make green, whether a proposal is still
// meaningful, and green itself, set by the ledger's outbox once a promote or rollback entry is
// appended (durable-objects/ledger.ts). The entry is the authority; the world line follows it.
import { DomainError } from "../core/problem.js";
import { checkPromotable, isNewerDecision, worldLineView as view, type WorldLineMeta } from "../core/worldline.js";
import type { WorldLine as WorldLineView } from "../schemas/worldline.js";
import type { WorldLineCheck } from "../core/proposal-rules.js";
import { resolveCommit } from "./commits.js";
import type { WorldLineRecord } from "./record.js";

/** Storage key of the ledger index of the decision that set `green` last (see setGreen). */
const GREEN_INDEX_KEY = "green-ledger-index";

export interface Proposable {
  commit: string;
  tree: string;
  status: WorldLineMeta["status"];
  privacy: WorldLineMeta["privacy"];
}

/** The commit (and its state root) a proposal would make green; `at` defaults to the head. */
export async function proposable(line: WorldLineRecord, at?: string): Promise<Proposable> {
  const meta = await line.visible({ isOperator: true });
  checkPromotable(meta);
  const { commit, tree } = await resolveCommit(line, meta, at);
  return { commit, tree, status: meta.status, privacy: meta.privacy };
}

/** Is a proposal for `commit` still meaningful? Asked by the Ledger before each approval. */
export async function checkCommit(line: WorldLineRecord, commit: string): Promise<WorldLineCheck> {
  const meta = await line.load();
  if (!meta) return { status: "missing", inHistory: false };
  return { status: meta.status, inHistory: await line.graph.isAncestor(commit, meta.head) };
}

/**
 * Called by the Ledger's outbox once a promote or rollback entry is appended. Idempotent per
 * ledger index (core/worldline.ts isNewerDecision), and the index is stored in the same write as
 * the record. Green only ever names a stored commit (as the head does): a commit the commit graph
 * cannot produce is an error, and the Ledger's outbox keeps the decision until an answer is ok.
 */
export async function setGreen(line: WorldLineRecord, commit: string, ledgerIndex: number): Promise<WorldLineView> {
  const meta = await line.existing();
  if (!isNewerDecision(ledgerIndex, await line.storage.get<number>(GREEN_INDEX_KEY))) return view(meta);
  if (!(await line.graph.get(commit)))
    throw new DomainError("unknown-commit", `commit ${commit} is not stored; green cannot name it`);
  const next = { ...meta, green: commit, updatedAt: Date.now() };
  await line.persist(next, { records: { [GREEN_INDEX_KEY]: ledgerIndex } });
  return view(next);
}

// The arbiter's journal as readers and operators see it (seed 001 §6): a page of entries with the
// manifest, both O(limit) (the manifest comes from the stored frontier, not from rehashing), and the
// operator's re-verification from genesis, in steps (core/arbiter/journal.ts verifyJournalSteps).
import {
  manifestOf,
  verifyJournalSteps,
  withoutProgress,
  type JournalEntry,
  type JournalManifest,
  type Verification,
} from "../core/arbiter/journal.js";
import { journalRoot } from "../core/arbiter/record.js";
import type { ArbiterStore } from "../stores/arbiter-store.js";

/** Journal rows read per step of a verification. */
const VERIFY_CHUNK = 2000;

export interface JournalPage {
  manifest: JournalManifest;
  entries: JournalEntry[];
  next: number | null;
  verification: Verification | null;
  anchoredRoot: string;
}

export function journalPage(store: ArbiterStore, from: number, limit: number): JournalPage {
  const record = store.existing();
  const size = record.frontier.size;
  const entries = store.readJournal(from, limit);
  const [first] = store.readJournal(0, 1);
  const [last] = store.readJournal(size - 1, 1);
  return {
    manifest: manifestOf({
      length: size,
      first,
      last,
      merkleRoot: journalRoot(record),
      isBroken: record.verification?.ok === false,
    }),
    entries,
    next: from + entries.length < size ? from + entries.length : null,
    verification: record.verification ? withoutProgress(record.verification) : null,
    anchoredRoot: journalRoot(record),
  };
}

/**
 * POST …/journal/verify (operator): the seed's verify_chain from genesis, at most `limit` entries
 * per call, each call continuing where the last stopped (`restart` starts again). A break stays
 * reported until a restart.
 */
export function verifyJournal(store: ArbiterStore, options: { restart: boolean; limit: number }): Verification {
  const record = store.existing();
  const earlier = options.restart ? undefined : record.verification;
  if (earlier?.ok === false) return withoutProgress(earlier);
  const outcome = verifyJournalSteps({
    earlier,
    size: record.frontier.size,
    limit: options.limit,
    chunk: VERIFY_CHUNK,
    root: journalRoot(record),
    now: Date.now(),
    read: (from, limit) => store.readJournal(from, limit),
  });
  store.write({ ...store.record!, verification: outcome });
  return withoutProgress(outcome);
}

// The arbiter's record between beats (src/core/arbiter/record.ts).
import { describe, expect, it } from "vitest";
import { DEFAULT_ENTROPY_MODEL } from "../../../src/core/arbiter/entropy-model.js";
import { journalMerkleRoot, verifyChain, type JournalEntry } from "../../../src/core/arbiter/journal.js";
import {
  arbiterView,
  beatRecord,
  journalRoot,
  newArbiterRecord,
  UNSTARTED_JOURNAL,
} from "../../../src/core/arbiter/record.js";
import { DomainError } from "../../../src/core/problem.js";

const NOW = 1_700_000_000_000;

describe("arbiter record", () => {
  it("a new arbiter is off, at beat 0, with its genesis entry in the journal's frontier", () => {
    const { record, entries } = newArbiterRecord({ worldline: "wl_a", tunables: {}, nowMs: NOW, intervalMs: 1000 });
    expect(record.config).toEqual({ worldline: "wl_a", enabled: false, intervalMs: 1000, subscribers: [] });
    expect([record.state.beat, record.pendingAnoms, record.lastBeatAt, record.lastDecision]).toEqual([0, 0, NOW, null]);
    expect(entries).toHaveLength(1);
    expect(journalRoot(record)).toBe(journalMerkleRoot(entries));
    expect(arbiterView(record).journal).toEqual({ size: 1, root: journalMerkleRoot(entries) });
    expect(UNSTARTED_JOURNAL).toEqual({ size: 0, root: journalMerkleRoot([]) });
  });

  it("refuses unusable tunables before anything exists", () => {
    expect(() =>
      newArbiterRecord({ worldline: "wl_a", tunables: { k: 0.5, p: 1 }, nowMs: NOW, intervalMs: 1 }),
    ).toThrow(DomainError);
  });

  it("a beat consumes the reported anomalies, records its decision and extends the journal's frontier", () => {
    const created = newArbiterRecord({ worldline: "wl_a", tunables: {}, nowMs: NOW, intervalMs: 1000 });
    const journal: JournalEntry[] = [...created.entries];
    let record = { ...created.record, pendingAnoms: 40 };
    for (let i = 1; i <= 3; i++) {
      const beaten = beatRecord(record, DEFAULT_ENTROPY_MODEL, NOW + i * 1000, 1000);
      journal.push(...beaten.result.entries);
      record = beaten.record;
      expect(record.lastDecision).toMatchObject({ beat: i, at: NOW + i * 1000, action: beaten.result.action });
      expect(record.pendingAnoms).toBe(0);
    }
    expect(record.state.beat).toBe(3);
    expect(verifyChain(journal).ok).toBe(true);
    expect(record.frontier.size).toBe(journal.length);
    expect(journalRoot(record)).toBe(journalMerkleRoot(journal));
  });
});

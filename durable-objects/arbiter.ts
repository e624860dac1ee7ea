// The arbiter of one world line (seed 001, VENOM Λ-GENESIS), a Durable Object named after the
// world line and driven by its alarm. A thin adapter: it builds the arbiter's store over its own
// storage (src/stores/arbiter-store.ts: the record, the journal and the effects outbox), the
// effects outbox's flusher (effect-outbox.ts, applying effects.ts), and dispatches each call to the
// concept it belongs to — controls.ts (configuration, telemetry, injection, subscribers, status),
// beats.ts (the beat loop on the alarm, and bursts) and journal.ts (pages and verification). The
// arbiter's math and rules are src/core/arbiter.
import { DurableObject } from "cloudflare:workers";
import type { Verification } from "../src/core/arbiter/journal.js";
import type { ArbiterView } from "../src/core/arbiter/record.js";
import { capture, type Outcome } from "../src/core/problem.js";
import { ArbiterStore, type ArbiterSettings } from "../src/stores/arbiter-store.js";
import { alarmBeat, burst, type ArbiterParts, type BurstDecision } from "../src/arbiter/beats.js";
import * as controls from "../src/arbiter/controls.js";
import { applyEffect } from "../src/arbiter/effects.js";
import { EffectOutbox } from "../src/arbiter/effect-outbox.js";
import { journalPage, verifyJournal, type JournalPage } from "../src/arbiter/journal.js";
import { latestEntropyModel } from "../src/stores/model-store.js";

export type { ArbiterConfig, ArbiterView, Decision } from "../src/core/arbiter/record.js";
export type { Verification } from "../src/core/arbiter/journal.js";

/** The deployment's settings from the Worker's environment, read when asked, as the arbiter always read them. */
function settingsFrom(env: () => Env): ArbiterSettings {
  return {
    get minIntervalMs() {
      return Number(env().DM_ARBITER_MIN_INTERVAL_MS ?? 1000);
    },
    get anchorEvery() {
      return Number(env().DM_ARBITER_ANCHOR_EVERY ?? 100);
    },
  };
}

export class Arbiter extends DurableObject<Env> {
  private readonly arbiter: ArbiterParts;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const store = new ArbiterStore(
      ctx.storage,
      settingsFrom(() => this.env),
    );
    this.arbiter = {
      store,
      outbox: new EffectOutbox(store, (effect, subscribers) => applyEffect(this.env, effect, subscribers)),
      model: () => latestEntropyModel(this.env),
    };
    // Nothing is created here: a read of an arbiter that never ran writes nothing (issue 12).
    void ctx.blockConcurrencyWhile(async () => store.load());
  }

  /** PUT /worldlines/:id/arbiter: turn on, off or retune. Creates the arbiter (and its journal genesis) on first use. */
  configure(worldline: string, input: controls.ConfigureInput): Promise<Outcome<ArbiterView>> {
    return capture(() => controls.configure(this.arbiter.store, worldline, input));
  }

  /** GET: the arbiter, or (never run) what it would start as, without writing anything. */
  status(worldline: string): Promise<Outcome<ArbiterView>> {
    return capture(() => controls.status(this.arbiter.store, worldline));
  }

  /** POST /worldlines/:id/telemetry: anomalies accumulate until the next beat consumes them. */
  telemetry(worldline: string, anoms: number): Promise<Outcome<{ pendingAnoms: number }>> {
    return capture(() => controls.telemetry(this.arbiter.store, worldline, anoms));
  }

  /** The seed's inject_data into the genome (risk anomalies and ml_weight). */
  inject(worldline: string, injection: { anoms?: number; ml_weight?: number }): Promise<Outcome<ArbiterView>> {
    return capture(() => controls.inject(this.arbiter.store, worldline, injection));
  }

  setSubscribers(worldline: string, agents: string[]): Promise<Outcome<{ subscribers: string[] }>> {
    return capture(() => controls.setSubscribers(this.arbiter.store, worldline, agents));
  }

  /** Like the seed's `--beats N`: beats run now, back to back in virtual time (each T_Λ after the last). Effects are coalesced. */
  beats(worldline: string, count: number): Promise<Outcome<{ decisions: BurstDecision[]; view: ArbiterView }>> {
    return capture(() => burst(this.arbiter, worldline, count));
  }

  /** A page of the journal and the manifest, both O(limit). */
  journal(from: number, limit: number): Promise<Outcome<JournalPage>> {
    return capture(() => journalPage(this.arbiter.store, from, limit));
  }

  /** POST …/journal/verify (operator): the seed's verify_chain from genesis, in steps, each call continuing where the last stopped. */
  verifyJournal(options: { restart: boolean; limit: number }): Promise<Outcome<Verification>> {
    return capture(() => verifyJournal(this.arbiter.store, options));
  }

  override async alarm(): Promise<void> {
    await alarmBeat(this.arbiter);
  }
}

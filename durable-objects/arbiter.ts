// The arbiter of one world line (seed 001, VENOM Λ-GENESIS), a Durable Object named after the
// world line and driven by its alarm. Each beat is src/core/arbiter/beat.ts; this class feeds it
// the accumulated telemetry and the latest entropy model, records the new state, the beat's
// journal entries and its effects in one synchronous transaction (a beat is never half-recorded),
// then applies the effects from that outbox (src/core/arbiter/outbox.ts): one flush at a time,
// each effect removed by its key once applied, a failed one kept for the next alarm.
import { DurableObject } from "cloudflare:workers";
import type { z } from "zod";
import type { ArbiterStatus, Decision as DecisionSchema, JournalVerification } from "../src/schemas/arbiter.js";
import { beat, type BeatResult } from "../src/core/arbiter/beat.js";
import type { Action } from "../src/core/arbiter/decision.js";
import type { EntropyModel } from "../src/core/arbiter/entropy-model.js";
import { injectData } from "../src/core/arbiter/genome.js";
import {
  continueVerification,
  manifestOf,
  NO_PROGRESS,
  progressRoot,
  type JournalEntry,
  type JournalManifest,
  type VerificationProgress,
} from "../src/core/arbiter/journal.js";
import {
  coalesceBurst,
  effectKey,
  effectsOfBeat,
  FLUSH_BATCH,
  hasEffects,
  isExpired,
  OUTBOX_CAPACITY,
  OUTBOX_RETRY_MS,
  type ArbiterEffect,
} from "../src/core/arbiter/outbox.js";
import { createArbiterState, retune, type ArbiterState, type ArbiterTunables } from "../src/core/arbiter/state.js";
import { tLambda } from "../src/core/arbiter/t-lambda.js";
import { bytesToHex, hexToBytes } from "../src/core/hash.js";
import { appendLeaf, emptyFrontier, emptyRoot, frontierRoot, type Frontier } from "../src/core/merkle.js";
import { capture, DomainError, type Outcome } from "../src/core/problem.js";
import { applyEffect } from "../src/arbiter/effects.js";
import { latestEntropyModel } from "../src/arbiter/model-store.js";

export interface ArbiterConfig {
  worldline: string;
  enabled: boolean;
  intervalMs: number;
  subscribers: string[];
}

export type Decision = z.infer<typeof DecisionSchema>;
export type ArbiterView = z.infer<typeof ArbiterStatus>;
export type Verification = z.infer<typeof JournalVerification>;

interface Stored {
  config: ArbiterConfig;
  state: ArbiterState;
  /** The journal's Merkle frontier (RFC 9162 shape over entry hashes, equal to the seed's root). */
  frontier: { size: number; hashes: string[] };
  pendingAnoms: number;
  lastBeatAt: number;
  lastDecision: Decision | null;
  pid: ArbiterView["pid"];
  /** The last operator verification of the journal, with where it stopped. */
  verification?: Verification & { progress: VerificationProgress };
  /** Before issue 12 the outbox was this list; `load` moves it into the `outbox` table. */
  outbox?: Array<{ kind: "quarantine" | "alert" | "anchor"; worldline: string; beat: number; threat?: number }>;
}

interface JournalRow {
  idx: number;
  timestamp: number;
  data: string;
  previous_hash: string;
  hash: string;
  [column: string]: SqlStorageValue;
}

const minInterval = (env: Env) => Number(env.DM_ARBITER_MIN_INTERVAL_MS ?? 1000);
const anchorEvery = (env: Env) => Number(env.DM_ARBITER_ANCHOR_EVERY ?? 100);
/** Journal rows read per step of a verification. */
const VERIFY_CHUNK = 2000;

export class Arbiter extends DurableObject<Env> {
  private stored: Stored | null = null;
  /** The flush running now; the next one starts after it (see flushOutbox). */
  private flushing: Promise<void> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Nothing is created here: a read of an arbiter that never ran writes nothing (issue 12).
    void ctx.blockConcurrencyWhile(async () => this.load());
  }

  /** PUT /worldlines/:id/arbiter: turn on, off or retune. Creates the arbiter (and its journal genesis) on first use. */
  configure(
    worldline: string,
    input: { enabled: boolean; intervalMs?: number; k?: number; p?: number; tThreshold?: number },
  ): Promise<Outcome<ArbiterView>> {
    return capture(async () => {
      const tunables = Object.fromEntries(
        Object.entries({ k: input.k, p: input.p, tThreshold: input.tThreshold }).filter(([, v]) => v !== undefined),
      ) as Partial<ArbiterTunables>;
      const created = this.stored ? null : this.fresh(worldline, tunables); // both validate the tunables before anything is written
      const stored = this.stored ?? created!.stored;
      this.write(
        {
          ...stored,
          config: {
            ...stored.config,
            enabled: input.enabled,
            intervalMs: input.intervalMs ?? stored.config.intervalMs,
          },
          state: created ? stored.state : retune(stored.state, tunables),
        },
        created?.entries,
      );
      await this.scheduleNext();
      return this.view();
    });
  }

  /** GET: the arbiter, or (never run) what it would start as, without writing anything. */
  status(worldline: string): Promise<Outcome<ArbiterView>> {
    return capture(() =>
      this.stored
        ? this.view()
        : { ...this.view(this.fresh(worldline, {}).stored), journal: { size: 0, root: bytesToHex(emptyRoot()) } },
    );
  }

  /** POST /worldlines/:id/telemetry: anomalies accumulate until the next beat consumes them. */
  telemetry(worldline: string, anoms: number): Promise<Outcome<{ pendingAnoms: number }>> {
    return capture(() => {
      const stored = this.current(worldline);
      this.write({ ...stored, pendingAnoms: stored.pendingAnoms + anoms });
      return { pendingAnoms: this.stored!.pendingAnoms };
    });
  }

  /** The seed's inject_data into the genome (risk anomalies and ml_weight). */
  inject(worldline: string, injection: { anoms?: number; ml_weight?: number }): Promise<Outcome<ArbiterView>> {
    return capture(() => {
      const stored = this.current(worldline);
      this.write({ ...stored, state: { ...stored.state, genome: injectData(stored.state.genome, injection) } });
      return this.view();
    });
  }

  setSubscribers(worldline: string, agents: string[]): Promise<Outcome<{ subscribers: string[] }>> {
    return capture(() => {
      const stored = this.current(worldline);
      this.write({ ...stored, config: { ...stored.config, subscribers: [...new Set(agents)] } });
      return { subscribers: this.stored!.config.subscribers };
    });
  }

  /** Like the seed's `--beats N`: beats run now, back to back in virtual time (each T_Λ after the last). Effects are coalesced. */
  beats(
    worldline: string,
    count: number,
  ): Promise<Outcome<{ decisions: Array<{ beat: number; action: Action; threat: number }>; view: ArbiterView }>> {
    return capture(async () => {
      const model = await latestEntropyModel(this.env);
      // From here to the write nothing is awaited, so no other call interleaves with these beats.
      this.current(worldline);
      const decisions: Array<{ beat: number; action: Action; threat: number }> = [];
      const effects: ArbiterEffect[] = [];
      const entries: JournalEntry[] = [];
      for (let i = 0; i < count; i++) {
        const stored = this.stored!;
        const result = this.beatOnce(
          model,
          Math.max(
            Date.now(),
            stored.lastBeatAt + Math.ceil(stored.state.beat ? tLambda(stored.state.tunables) * 1000 : 0),
          ),
          entries,
        );
        decisions.push({ beat: result.state.beat, action: result.action, threat: result.cores.E.threat_score });
        effects.push(...this.effectsOf(result));
      }
      this.write(
        this.stored!,
        entries,
        coalesceBurst(effects, {
          beat: this.stored!.state.beat,
          root: this.journalRoot(),
          size: this.stored!.frontier.size,
        }),
      );
      await this.flushOutbox();
      await this.ensureRetryAlarm();
      return { decisions, view: this.view() };
    });
  }

  /** A page of the journal and the manifest, both O(limit): the manifest comes from the stored frontier, not from rehashing. */
  journal(
    from: number,
    limit: number,
  ): Promise<
    Outcome<{
      manifest: JournalManifest;
      entries: JournalEntry[];
      next: number | null;
      verification: Verification | null;
      anchoredRoot: string;
    }>
  > {
    return capture(() => {
      const stored = this.existing();
      const size = stored.frontier.size;
      const entries = this.readJournal(from, limit);
      const [first] = this.readJournal(0, 1);
      const [last] = this.readJournal(size - 1, 1);
      return {
        manifest: manifestOf({
          length: size,
          first,
          last,
          merkleRoot: this.journalRoot(),
          isBroken: stored.verification?.ok === false,
        }),
        entries,
        next: from + entries.length < size ? from + entries.length : null,
        verification: stored.verification ? this.strip(stored.verification) : null,
        anchoredRoot: this.journalRoot(),
      };
    });
  }

  /**
   * POST …/journal/verify (operator): the seed's verify_chain from genesis, in steps of at most
   * `limit` entries read `VERIFY_CHUNK` at a time, each call continuing where the last stopped
   * (`restart` starts again). Done when every entry is checked and their Merkle root is the one the
   * arbiter kept and anchors: a journal rewritten consistently from some entry on still fails there.
   */
  verifyJournal(options: { restart: boolean; limit: number }): Promise<Outcome<Verification>> {
    return capture(() => {
      const stored = this.existing();
      const now = Date.now();
      const size = stored.frontier.size;
      const earlier = options.restart ? undefined : stored.verification;
      if (earlier?.ok === false) return this.strip(earlier); // a break stays reported until a restart
      let progress = earlier?.progress ?? NO_PROGRESS;
      const result = (
        failure?: Pick<Verification, "firstBadIndex" | "reason">,
      ): Verification & { progress: VerificationProgress } => ({
        ok: !failure,
        length: progress.head.length,
        journalLength: size,
        done: !failure && progress.head.length === size,
        startedAt: earlier?.startedAt ?? now,
        at: now,
        ...failure,
        progress,
      });
      let outcome: ReturnType<typeof result> | undefined;
      const end = Math.min(size, progress.head.length + options.limit);
      while (!outcome && progress.head.length < end) {
        const from = progress.head.length;
        let rows: JournalEntry[];
        try {
          rows = this.readJournal(from, Math.min(VERIFY_CHUNK, end - from));
        } catch {
          outcome = result({ firstBadIndex: from, reason: "data" }); // a row whose data is not JSON
          break;
        }
        if (rows.length === 0) {
          outcome = result({ firstBadIndex: from, reason: "index" }); // entries missing
          break;
        }
        const step = continueVerification(progress, rows);
        if (step.ok) progress = step.progress;
        else outcome = result({ firstBadIndex: step.index, reason: step.reason });
      }
      if (!outcome && progress.head.length === size && progressRoot(progress) !== this.journalRoot())
        outcome = result({ reason: "merkle_root" });
      outcome ??= result();
      this.write({ ...this.stored!, verification: outcome });
      return this.strip(outcome);
    });
  }

  override async alarm(): Promise<void> {
    if (!this.stored) return;
    if (this.stored.config.enabled) {
      const model = await latestEntropyModel(this.env);
      if (this.stored.config.enabled) {
        const entries: JournalEntry[] = [];
        const result = this.beatOnce(model, Math.max(Date.now(), this.stored.lastBeatAt + 1), entries);
        this.write(this.stored, entries, this.effectsOf(result));
      }
    }
    await this.flushOutbox(); // this beat's effects, and any an earlier failure left behind
    await this.scheduleNext();
  }

  // ---- internals ------------------------------------------------------------------------

  private async load(): Promise<void> {
    const stored = (await this.ctx.storage.get<Stored>("arbiter")) ?? null;
    if (!stored) return;
    this.stored = stored;
    this.ensureTables(); // an arbiter from before the outbox table
    if (stored.outbox) {
      // The list form of the outbox (before issue 12): the same effects, keyed.
      const root = this.journalRoot();
      const effects = stored.outbox.flatMap((old): ArbiterEffect[] =>
        old.kind === "anchor"
          ? [{ kind: "anchor", worldline: old.worldline, beat: old.beat, root, size: stored.frontier.size }]
          : effectsOfBeat({
              worldline: old.worldline,
              beat: old.beat,
              action: old.kind === "quarantine" ? "QUARANTINE" : "ALERT",
              threat: old.threat ?? 0,
              at: stored.lastBeatAt,
              journal: { root, size: stored.frontier.size },
              subscribers: stored.config.subscribers,
              anchorEvery: Number.MAX_SAFE_INTEGER,
            }).filter((e) => e.kind !== "anchor"),
      );
      const { outbox: _, ...rest } = stored;
      this.write(rest, [], effects);
    }
  }

  private ensureTables(): void {
    this.ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS journal (idx INTEGER PRIMARY KEY, timestamp REAL NOT NULL, data TEXT NOT NULL, previous_hash TEXT NOT NULL, hash TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, effect TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT);
    `);
  }

  /** A new arbiter and its genesis entry, in memory only. */
  private fresh(worldline: string, tunables: Partial<ArbiterTunables>): { stored: Stored; entries: JournalEntry[] } {
    const nowMs = Date.now();
    const { state, entries } = createArbiterState({ nowMs, tunables, genesis: { worldLine: worldline } });
    const frontier = entries.reduce<Frontier>(
      (f, entry) => appendLeaf(f, hexToBytes(entry.hash)).frontier,
      emptyFrontier(),
    );
    return {
      stored: {
        config: { worldline, enabled: false, intervalMs: minInterval(this.env), subscribers: [] },
        state,
        frontier: { size: frontier.size, hashes: frontier.hashes.map(bytesToHex) },
        pendingAnoms: 0,
        lastBeatAt: nowMs,
        lastDecision: null,
        pid: { error: 0, integral: 0, output: 0, deltaV: 0, stable: false },
      },
      entries,
    };
  }

  /** The arbiter, created (genesis written) if it never ran: for the calls that write anyway. */
  private current(worldline: string): Stored {
    if (!this.stored) {
      const { stored, entries } = this.fresh(worldline, {});
      this.write(stored, entries);
    }
    return this.stored!;
  }

  private existing(): Stored {
    if (!this.stored) throw new DomainError("no-arbiter", "this world line's arbiter has not run yet");
    return this.stored;
  }

  /** One beat in memory, its entries pushed onto `entries`; `write` records it (and any before it). */
  private beatOnce(model: EntropyModel, nowMs: number, entries: JournalEntry[]): BeatResult {
    const stored = this.stored!;
    const result = beat(
      stored.state,
      { anoms: stored.pendingAnoms },
      { nowMs, model: model.version > 0 ? model : undefined, minIntervalSeconds: minInterval(this.env) / 1000 },
    );
    let frontier: Frontier = { size: stored.frontier.size, hashes: stored.frontier.hashes.map((h) => hexToBytes(h)) };
    for (const entry of result.entries) {
      entries.push(entry);
      frontier = appendLeaf(frontier, hexToBytes(entry.hash)).frontier;
    }
    const { recalibration: r } = result;
    this.stored = {
      ...stored,
      state: result.state,
      frontier: { size: frontier.size, hashes: frontier.hashes.map(bytesToHex) },
      pendingAnoms: 0,
      lastBeatAt: nowMs,
      lastDecision: {
        beat: result.state.beat,
        at: nowMs,
        action: result.action,
        threat: result.cores.E.threat_score,
        tLambda: result.pulse.tLambda,
        weights: result.state.genome.weights,
      },
      pid: {
        error: r.deltaT,
        integral: result.state.pid.integral,
        output: r.output,
        deltaV: r.deltaV,
        stable: r.isStable,
      },
    };
    return result;
  }

  /** The effects of the beat just run (`this.stored` is right after it). */
  private effectsOf(result: BeatResult): ArbiterEffect[] {
    const stored = this.stored!;
    const beat = { beat: result.state.beat, action: result.action, anchorEvery: anchorEvery(this.env) };
    if (!hasEffects(beat)) return []; // most beats: no journal root to compute (O(log n) hashes)
    return effectsOfBeat({
      ...beat,
      worldline: stored.config.worldline,
      threat: result.cores.E.threat_score,
      at: stored.lastBeatAt,
      journal: { root: this.journalRoot(), size: stored.frontier.size },
      subscribers: stored.config.subscribers,
    });
  }

  /** State, journal entries and effects in one synchronous transaction: recorded together or not at all, with no await for another call to slip into. */
  private write(next: Stored, entries: readonly JournalEntry[] = [], effects: readonly ArbiterEffect[] = []): void {
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      this.ensureTables();
      for (const entry of entries)
        sql.exec(
          "INSERT INTO journal (idx, timestamp, data, previous_hash, hash) VALUES (?, ?, ?, ?, ?)",
          entry.index,
          entry.timestamp,
          JSON.stringify(entry.data),
          entry.previous_hash,
          entry.hash,
        );
      for (const effect of effects)
        sql.exec("INSERT OR IGNORE INTO outbox (key, effect) VALUES (?, ?)", effectKey(effect), JSON.stringify(effect));
      if (effects.length) {
        const overflow = sql
          .exec<{ key: string }>("SELECT key FROM outbox ORDER BY seq DESC LIMIT -1 OFFSET ?", OUTBOX_CAPACITY)
          .toArray();
        for (const { key } of overflow) sql.exec("DELETE FROM outbox WHERE key = ?", key);
        if (overflow.length)
          console.error(
            `arbiter ${next.config.worldline}: outbox over ${OUTBOX_CAPACITY} effects, dropped the oldest ${overflow.length}`,
          );
      }
      this.ctx.storage.kv.put("arbiter", next);
    });
    this.stored = next;
  }

  /**
   * Applies the pending effects, oldest first. Flushes run one at a time (a `beats` call or the
   * alarm arriving while another flush awaits its calls waits for it), and each reads the outbox
   * afresh, so an effect is never attempted by two flushes at once nor dropped by one that started
   * before it was recorded. Each is removed by its own key once applied or refused for good.
   */
  private flushOutbox(): Promise<void> {
    const run = this.flushing.then(() => this.flushOnce());
    this.flushing = run.catch(() => undefined);
    return run;
  }

  private async flushOnce(): Promise<void> {
    const sql = this.ctx.storage.sql;
    if (!this.stored) return;
    const rows = sql
      .exec<{ key: string; effect: string }>("SELECT key, effect FROM outbox ORDER BY seq LIMIT ?", FLUSH_BATCH)
      .toArray();
    for (const row of rows) {
      const effect = JSON.parse(row.effect) as ArbiterEffect;
      const attempt = isExpired(effect, Date.now())
        ? ({ outcome: "refused", error: "not delivered within the retry window" } as const)
        : await applyEffect(this.env, effect, this.stored.config.subscribers);
      if (attempt.outcome === "retry") {
        console.warn(`arbiter effect ${row.key} failed, will retry: ${attempt.error}`);
        sql.exec(
          "UPDATE outbox SET attempts = attempts + 1, last_error = ?, effect = ? WHERE key = ?",
          attempt.error,
          JSON.stringify(attempt.effect ?? effect),
          row.key,
        );
      } else {
        if (attempt.outcome === "refused") console.warn(`arbiter effect ${row.key} dropped: ${attempt.error}`);
        sql.exec("DELETE FROM outbox WHERE key = ?", row.key);
      }
    }
  }

  private hasPendingEffects(): boolean {
    return this.stored !== null && this.ctx.storage.sql.exec("SELECT 1 FROM outbox LIMIT 1").toArray().length > 0;
  }

  /** The next beat when enabled; otherwise a retry while effects are pending (a disabled arbiter still finishes what it decided). */
  private async scheduleNext(): Promise<void> {
    const stored = this.stored;
    if (stored?.config.enabled) await this.ctx.storage.setAlarm(Date.now() + this.delayMs(stored));
    else if (this.hasPendingEffects()) await this.ctx.storage.setAlarm(Date.now() + OUTBOX_RETRY_MS);
    else await this.ctx.storage.deleteAlarm();
  }

  /** After a flush outside the alarm: effects left pending get an alarm to retry them, unless one is set already (the next beat's). */
  private async ensureRetryAlarm(): Promise<void> {
    if (this.hasPendingEffects() && (await this.ctx.storage.getAlarm()) === null)
      await this.ctx.storage.setAlarm(Date.now() + OUTBOX_RETRY_MS);
  }

  private journalRoot(stored: Stored = this.stored!): string {
    const { frontier } = stored;
    return bytesToHex(frontierRoot({ size: frontier.size, hashes: frontier.hashes.map((h) => hexToBytes(h)) }));
  }

  private readJournal(from: number, limit: number): JournalEntry[] {
    if (from < 0 || limit <= 0) return [];
    return this.ctx.storage.sql
      .exec<JournalRow>("SELECT * FROM journal WHERE idx >= ? ORDER BY idx LIMIT ?", from, limit)
      .toArray()
      .map((row) => ({
        index: row.idx,
        timestamp: row.timestamp,
        data: JSON.parse(row.data),
        previous_hash: row.previous_hash,
        hash: row.hash,
      }));
  }

  private strip(verification: Verification & { progress?: VerificationProgress }): Verification {
    const { progress: _, ...rest } = verification;
    return rest;
  }

  private delayMs(stored: Stored): number {
    return Math.max(tLambda(stored.state.tunables) * 1000, minInterval(this.env), stored.config.intervalMs);
  }

  private view(stored: Stored = this.stored!): ArbiterView {
    return {
      worldline: stored.config.worldline,
      enabled: stored.config.enabled,
      intervalMs: stored.config.intervalMs,
      beats: stored.state.beat,
      tLambda: tLambda(stored.state.tunables),
      tunables: stored.state.tunables,
      genome: stored.state.genome,
      pid: stored.pid,
      lastDecision: stored.lastDecision,
      journal: { size: stored.frontier.size, root: this.journalRoot(stored) },
      subscribers: stored.config.subscribers,
    };
  }
}

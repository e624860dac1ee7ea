// The arbiter of one world line (seed 001, VENOM Λ-GENESIS), a Durable Object named after the
// world line and driven by its alarm. Each beat is src/core/arbiter/beat.ts; this class feeds it
// the accumulated telemetry and the latest entropy model, records the new state and the beat's
// journal entries in one transaction (a beat is never half-recorded), then carries out the
// effects through an outbox, so an alarm that throws is retried without beating twice.
import { DurableObject } from "cloudflare:workers";
import type { z } from "zod";
import type { ArbiterStatus, Decision as DecisionSchema } from "../src/schemas/arbiter.js";
import { beat, type BeatResult } from "../src/core/arbiter/beat.js";
import { isAlarming, type Action } from "../src/core/arbiter/decision.js";
import type { EntropyModel } from "../src/core/arbiter/entropy-model.js";
import { injectData } from "../src/core/arbiter/genome.js";
import { journalManifest, verifyChain, type JournalEntry, type JournalManifest } from "../src/core/arbiter/journal.js";
import { createArbiterState, retune, type ArbiterState, type ArbiterTunables } from "../src/core/arbiter/state.js";
import { tLambda } from "../src/core/arbiter/t-lambda.js";
import { bytesToHex, hexToBytes } from "../src/core/hash.js";
import { appendLeaf, emptyFrontier, frontierRoot, type Frontier } from "../src/core/merkle.js";
import { capture, DomainError, type Outcome } from "../src/core/problem.js";
import { arbiterEffects, type ArbiterEffect } from "../src/arbiter/effects.js";
import { latestEntropyModel } from "../src/arbiter/model-store.js";

export interface ArbiterConfig {
  worldline: string;
  enabled: boolean;
  intervalMs: number;
  subscribers: string[];
}

export type Decision = z.infer<typeof DecisionSchema>;
export type ArbiterView = z.infer<typeof ArbiterStatus>;

interface Stored {
  config: ArbiterConfig;
  state: ArbiterState;
  /** The journal's Merkle frontier (RFC 9162 shape over entry hashes, equal to the seed's root). */
  frontier: { size: number; hashes: string[] };
  pendingAnoms: number;
  lastBeatAt: number;
  lastDecision: Decision | null;
  pid: ArbiterView["pid"];
  outbox: ArbiterEffect[];
}

const minInterval = (env: Env) => Number(env.DM_ARBITER_MIN_INTERVAL_MS ?? 1000);
const anchorEvery = (env: Env) => Number(env.DM_ARBITER_ANCHOR_EVERY ?? 100);

export class Arbiter extends DurableObject<Env> {
  private stored: Stored | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS journal (idx INTEGER PRIMARY KEY, timestamp REAL NOT NULL, data TEXT NOT NULL, previous_hash TEXT NOT NULL, hash TEXT NOT NULL)");
    void ctx.blockConcurrencyWhile(async () => {
      this.stored = (await ctx.storage.get<Stored>("arbiter")) ?? null;
    });
  }

  /** PUT /worldlines/:id/arbiter: turn on, off or retune. Creates the arbiter (and its journal genesis) on first use. */
  configure(worldline: string, input: { enabled: boolean; intervalMs?: number; k?: number; p?: number; tThreshold?: number }): Promise<Outcome<ArbiterView>> {
    return capture(async () => {
      const tunables = Object.fromEntries(Object.entries({ k: input.k, p: input.p, tThreshold: input.tThreshold }).filter(([, v]) => v !== undefined)) as Partial<ArbiterTunables>;
      const stored = this.stored ?? this.genesis(worldline, tunables);
      const next: Stored = {
        ...stored,
        config: { ...stored.config, enabled: input.enabled, intervalMs: input.intervalMs ?? stored.config.intervalMs },
        state: this.stored ? retune(stored.state, tunables) : stored.state,
      };
      await this.save(next);
      if (next.config.enabled) await this.ctx.storage.setAlarm(Date.now() + this.delayMs(next));
      else await this.ctx.storage.deleteAlarm();
      return this.view();
    });
  }

  status(worldline: string): Promise<Outcome<ArbiterView>> {
    return capture(async () => {
      if (!this.stored) await this.save(this.genesis(worldline, {}));
      return this.view();
    });
  }

  /** POST /worldlines/:id/telemetry: anomalies accumulate until the next beat consumes them. */
  telemetry(worldline: string, anoms: number): Promise<Outcome<{ pendingAnoms: number }>> {
    return capture(async () => {
      const stored = this.stored ?? this.genesis(worldline, {});
      await this.save({ ...stored, pendingAnoms: stored.pendingAnoms + anoms });
      return { pendingAnoms: this.stored!.pendingAnoms };
    });
  }

  /** The seed's inject_data into the genome (risk anomalies and ml_weight). */
  inject(worldline: string, injection: { anoms?: number; ml_weight?: number }): Promise<Outcome<ArbiterView>> {
    return capture(async () => {
      const stored = this.stored ?? this.genesis(worldline, {});
      await this.save({ ...stored, state: { ...stored.state, genome: injectData(stored.state.genome, injection) } });
      return this.view();
    });
  }

  setSubscribers(worldline: string, agents: string[]): Promise<Outcome<{ subscribers: string[] }>> {
    return capture(async () => {
      const stored = this.stored ?? this.genesis(worldline, {});
      await this.save({ ...stored, config: { ...stored.config, subscribers: [...new Set(agents)] } });
      return { subscribers: this.stored!.config.subscribers };
    });
  }

  /** Like the seed's `--beats N`: beats run now, back to back in virtual time (each T_Λ after the last). Effects are coalesced. */
  beats(worldline: string, count: number): Promise<Outcome<{ decisions: Array<{ beat: number; action: Action; threat: number }>; view: ArbiterView }>> {
    return capture(async () => {
      if (!this.stored) await this.save(this.genesis(worldline, {}));
      const decisions: Array<{ beat: number; action: Action; threat: number }> = [];
      const effects: ArbiterEffect[] = [];
      const model = await latestEntropyModel(this.env);
      for (let i = 0; i < count; i++) {
        const result = this.beatOnce(model, Math.max(Date.now(), this.stored!.lastBeatAt + Math.ceil(this.stored!.state.beat ? tLambda(this.stored!.state.tunables) * 1000 : 0)));
        decisions.push({ beat: result.state.beat, action: result.action, threat: result.cores.E.threat_score });
        effects.push(...this.effectsOf(result));
      }
      await this.persistBeats(coalesce(effects));
      await this.flushOutbox();
      return { decisions, view: this.view() };
    });
  }

  journal(from: number, limit: number): Promise<Outcome<{ manifest: JournalManifest; entries: JournalEntry[]; anchoredRoot: string }>> {
    return capture(() => {
      if (!this.stored) throw new DomainError(404, "no-arbiter", "this world line's arbiter has not run yet");
      const all = this.readJournal(0, Number.MAX_SAFE_INTEGER);
      return { manifest: journalManifest(all), entries: all.slice(from, from + limit), anchoredRoot: this.journalRoot() };
    });
  }

  override async alarm(): Promise<void> {
    const stored = this.stored;
    if (!stored?.config.enabled) return;
    if (stored.outbox.length) {
      await this.flushOutbox(); // a retried alarm finishes the effects of the beat already recorded
    } else {
      const result = this.beatOnce(await latestEntropyModel(this.env), Math.max(Date.now(), stored.lastBeatAt + 1));
      await this.persistBeats(this.effectsOf(result));
      await this.flushOutbox();
    }
    if (this.stored?.config.enabled) await this.ctx.storage.setAlarm(Date.now() + this.delayMs(this.stored));
  }

  // ---- internals ------------------------------------------------------------------------

  private genesis(worldline: string, tunables: Partial<ArbiterTunables>): Stored {
    const nowMs = Date.now();
    const { state, entries } = createArbiterState({ nowMs, tunables, genesis: { worldLine: worldline } });
    let frontier: Frontier = emptyFrontier();
    for (const entry of entries) {
      this.writeEntry(entry);
      frontier = appendLeaf(frontier, hexToBytes(entry.hash)).frontier;
    }
    return {
      config: { worldline, enabled: false, intervalMs: minInterval(this.env), subscribers: [] },
      state, frontier: { size: frontier.size, hashes: frontier.hashes.map(bytesToHex) },
      pendingAnoms: 0, lastBeatAt: nowMs, lastDecision: null, pid: { error: 0, integral: 0, output: 0, deltaV: 0, stable: false }, outbox: [],
    };
  }

  /** One beat in memory; `persistBeats` writes it (and any before it) together. */
  private beatOnce(model: EntropyModel, nowMs: number): BeatResult {
    const stored = this.stored!;
    const result = beat(stored.state, { anoms: stored.pendingAnoms }, { nowMs, model: model.version > 0 ? model : undefined, minIntervalSeconds: minInterval(this.env) / 1000 });
    let frontier: Frontier = { size: stored.frontier.size, hashes: stored.frontier.hashes.map((h) => hexToBytes(h)) };
    for (const entry of result.entries) {
      this.pendingEntries.push(entry);
      frontier = appendLeaf(frontier, hexToBytes(entry.hash)).frontier;
    }
    const { recalibration: r } = result;
    this.stored = {
      ...stored,
      state: result.state,
      frontier: { size: frontier.size, hashes: frontier.hashes.map(bytesToHex) },
      pendingAnoms: 0,
      lastBeatAt: nowMs,
      lastDecision: { beat: result.state.beat, at: nowMs, action: result.action, threat: result.cores.E.threat_score, tLambda: result.pulse.tLambda, weights: result.state.genome.weights },
      pid: { error: r.deltaT, integral: result.state.pid.integral, output: r.output, deltaV: r.deltaV, stable: r.isStable },
    };
    return result;
  }

  private pendingEntries: JournalEntry[] = [];

  private effectsOf(result: BeatResult): ArbiterEffect[] {
    const { worldline } = this.stored!.config;
    const effects: ArbiterEffect[] = [];
    if (isAlarming(result.action)) {
      effects.push({ kind: result.action === "QUARANTINE" ? "quarantine" : "alert", worldline, beat: result.state.beat, threat: result.cores.E.threat_score });
      effects.push({ kind: "anchor", worldline, beat: result.state.beat });
    } else if (result.state.beat % anchorEvery(this.env) === 0) {
      effects.push({ kind: "anchor", worldline, beat: result.state.beat });
    }
    return effects;
  }

  /** The beats' state and journal entries and their effects, in one transaction. */
  private async persistBeats(effects: ArbiterEffect[]): Promise<void> {
    const entries = this.pendingEntries;
    this.pendingEntries = [];
    const next = { ...this.stored!, outbox: [...this.stored!.outbox, ...effects] };
    await this.ctx.storage.transaction(async (txn) => {
      for (const entry of entries) this.writeEntry(entry);
      await txn.put("arbiter", next);
    });
    this.stored = next;
  }

  private async flushOutbox(): Promise<void> {
    const stored = this.stored!;
    if (stored.outbox.length === 0) return;
    const root = this.journalRoot();
    await arbiterEffects(this.env, stored.outbox, { root, size: stored.frontier.size, subscribers: stored.config.subscribers });
    await this.save({ ...this.stored!, outbox: [] });
  }

  private journalRoot(): string {
    const { frontier } = this.stored!;
    return bytesToHex(frontierRoot({ size: frontier.size, hashes: frontier.hashes.map((h) => hexToBytes(h)) }));
  }

  private writeEntry(entry: JournalEntry): void {
    this.ctx.storage.sql.exec("INSERT INTO journal (idx, timestamp, data, previous_hash, hash) VALUES (?, ?, ?, ?, ?)", entry.index, entry.timestamp, JSON.stringify(entry.data), entry.previous_hash, entry.hash);
  }

  private readJournal(from: number, limit: number): JournalEntry[] {
    return this.ctx.storage.sql
      .exec<{ idx: number; timestamp: number; data: string; previous_hash: string; hash: string }>("SELECT * FROM journal WHERE idx >= ? ORDER BY idx LIMIT ?", from, limit)
      .toArray()
      .map((row) => ({ index: row.idx, timestamp: row.timestamp, data: JSON.parse(row.data), previous_hash: row.previous_hash, hash: row.hash }));
  }

  /** Does the stored journal still hash-chain from genesis? (Tampering shows here and against the ledger anchor.) */
  verifyJournal(): Promise<Outcome<{ ok: boolean; index?: number; reason?: string; root: string }>> {
    return capture(() => {
      const result = verifyChain(this.readJournal(0, Number.MAX_SAFE_INTEGER));
      return result.ok ? { ok: true, root: this.journalRoot() } : { ok: false, index: result.index, reason: result.reason, root: this.journalRoot() };
    });
  }

  private delayMs(stored: Stored): number {
    return Math.max(tLambda(stored.state.tunables) * 1000, minInterval(this.env), stored.config.intervalMs);
  }

  private async save(next: Stored): Promise<void> {
    await this.ctx.storage.put("arbiter", next);
    this.stored = next;
  }

  private view(): ArbiterView {
    const stored = this.stored!;
    return {
      worldline: stored.config.worldline, enabled: stored.config.enabled, intervalMs: stored.config.intervalMs, beats: stored.state.beat,
      tLambda: tLambda(stored.state.tunables), tunables: stored.state.tunables, genome: stored.state.genome, pid: stored.pid, lastDecision: stored.lastDecision,
      journal: { size: stored.frontier.size, root: this.journalRoot() }, subscribers: stored.config.subscribers,
    };
  }
}

/** A burst keeps one quarantine, one alert (the worst) and one anchor: the ledger is not flooded with beats. */
function coalesce(effects: ArbiterEffect[]): ArbiterEffect[] {
  const quarantine = effects.find((e) => e.kind === "quarantine");
  const alerts = effects.filter((e): e is Extract<ArbiterEffect, { threat: number }> => e.kind === "alert");
  const worstAlert = alerts.reduce<(typeof alerts)[number] | undefined>((worst, e) => (!worst || e.threat > worst.threat ? e : worst), undefined);
  const lastAnchor = effects.filter((e) => e.kind === "anchor").pop();
  return [quarantine ?? worstAlert, lastAnchor].filter((e): e is ArbiterEffect => e !== undefined);
}

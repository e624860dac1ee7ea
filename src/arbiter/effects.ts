// What an arbiter decision does outside its own Durable Object (issue: arbiter "Effects"):
// QUARANTINE locks the world line; ALERT and QUARANTINE become events (they feed HALO) and signed
// mesh messages from the hub to the world line's subscribers; the journal root is anchored into
// the consensus ledger on every alarm and periodically. Each effect is idempotent, so a retried
// alarm may run it again safely.
import { unwrap } from "../core/problem.js";
import { emitEvent } from "../events/producer.js";
import { HUB_AGENT, type Agent } from "../../durable-objects/agent.js";
import { LEDGER_NAME, type Ledger } from "../../durable-objects/ledger.js";
import type { WorldLine } from "../../durable-objects/world-line.js";

export type ArbiterEffect =
  | { kind: "quarantine" | "alert"; worldline: string; beat: number; threat: number }
  | { kind: "anchor"; worldline: string; beat: number };

export interface JournalAnchor {
  root: string;
  size: number;
  subscribers: string[];
}

export async function arbiterEffects(env: Env, effects: ArbiterEffect[], journal: JournalAnchor): Promise<void> {
  for (const effect of effects) {
    if (effect.kind === "anchor") {
      const ledger = env.LEDGER.get(env.LEDGER.idFromName(LEDGER_NAME)) as unknown as Pick<Ledger, "anchor">;
      unwrap(await ledger.anchor([{ subject: `arbiter-journal:${effect.worldline}`, root: journal.root, size: journal.size, note: `beat ${effect.beat}` }], effect.worldline));
      continue;
    }
    if (effect.kind === "quarantine") {
      const worldLine = env.WORLDLINE.get(env.WORLDLINE.idFromName(effect.worldline)) as unknown as Pick<WorldLine, "quarantine">;
      unwrap(await worldLine.quarantine(`arbiter beat ${effect.beat}: threat ${effect.threat.toFixed(4)} ≥ 0.85`, effect.threat, effect.beat));
    }
    await emitEvent(env, { type: effect.kind === "quarantine" ? "arbiter.quarantine" : "arbiter.alert", worldline: effect.worldline, data: { threat: effect.threat, beat: effect.beat, journalRoot: journal.root } });
    await broadcast(env, effect, journal.subscribers);
  }
}

/** A signed mesh message from the hub to every subscribed agent it is connected to. */
async function broadcast(env: Env, effect: Extract<ArbiterEffect, { threat: number }>, subscribers: string[]): Promise<void> {
  if (subscribers.length === 0) return;
  const hub = env.AGENT.get(env.AGENT.idFromName(HUB_AGENT)) as unknown as Pick<Agent, "send" | "ensureHubAgent">;
  if (!(await hub.ensureHubAgent())) return;
  const content = JSON.stringify({ type: `darkmatter.arbiter.${effect.kind}`, worldline: effect.worldline, beat: effect.beat, threat: effect.threat });
  const outcome = await hub.send({ content, target_agent_ids: subscribers, metadata: { worldline: effect.worldline, arbiter: effect.kind }, hops_remaining: 1, force: false });
  // A subscriber that is offline or disconnected must not stop the arbiter: the event still records the decision.
  if (!outcome.ok) console.warn(`arbiter broadcast for ${effect.worldline} failed: ${outcome.problem.detail}`);
}

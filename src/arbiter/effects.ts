// What an arbiter decision does outside its own Durable Object (issue: arbiter "Effects"), one
// effect at a time (the kinds and their keys: src/core/arbiter/outbox.ts). Each effect carries its
// key to the system it touches, so an attempt repeated after a failure or a lost reply is recorded
// there once: the ledger keeps one anchor per key, the event log one event per id, the hub one
// message per key. Nothing here throws: every attempt ends applied, to retry, or refused for good.
import { describeError } from "../core/events.js";
import { keyedId } from "../core/ids.js";
import type { Outcome } from "../core/problem.js";
import { effectKey, isPermanentRefusal, type ArbiterEffect, type EffectAttempt } from "../core/arbiter/outbox.js";
import { emitEvent } from "../events/producer.js";
import { hubAgent } from "../mesh/hub.js";
import { ledgerStub, worldLineStub } from "../stubs.js";

const APPLIED: EffectAttempt = { outcome: "applied" };

/** One attempt at `effect`. `subscribers` are the world line's subscribers now: one removed since the beat is no longer sent to. */
export async function applyEffect(
  env: Env,
  effect: ArbiterEffect,
  subscribers: readonly string[],
): Promise<EffectAttempt> {
  try {
    switch (effect.kind) {
      case "quarantine": {
        const worldLine = worldLineStub(env, effect.worldline);
        return settled(
          await worldLine.quarantine(
            `arbiter beat ${effect.beat}: threat ${effect.threat.toFixed(4)} ≥ 0.85`,
            effect.threat,
            effect.beat,
          ),
        ); // a no-op on a world line already locked
      }
      case "anchor": {
        const ledger = ledgerStub(env);
        return settled(
          await ledger.anchor(
            [
              {
                subject: `arbiter-journal:${effect.worldline}`,
                root: effect.root,
                size: effect.size,
                note: `beat ${effect.beat}`,
              },
            ],
            effect.worldline,
            effectKey(effect),
          ),
        );
      }
      case "event": {
        // The id is the key's, stamped with the beat's time: the consumer stores an id once (src/stores/event-store.ts).
        const id = await emitEvent(env, {
          id: keyedId("ev", effect.at, effectKey(effect)),
          time: effect.at,
          type: effect.action === "quarantine" ? "arbiter.quarantine" : "arbiter.alert",
          worldline: effect.worldline,
          data: { threat: effect.threat, beat: effect.beat, journalRoot: effect.journalRoot },
        });
        return id ? APPLIED : { outcome: "retry", error: "the event was not queued (logged above)" };
      }
      case "broadcast":
        return await broadcast(env, effect, subscribers);
    }
  } catch (error) {
    // The call itself failed (the other object was reset or overloaded, the network): worth another attempt.
    return { outcome: "retry", error: describeError(error) };
  }
}

function settled(outcome: Outcome<unknown>): EffectAttempt {
  if (outcome.ok) return APPLIED;
  const error = `${outcome.problem.status} ${outcome.problem.code}: ${outcome.problem.detail ?? ""}`;
  return isPermanentRefusal(outcome.problem.status) ? { outcome: "refused", error } : { outcome: "retry", error };
}

/**
 * A signed mesh message from the hub to the subscribers that have not accepted it yet. One that is
 * not connected, inactive or full now may be later: it stays pending (for BROADCAST_RETRY_MS). The
 * hub derives the message id from the key and remembers what it sent under it, so a retry after a
 * lost reply does not reach anyone twice.
 */
async function broadcast(
  env: Env,
  effect: Extract<ArbiterEffect, { kind: "broadcast" }>,
  subscribers: readonly string[],
): Promise<EffectAttempt> {
  const targets = effect.pending.filter((id) => subscribers.includes(id));
  if (targets.length === 0) return APPLIED;
  const hub = await hubAgent(env);
  if (!hub) return { outcome: "refused", error: "the hub has no passport (DM_HUB_PASSPORT is not set)" };
  const content = JSON.stringify({
    type: `darkmatter.arbiter.${effect.action}`,
    worldline: effect.worldline,
    beat: effect.beat,
    threat: effect.threat,
  });
  const sent = await hub.send({
    content,
    target_agent_ids: targets,
    metadata: { worldline: effect.worldline, arbiter: effect.action },
    hops_remaining: 1,
    force: false,
    idempotency_key: effectKey(effect),
  });
  if (!sent.ok) return { outcome: "retry", error: `${sent.problem.code}: ${sent.problem.detail ?? ""}` };
  const routed = "routed_to" in sent.value ? sent.value.routed_to : []; // a new message always answers routed_to (Agent.sendNew)
  const pending = targets.filter((id) => !routed.includes(id));
  return pending.length
    ? { outcome: "retry", error: `not accepted by ${pending.join(", ")}`, effect: { ...effect, pending } }
    : APPLIED;
}

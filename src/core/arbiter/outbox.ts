// The arbiter's effects outbox, the pure part (issue 12: every decision applied exactly once).
//
// A beat's effects are recorded in the transaction that records the beat; the Arbiter Durable
// Object then applies them one at a time and removes each, by its key, once it is applied. The key
// is the effect's identity (world line, beat, kind) and travels to the system the effect touches:
// the ledger's anchor key, the event id, the hub's message id. So an effect attempted twice (a
// retried alarm, a reply lost after the work was done) is recorded there once.
import { isAlarming, type Action } from "./decision.js";

export type AlarmAction = "alert" | "quarantine";

export type ArbiterEffect =
  /** Lock the world line (QUARANTINE). */
  | { kind: "quarantine"; worldline: string; beat: number; threat: number }
  /** `arbiter.alert` / `arbiter.quarantine`, stamped with the beat's time (`at`, ms) and journal root. */
  | {
      kind: "event";
      action: AlarmAction;
      worldline: string;
      beat: number;
      at: number;
      threat: number;
      journalRoot: string;
    }
  /** A signed mesh message from the hub; `pending` are the subscribers that have not accepted it yet. */
  | {
      kind: "broadcast";
      action: AlarmAction;
      worldline: string;
      beat: number;
      at: number;
      threat: number;
      pending: string[];
    }
  /** The journal's Merkle root and size right after the beat, as a ledger `anchor` entry. */
  | { kind: "anchor"; worldline: string; beat: number; root: string; size: number };

export type EffectKind = ArbiterEffect["kind"];

export const effectKey = (effect: Pick<ArbiterEffect, "worldline" | "beat" | "kind">): string =>
  `arbiter:${effect.worldline}:${effect.beat}:${effect.kind}`;

/** What one attempt at an effect came to: applied (remove it), retry later (keep it, maybe with less left to do), or refused for good (remove it, logged). */
export type EffectAttempt =
  | { outcome: "applied" }
  | { outcome: "retry"; error: string; effect?: ArbiterEffect }
  | { outcome: "refused"; error: string };

/**
 * A refusal no retry can change: a 4xx (RFC 9110 §15.5, the request itself is wrong) other than
 * those that mean "not now" (408 timeout, 409 conflict, 423 locked, 425 too early, 429 too many).
 * 5xx and failed calls are worth retrying.
 */
export function isPermanentRefusal(status: number): boolean {
  return status >= 400 && status < 500 && ![408, 409, 423, 425, 429].includes(status);
}

/**
 * A broadcast is retried for at most an hour: the mesh purges inbox messages after an hour (spec
 * §11.3, INBOX_MAX_AGE_SECONDS), so an alert older than that is no longer news for the subscriber.
 * Other effects have no deadline: they are retried until applied or refused for good.
 */
export const BROADCAST_RETRY_MS = 3_600_000;

export function isExpired(effect: ArbiterEffect, nowMs: number): boolean {
  return effect.kind === "broadcast" && nowMs - effect.at > BROADCAST_RETRY_MS;
}

/** How long a pending effect waits for its next attempt when no beat is due sooner. */
export const OUTBOX_RETRY_MS = 15_000;
/** Effects attempted per flush, oldest first: a backlog drains over several alarms, none of them long. */
export const FLUSH_BATCH = 50;
/** Pending effects kept at most; past this the oldest are dropped (logged), so an outage cannot grow storage without bound. */
export const OUTBOX_CAPACITY = 10_000;

export interface BeatOutcome {
  worldline: string;
  beat: number;
  action: Action;
  threat: number;
  /** When the beat ran (ms). */
  at: number;
  /** The journal right after the beat. */
  journal: { root: string; size: number };
  subscribers: readonly string[];
  anchorEvery: number;
}

/** Does this beat have effects at all? (Most do not: a caller can skip computing the journal root for them.) */
export function hasEffects(beat: Pick<BeatOutcome, "action" | "beat" | "anchorEvery">): boolean {
  return isAlarming(beat.action) || beat.beat % beat.anchorEvery === 0;
}

/**
 * The effects of one beat, in the order they are applied: QUARANTINE locks the world line; ALERT
 * and QUARANTINE become an event and a broadcast to the subscribers; the journal is anchored on
 * every ALERT / QUARANTINE and every `anchorEvery` beats.
 */
export function effectsOfBeat(beat: BeatOutcome): ArbiterEffect[] {
  const { worldline, at, threat } = beat;
  const effects: ArbiterEffect[] = [];
  if (!hasEffects(beat)) return effects;
  if (isAlarming(beat.action)) {
    const action: AlarmAction = beat.action === "QUARANTINE" ? "quarantine" : "alert";
    if (action === "quarantine") effects.push({ kind: "quarantine", worldline, beat: beat.beat, threat });
    effects.push({ kind: "event", action, worldline, beat: beat.beat, at, threat, journalRoot: beat.journal.root });
    if (beat.subscribers.length)
      effects.push({
        kind: "broadcast",
        action,
        worldline,
        beat: beat.beat,
        at,
        threat,
        pending: [...beat.subscribers],
      });
  }
  effects.push({ kind: "anchor", worldline, beat: beat.beat, root: beat.journal.root, size: beat.journal.size });
  return effects;
}

/**
 * A burst (`POST …/arbiter/beats`) keeps the effects of one decision, the first QUARANTINE or else
 * the worst ALERT, and, if any beat called for an anchor, one anchor of the journal after the
 * burst (its root covers every entry of the burst): the ledger, the event log and the subscribers
 * are not flooded with beats.
 */
export function coalesceBurst(
  effects: readonly ArbiterEffect[],
  after: { beat: number; root: string; size: number },
): ArbiterEffect[] {
  const quarantine = effects.find((e) => e.kind === "quarantine");
  const worstEvent = effects.reduce<Extract<ArbiterEffect, { kind: "event" }> | undefined>(
    (worst, e) => (e.kind === "event" && (!worst || e.threat > worst.threat) ? e : worst),
    undefined,
  );
  const decisive = quarantine?.beat ?? worstEvent?.beat;
  const anchor = effects.find((e) => e.kind === "anchor");
  return [
    ...effects.filter((e) => e.kind !== "anchor" && e.beat === decisive),
    ...(anchor
      ? [{ kind: "anchor" as const, worldline: anchor.worldline, beat: after.beat, root: after.root, size: after.size }]
      : []),
  ];
}

// Sending, forwarding and forking (mesh spec §8.5 step 10, §11.1, §11.2, §11.5, §11.7): hop
// accounting, target selection, the pre-forward webhook check with its loop detection, and the
// bodies a holder sends. Decisions only; the caller performs the HTTP calls in the order the
// plan describes and feeds their results back in.
import type { ExpiredUpdateBody, ForwardedUpdateBody, MessageBody, PeerWebhookStatus } from "../../schemas/mesh.js";
import type { InboxMessage } from "../../schemas/mesh-state.js";
import { PeerWebhookStatus as PeerWebhookStatusSchema } from "../../schemas/mesh.js";
import { DEFAULT_HOPS, MAX_SEND_HOPS, MIN_SEND_HOPS } from "./limits.js";
import { isJsonObject } from "./mesh-reply.js";
import { signedMessageBody } from "./message-signing.js";
import type { Passport } from "./passport.js";

/**
 * §8.5 step 10: `hops_remaining` as received. Absent, negative or not an integer → 10; no upper
 * cap (§18 #9: 1000 stays 1000). JSON booleans are Python ints (true → 1, false → 0). `5.0`
 * is an int here, unlike Python (JSON.parse cannot tell them apart; an accepted deviation).
 */
export function receivedHops(value: unknown): number {
  if (value === true) return 1;
  if (value === false) return 0;
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return value;
  return DEFAULT_HOPS;
}

/** §11.1: the send tool's `hops_remaining` must be an integer from 1 to 50. */
export function isValidSendHops(hops: number): boolean {
  return Number.isInteger(hops) && hops >= MIN_SEND_HOPS && hops <= MAX_SEND_HOPS;
}

type TargetParams = { target_agent_id?: string | null; target_agent_ids?: readonly string[] | null };

/**
 * §11.1 targets of a new message: the named connections (`target_agent_ids`, every one of which
 * must exist; each is sent to once), else the one named connection (which must exist), else —
 * when none is named — every connection (a broadcast; all get the same message ID and signature).
 */
export function sendTargets(
  params: TargetParams,
  connectionIds: readonly string[],
): { targets: string[] } | { unknownTarget: string } {
  if (params.target_agent_ids?.length) {
    const connected = new Set(connectionIds);
    const missing = findUnconnectedTarget(params.target_agent_ids, (id) => connected.has(id));
    return missing ? { unknownTarget: missing } : { targets: [...new Set(params.target_agent_ids)] };
  }
  const targetAgentId = params.target_agent_id;
  if (!targetAgentId) return { targets: [...connectionIds] };
  return connectionIds.includes(targetAgentId) ? { targets: [targetAgentId] } : { unknownTarget: targetAgentId };
}

/** §11.5: fork targets (`target_agent_ids`, when non-empty) take precedence over `target_agent_id`. */
export function forwardTargets(params: TargetParams): string[] {
  if (params.target_agent_ids && params.target_agent_ids.length > 0) return [...params.target_agent_ids];
  return params.target_agent_id ? [params.target_agent_id] : [];
}

/** §11.5 step 1: the targets of a forward or fork; a forward names at least one, and every one must be connected. */
export function resolveForwardTargets(
  params: TargetParams,
  isConnected: (agentId: string) => boolean,
): { targets: string[] } | { unknownTarget: string } | { isUnnamed: true } {
  const targets = forwardTargets(params);
  if (targets.length === 0) return { isUnnamed: true };
  const missing = findUnconnectedTarget(targets, isConnected);
  return missing ? { unknownTarget: missing } : { targets };
}

/** §11.5 step 1: the first target that is not a current connection (nothing is sent then, and the message is kept). */
export function findUnconnectedTarget(
  targets: readonly string[],
  isConnected: (agentId: string) => boolean,
): string | undefined {
  return targets.find((target) => !isConnected(target));
}

/**
 * What the holder learned from the originator's webhook before forwarding (§11.5 step 2).
 * `skipped`: the webhook failed the SSRF rule of §7.4, so no GET was made (the forward still
 * proceeds, §7.4); `failed`: transport error or a non-200 reply (fail-open, both checks skipped).
 */
export type WebhookProbe = { kind: "skipped" } | { kind: "failed" } | { kind: "status"; document: PeerWebhookStatus };

/** Turn the webhook GET's status and JSON body into a probe. */
export function webhookProbeFrom(status: number, body: unknown): WebhookProbe {
  if (status !== 200 || !isJsonObject(body)) return { kind: "failed" };
  const parsed = PeerWebhookStatusSchema.safeParse(body);
  return parsed.success ? { kind: "status", document: parsed.data } : { kind: "failed" };
}

export type ForwardPlan =
  /** §11.5 step 2: the originator expired the message or got its answer — drop it, refuse. */
  | { kind: "refused"; reason: "expired" | "responded"; isRemovedFromInbox: true; error: string }
  /** §11.5 step 2: a target already received it via a recorded forward — keep it, refuse (unless `force`). */
  | { kind: "refused"; reason: "loop"; target: string; isRemovedFromInbox: false; error: string }
  /** §11.5 step 3: no hops left — drop it and, if the webhook is callable, POST an `expired` update. */
  | { kind: "expired"; isRemovedFromInbox: true; expiredUpdate?: ExpiredUpdateBody; error: string }
  /** §11.5 steps 4–7: forward with one fresh signature to every target, then drop it from the inbox. */
  | { kind: "forward"; hopsRemaining: number; targets: string[]; forwardedUpdates?: ForwardedUpdateBody[] };

/**
 * §11.5 steps 2–6 for a held message whose targets are all connected. `selfId` is the holder;
 * `note` goes into the `forwarded` updates. Webhook updates are only planned when the webhook
 * passed §7.4 (a blocked webhook silently disables them).
 */
export function planForward(input: {
  held: InboxMessage;
  targets: readonly string[];
  force: boolean;
  probe: WebhookProbe;
  selfId: string;
  note?: string | null;
}): ForwardPlan {
  const { held, probe } = input;
  if (probe.kind === "status") {
    const status = probe.document.status;
    if (status === "expired" || status === "responded") {
      return {
        kind: "refused",
        reason: status,
        isRemovedFromInbox: true,
        error: `Message ${status} by its originator; removed from the inbox.`,
      };
    }
    if (!input.force) {
      const forwardedTo = new Set((probe.document.updates ?? []).map((update) => update.target_agent_id));
      const repeat = input.targets.find((target) => forwardedTo.has(target));
      if (repeat !== undefined) {
        return {
          kind: "refused",
          reason: "loop",
          target: repeat,
          isRemovedFromInbox: false,
          error: `Loop detected: ${repeat} already received this message (use force to override).`,
        };
      }
    }
  }
  const canNotify = probe.kind !== "skipped";
  if (held.hops_remaining <= 0) {
    return {
      kind: "expired",
      isRemovedFromInbox: true,
      ...(canNotify && { expiredUpdate: expiredUpdate(input.selfId) }),
      error: "Message expired — no hops remaining.",
    };
  }
  return {
    kind: "forward",
    hopsRemaining: held.hops_remaining - 1, // a message held with 1 hop can still go, with 0
    targets: [...input.targets],
    ...(canNotify && {
      forwardedUpdates: input.targets.map((target) => forwardedUpdate(input.selfId, target, input.note ?? null)),
    }),
  };
}

/** §8.6: the `forwarded` update a holder POSTs before each delivery. */
export function forwardedUpdate(selfId: string, targetAgentId: string, note: string | null): ForwardedUpdateBody {
  return { type: "forwarded", agent_id: selfId, target_agent_id: targetAgentId, note };
}

/** §8.6, §11.5 step 3: the `expired` update, with the reference's note. */
export function expiredUpdate(selfId: string): ExpiredUpdateBody {
  return { type: "expired", agent_id: selfId, note: "Message expired — no hops remaining." };
}

/** §11.5 step 6: the forwarded body — same ID, content, webhook and metadata; new hops, new timestamp, the forwarder's signature. */
export function forwardedMessageBody(
  forwarder: Passport,
  held: InboxMessage,
  hopsRemaining: number,
  timestamp: string,
): Promise<MessageBody> {
  return signedMessageBody(forwarder, {
    message_id: held.message_id,
    content: held.content,
    webhook: held.webhook,
    hops_remaining: hopsRemaining,
    metadata: isJsonObject(held.metadata) ? held.metadata : {},
    timestamp,
  });
}

export type DeliveryOutcome =
  | { kind: "delivered" }
  | { kind: "refused"; status: number; error: string }
  /** §11.2: transport error or non-JSON reply — run a peer lookup and retry once if the URL changed. */
  | { kind: "unreachable" };

/**
 * How a new node judges a delivery. A reference sender counts ANY JSON reply as delivered
 * (§11.7 QUIRK); a new node SHOULD read the status: only 200 is delivered, other JSON replies
 * are refusals (never retry them with the same message ID within 5 minutes, §6.5), and a
 * non-JSON reply is a transport failure, as for Python peers.
 */
export function deliveryOutcome(status: number, body: unknown): DeliveryOutcome {
  if (!isJsonObject(body)) return { kind: "unreachable" };
  if (status === 200) return { kind: "delivered" };
  const error = typeof body.error === "string" ? body.error : `HTTP ${status}`;
  return { kind: "refused", status, error };
}

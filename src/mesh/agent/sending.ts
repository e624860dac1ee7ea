// Messages this agent sends (mesh spec §11): a new message, a forward or fork of a held one, and
// the answer to a held one through its webhook. The tools darkmatter_send_message and
// darkmatter_respond_message (§17).
import {
  forwardedMessageBody,
  planForward,
  resolveForwardTargets,
  sendTargets,
  webhookProbeFrom,
  type WebhookProbe,
} from "../../core/mesh/forwarding.js";
import { TIMEOUTS_SECONDS } from "../../core/mesh/limits.js";
import { signedMessageBody, signedResponseUpdate } from "../../core/mesh/message-signing.js";
import { keyedMessageId, newMessageId, newSentMessage, rememberSentMessage } from "../../core/mesh/sent-message.js";
import { checkWebhookTarget } from "../../core/mesh/ssrf.js";
import { formatMeshTimestamp } from "../../core/mesh/timestamp.js";
import { webhookUrlFor } from "../../core/mesh/url.js";
import { capture, DomainError, type Outcome } from "../../core/problem.js";
import type { RespondResult, SendResult } from "../../schemas/agents.js";
import type { SentMessage } from "../../schemas/mesh-state.js";
import { callWebhook, deliver } from "./delivery.js";
import { notFoundMessage, type MeshNode } from "./mesh-node.js";

export interface SendParams {
  content?: string | null;
  message_id?: string | null;
  target_agent_id?: string | null;
  target_agent_ids?: string[] | null;
  metadata: Record<string, unknown>;
  hops_remaining: number;
  note?: string | null;
  force: boolean;
  /** In-process callers only (the arbiter's broadcast of one beat): a retry with the same key reaches only the targets the first send did not. */
  idempotency_key?: string;
}

/** The latest keyed send in flight per node and idempotency key (see send). */
const keyedSends = new WeakMap<MeshNode, Map<string, Promise<unknown>>>();

/** darkmatter_send_message: a new message (content) or a forward / fork of a held one (message_id). */
export function send(node: MeshNode, params: SendParams): Promise<Outcome<SendResult>> {
  const key = params.idempotency_key;
  if (!key || params.message_id)
    return capture(() => (params.message_id ? forward(node, params) : sendNew(node, params)));
  // Sends with one key run one after the other: the second then finds the first's record.
  const inFlight = keyedSends.get(node) ?? new Map<string, Promise<unknown>>();
  keyedSends.set(node, inFlight);
  const run = (inFlight.get(key) ?? Promise.resolve())
    .catch(() => undefined)
    .then(() => capture(() => sendNew(node, params)));
  inFlight.set(key, run);
  void run.finally(() => inFlight.get(key) === run && inFlight.delete(key)).catch(() => undefined);
  return run;
}

async function sendNew(node: MeshNode, params: SendParams): Promise<SendResult> {
  const chosen = sendTargets(params, [...node.store.connections.keys()]);
  if ("unknownTarget" in chosen) throw new DomainError("not-connected", `not connected to ${chosen.unknownTarget}`);
  const targets = chosen.targets;
  if (targets.length === 0) throw new DomainError("no-connections", "this agent has no connections to send to");
  const messageId = params.idempotency_key
    ? keyedMessageId(node.passport().privateKeyHex, params.idempotency_key)
    : newMessageId();
  const earlier = params.idempotency_key ? node.sentRecord(messageId) : undefined;
  const reached = earlier?.routed_to ?? [];
  const now = node.now();
  const webhook = webhookUrlFor(node.publicUrl(), messageId);
  const body = await signedMessageBody(node.passport(), {
    message_id: messageId,
    content: params.content!,
    webhook,
    hops_remaining: params.hops_remaining,
    metadata: params.metadata,
    timestamp: formatMeshTimestamp(now),
  });
  // The record exists before the first delivery: a peer may answer through the webhook before
  // the last delivery returns (a hosted agent's RESPOND rule does, src/mesh/agent/router.ts).
  const fresh = () =>
    newSentMessage({
      message_id: messageId,
      content: params.content!,
      initial_hops: params.hops_remaining,
      routed_to: [],
      now,
    });
  if (!earlier) remember(node, fresh());
  const results = await Promise.all(
    targets
      .filter((target) => !reached.includes(target))
      .map(async (target) => ({ agent_id: target, outcome: await deliver(node, target, body) })),
  );
  const routed = [
    ...reached.filter((target) => targets.includes(target)),
    ...results.filter((r) => r.outcome.kind === "delivered").map((r) => r.agent_id),
  ];
  const failed = results
    .filter((r) => r.outcome.kind !== "delivered")
    .map((r) => ({
      agent_id: r.agent_id,
      error: r.outcome.kind === "refused" ? `${r.outcome.status}: ${r.outcome.error}` : "unreachable",
    }));
  // What the webhook recorded meanwhile stays; only routed_to grows.
  const current = node.sentRecord(messageId) ?? fresh();
  remember(node, { ...current, routed_to: [...new Set([...current.routed_to, ...routed])] });
  return {
    success: routed.length > 0,
    message_id: messageId,
    routed_to: routed,
    hops_remaining: params.hops_remaining,
    webhook,
    ...(failed.length && { failed }),
  };
}

function remember(node: MeshNode, record: SentMessage): void {
  const { records, evicted } = rememberSentMessage(node.store.sent, record);
  node.store.saveSent(
    records.find((r) => r.message_id === record.message_id)!,
    evicted,
  );
}

/** §11.5: forward or fork a held message, with the pre-forward webhook check and loop detection. */
async function forward(node: MeshNode, params: SendParams): Promise<SendResult> {
  const held = node.store.inbox.find((m) => m.message_id === params.message_id);
  if (!held) throw notFoundMessage(params.message_id!);
  const chosen = resolveForwardTargets(params, (id) => node.store.connections.has(id));
  if ("isUnnamed" in chosen)
    throw new DomainError("no-target", "name target_agent_id or target_agent_ids to forward a message");
  if ("unknownTarget" in chosen)
    throw new DomainError("not-connected", `not connected to ${chosen.unknownTarget}; the message is kept`);
  const allowed = node.webhookAllowed(held.webhook);
  let probe: WebhookProbe = { kind: "skipped" };
  if (allowed) {
    const call = await callWebhook(node, held, "GET", held.webhook, undefined, TIMEOUTS_SECONDS.webhookStatusCheck);
    probe = call.ok ? webhookProbeFrom(call.status, call.body) : { kind: "failed" };
  }
  const plan = planForward({
    held,
    targets: chosen.targets,
    force: params.force,
    probe,
    selfId: node.passport().agentId,
    note: params.note ?? null,
  });
  if (plan.kind === "refused" || plan.kind === "expired") {
    if (plan.isRemovedFromInbox) node.dropFromInbox(held.message_id);
    if (plan.kind === "expired" && plan.expiredUpdate)
      await callWebhook(node, held, "POST", held.webhook, plan.expiredUpdate, TIMEOUTS_SECONDS.webhookForwardedUpdate);
    throw new DomainError(plan.kind === "expired" ? "message-expired" : `forward-refused-${plan.reason}`, plan.error);
  }
  const body = await forwardedMessageBody(node.passport(), held, plan.hopsRemaining, formatMeshTimestamp(node.now()));
  const results = [];
  for (const [i, target] of plan.targets.entries()) {
    if (plan.forwardedUpdates)
      await callWebhook(
        node,
        held,
        "POST",
        held.webhook,
        plan.forwardedUpdates[i],
        TIMEOUTS_SECONDS.webhookForwardedUpdate,
      ); // errors ignored (§11.5 step 6)
    const outcome = await deliver(node, target, body);
    results.push({
      agent_id: target,
      success: outcome.kind === "delivered",
      ...(outcome.kind !== "delivered" && {
        error: outcome.kind === "refused" ? `${outcome.status}: ${outcome.error}` : "unreachable",
      }),
    });
  }
  node.dropFromInbox(held.message_id); // §11.5 step 7: whatever the delivery results
  return {
    success: results.some((r) => r.success),
    message_id: held.message_id,
    hops_remaining_for_targets: plan.hopsRemaining,
    results,
    ...(params.note && { note: params.note }),
  };
}

/** §11.4: answer a held message through its webhook, signed over the response text. */
export function respond(node: MeshNode, messageId: string, response: string): Promise<Outcome<RespondResult>> {
  return capture(async () => {
    const held = node.store.inbox.find((m) => m.message_id === messageId);
    if (!held) throw notFoundMessage(messageId);
    node.dropFromInbox(messageId);
    const verdict = checkWebhookTarget(held.webhook, node.webhookTrust());
    if (!verdict.isAllowed) throw new DomainError("webhook-blocked", `${verdict.error} The message was dropped.`);
    const started = node.now();
    const update = await signedResponseUpdate(node.passport(), {
      message_id: held.message_id,
      response,
      metadata: held.metadata,
      timestamp: formatMeshTimestamp(started),
    });
    const call = await callWebhook(node, held, "POST", held.webhook, update, TIMEOUTS_SECONDS.webhookResponse);
    const ok = call.ok && call.status < 400;
    return {
      success: ok,
      message_id: messageId,
      webhook_called: held.webhook,
      response_time_ms: node.now() - started,
      error: ok ? null : call.ok ? `HTTP ${call.status}` : call.error,
    };
  });
}

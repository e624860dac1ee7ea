// A hosted agent acting on its own (issue 15; seed 002 "Extensible Message Router" and "Agent
// Auto-Spawn", mesh spec §11.8): every accepted message goes through the agent's router after
// the mesh reply, and the decision is carried out here — answered through the sender's webhook
// (signed, sending.ts respond), forwarded (sending.ts, with its webhook check, hops and loop
// detection), dropped, or handed to the operator's handler, which on Workers takes the place of
// the reference's `claude -p` subprocess. The decision itself is src/core/mesh/router.ts.
//
// Every decision is recorded: on the message while it stays in the inbox, in the agent's decision
// log, and as a `mesh.message.routed` event. Whatever fails (a limit, a timeout, a non-2xx or an
// invalid answer, a refused forward) leaves the message in the inbox with the reason. There are
// no automatic retries: a message the router could not carry out waits for the operator, like
// every message did before routers.
import { signHex } from "../../core/signing.js";
import {
  admitHandlerCall,
  answerKind,
  decideRoute,
  readHandlerAnswer,
  routerProblems,
  type RouteDecision,
} from "../../core/mesh/router.js";
import { checkWebhookTarget } from "../../core/mesh/ssrf.js";
import { formatMeshTimestamp } from "../../core/mesh/timestamp.js";
import { capture, DomainError, type Outcome } from "../../core/problem.js";
import type { InboxMessage } from "../../schemas/mesh-state.js";
import {
  HANDLER_AGENT_HEADER,
  HANDLER_SIGNATURE_HEADER,
  type HandlerRequest,
  type RouterConfig,
  type RoutingLogEntry,
  type RoutingRecord,
  type StoredRouter,
} from "../../schemas/router.js";
import { notFoundMessage, seconds, type MeshNode } from "./mesh-node.js";
import { respond, send } from "./sending.js";

const encoder = new TextEncoder();

// ---- the operator's side: GET / PUT /api/v1/agents/{name}/router ------------------------------

export function getRouter(node: MeshNode): Promise<Outcome<StoredRouter>> {
  return capture(() => {
    node.profile();
    return node.store.router;
  });
}

/**
 * Replaces the router (already parsed by its schema at the edge). `ifMatch` is the version the
 * client read: any other current version is 412, so two editors cannot overwrite each other.
 */
export function putRouter(node: MeshNode, router: RouterConfig, ifMatch?: number): Promise<Outcome<StoredRouter>> {
  return capture(async () => {
    node.profile();
    const errors = routerProblems(router, node.settings.fetchPolicy.ownPublicUrl);
    if (errors.length > 0)
      throw new DomainError("invalid-router", {
        detail: `the router is invalid at ${errors.map((e) => `body ${e.path}`).join(", ")}: ${errors[0]!.message}`,
        errors,
      });
    const current = node.store.router;
    if (ifMatch !== undefined && ifMatch !== current.version)
      throw new DomainError("stale-router", {
        detail: `If-Match names version ${ifMatch} but the router is at version ${current.version}; re-read and retry`,
        version: current.version,
      });
    const stored: StoredRouter = { version: current.version + 1, updated_at: node.now(), router };
    await node.store.saveRouter(stored);
    return stored;
  });
}

export function routingLog(node: MeshNode): Promise<Outcome<{ items: RoutingLogEntry[] }>> {
  return capture(() => {
    node.profile();
    return { items: node.store.routingLog() };
  });
}

/** POST …/inbox/{messageId}/route: run the router again on a held message (after a failure, a defer, or a router change). */
export function rerouteMessage(node: MeshNode, messageId: string): Promise<Outcome<RoutingRecord>> {
  return capture(async () => {
    node.profile();
    const held = node.store.inbox.find((m) => m.message_id === messageId);
    if (!held) throw notFoundMessage(messageId);
    if (held.routing?.outcome === "handling")
      throw new DomainError("message-being-routed", `a handler call for ${messageId} is running`);
    return routeMessage(node, held);
  });
}

// ---- the chain --------------------------------------------------------------------------------

/**
 * After the mesh reply (§11.8: routing never changes it): a macrotask later, so the sender has
 * its 200 before an automatic answer can reach its webhook.
 */
export function routeAfterReply(node: MeshNode, messageId: string): void {
  if (node.store.router.router.mode === "queue_only") return; // nothing to decide, nothing recorded
  node.effects.background(
    new Promise<void>((resolve) => setTimeout(resolve, 0)).then(async () => {
      const held = node.store.inbox.find((m) => m.message_id === messageId);
      if (held && !held.routing) await routeMessage(node, held);
    }),
  );
}

/** Decide and carry out; never throws (a failure is a recorded outcome). */
export async function routeMessage(node: MeshNode, held: InboxMessage): Promise<RoutingRecord> {
  const router = node.store.router.router;
  const decision = decideRoute(router, held);
  const base = { at: node.now(), mode: router.mode, rule: decision.rule, action: decision.action };
  try {
    return await carryOut(node, held, decision, base);
  } catch (error) {
    return record(node, held, { ...base, outcome: "failed", reason: reasonOf(error) });
  }
}

type Base = Pick<RoutingRecord, "at" | "mode" | "rule" | "action">;

async function carryOut(
  node: MeshNode,
  held: InboxMessage,
  decision: RouteDecision,
  base: Base,
): Promise<RoutingRecord> {
  switch (decision.action) {
    case "queue":
      return record(node, held, { ...base, outcome: "kept", reason: decision.reason });
    case "drop":
      node.dropFromInbox(held.message_id);
      return record(node, held, { ...base, outcome: "done" });
    case "respond":
      return answer(node, held, base, decision.response);
    case "forward":
      return forward(node, held, base, decision.targets, decision.note);
    case "handle":
      return handle(node, held, base);
  }
}

/** RESPOND (or a handler's `response`): §11.4 through the sender's webhook, signed; a failed call puts the message back. */
async function answer(
  node: MeshNode,
  held: InboxMessage,
  base: Base & Partial<RoutingRecord>,
  text: string,
): Promise<RoutingRecord> {
  const verdict = checkWebhookTarget(held.webhook, node.webhookTrust());
  if (!verdict.isAllowed) return record(node, held, { ...base, outcome: "failed", reason: verdict.error });
  const result = await respond(node, held.message_id, text);
  if (result.ok && result.value.success) return record(node, held, { ...base, outcome: "done" });
  const reason = result.ok
    ? `the sender's webhook did not take the answer: ${result.value.error}`
    : result.problem.detail;
  // respond() took the message out before calling the webhook; as nothing was answered, it goes back.
  if (result.ok && !node.store.inbox.some((m) => m.message_id === held.message_id)) node.store.addToInbox(held);
  return record(node, held, { ...base, outcome: "failed", reason });
}

/** FORWARD (or a handler's `forward`): §11.5 as darkmatter_send_message does it, loop detection included. */
async function forward(
  node: MeshNode,
  held: InboxMessage,
  base: Base & Partial<RoutingRecord>,
  targets: string[],
  note: string,
): Promise<RoutingRecord> {
  const result = await send(node, {
    message_id: held.message_id,
    target_agent_ids: targets,
    note,
    metadata: {},
    hops_remaining: held.hops_remaining,
    force: false,
  });
  if (!result.ok) return record(node, held, { ...base, targets, outcome: "failed", reason: result.problem.detail });
  const failed = "results" in result.value ? result.value.results.filter((r) => !r.success) : [];
  return record(node, held, {
    ...base,
    targets,
    outcome: result.value.success ? "done" : "failed",
    ...(failed.length > 0 && {
      reason: failed
        .map((r) => `${r.agent_id}: ${r.error}`)
        .join("; ")
        .slice(0, 1024),
    }),
  });
}

/** HANDLE: the signed handler call under the limits, then what it answered. */
async function handle(node: MeshNode, held: InboxMessage, base: Base): Promise<RoutingRecord> {
  const handler = node.store.router.router.handler;
  if (!handler) return record(node, held, { ...base, outcome: "failed", reason: "no handler is set" });
  const now = node.now();
  const admission = admitHandlerCall(
    { inFlight: node.handlerCallsInFlight, recentCalls: node.store.handlerCalls },
    handler,
    now,
  );
  if (!admission.ok) return record(node, held, { ...base, outcome: "failed", reason: admission.reason });
  node.handlerCallsInFlight++; // reserved before the first await: concurrent messages see it
  let call: Awaited<ReturnType<MeshNode["handlerTransport"]>>;
  try {
    await node.store.saveHandlerCalls(admission.recentCalls);
    record(node, held, { ...base, outcome: "handling" });
    const body = JSON.stringify(handlerRequest(node, held, base.rule, now));
    const signature = await signHex(node.profile().privateKeyHex, encoder.encode(body));
    call = await node.handlerTransport(handler.url, {
      body,
      headers: { [HANDLER_SIGNATURE_HEADER]: signature, [HANDLER_AGENT_HEADER]: node.passport().agentId },
      timeoutMs: seconds(handler.timeoutSeconds),
    });
  } finally {
    node.handlerCallsInFlight--;
  }
  const current = node.store.inbox.find((m) => m.message_id === held.message_id);
  if (!call.ok) return record(node, current ?? held, { ...base, outcome: "failed", reason: call.error });
  const read = readHandlerAnswer(call.status, call.text);
  if ("error" in read) return record(node, current ?? held, { ...base, outcome: "failed", reason: read.error });
  const kind = answerKind(read.answer);
  const answered = { ...base, handler: kind };
  if (!current)
    return record(node, held, {
      ...answered,
      outcome: "failed",
      reason: "the message left the inbox during the handler call (answered, forwarded, dropped or purged)",
    });
  if ("response" in read.answer) return answer(node, current, answered, read.answer.response);
  if ("forward" in read.answer)
    return forward(
      node,
      current,
      answered,
      read.answer.forward,
      `Auto-forwarded by router: ${read.answer.note || "the handler's decision"}`,
    );
  if ("drop" in read.answer) {
    node.dropFromInbox(current.message_id);
    return record(node, current, { ...answered, outcome: "done" });
  }
  return record(node, current, { ...answered, outcome: "kept", reason: "the handler deferred it" });
}

/** The handler's request body: the message, who the agent is, and when (the signature covers all of it). */
function handlerRequest(node: MeshNode, held: InboxMessage, rule: number | null, now: number): HandlerRequest {
  const passport = node.passport();
  return {
    darkmatter: "handler-request",
    timestamp: formatMeshTimestamp(now),
    agent: {
      name: node.profile().name,
      agent_id: passport.agentId,
      public_key_hex: passport.publicKeyHex,
      url: node.publicUrl(),
    },
    rule,
    message: {
      message_id: held.message_id,
      content: held.content,
      metadata: held.metadata,
      from_agent_id: held.from_agent_id,
      hops_remaining: held.hops_remaining,
      verified: held.verified,
      received_at: held.received_at,
    },
  };
}

// ---- the record -------------------------------------------------------------------------------

/** On the message (while it is held), in the log and as an event; `handling` only on the message. */
function record(node: MeshNode, held: InboxMessage, decided: RoutingRecord): RoutingRecord {
  const routing = decided.reason === undefined ? decided : { ...decided, reason: decided.reason.slice(0, 1024) };
  const { routing: _, ...message } = held;
  const isHeld = node.store.inbox.some((m) => m.message_id === held.message_id);
  if (isHeld) node.store.updateInboxMessage({ ...message, routing });
  if (routing.outcome === "handling") return routing;
  node.store.logRouting({ ...routing, message_id: held.message_id, from_agent_id: held.from_agent_id });
  node.emit({
    type: "mesh.message.routed",
    data: {
      messageId: held.message_id.slice(0, 256),
      fromAgent: held.from_agent_id.slice(0, 128),
      mode: routing.mode,
      rule: routing.rule,
      action: routing.action,
      outcome: routing.outcome as "done" | "kept" | "failed",
      ...(routing.reason && { reason: routing.reason }),
      ...(routing.handler && { handler: routing.handler }),
      ...(routing.targets && { targets: routing.targets.map((t) => t.slice(0, 128)).slice(0, 50) }),
    },
  });
  return routing;
}

function reasonOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 1024) || "failed";
}

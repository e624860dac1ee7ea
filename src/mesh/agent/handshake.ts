// The connection handshake as this node performs it (mesh spec §8.2–§8.4, §10.2, §19.1): what a
// handshake teaches us (learnConnection), accepting a pending request (shared by the
// accept_pending endpoint and the operator's accept action), and requesting a connection.
import {
  acceptPendingRequest,
  canRequestConnection,
  connectionRequestBody,
  interpretConnectionRequestReply,
  mergeLearnedConnection,
  type AcceptPendingOutcome,
} from "../../core/mesh/connection.js";
import { MAX_AGENT_ID_CODE_POINTS, TIMEOUTS_SECONDS } from "../../core/mesh/limits.js";
import type { MeshRejection, ParsedBody } from "../../core/mesh/mesh-reply.js";
import { meshBaseUrl, meshEndpointUrl } from "../../core/mesh/url.js";
import type { ConnectionResult } from "../../schemas/agents.js";
import type { MeshConnection } from "../../schemas/mesh-state.js";
import { connectionRecord, type ConnectionRecord } from "../../stores/agent-store.js";
import { DomainError } from "../../core/problem.js";
import { operatorRefusal, seconds, type MeshNode } from "./mesh-node.js";
import { scheduleAlarm } from "./timers.js";

/**
 * A connection a handshake taught us (issue 11): a new agent is stored as learned; a known one
 * keeps its record and URL, gaining at most a key it had none of; a different key is refused
 * and reported like a message with a foreign key.
 */
export function learnConnection(
  node: MeshNode,
  learned: MeshConnection,
): { ok: true; connection: ConnectionRecord } | MeshRejection {
  const existing = node.store.connections.get(learned.agent_id);
  const merged = mergeLearnedConnection(existing, learned);
  if (!merged.ok) {
    node.connectionChanged(learned.agent_id, "refused", learned.direction, learned.agent_url);
    return merged;
  }
  if (existing && merged.connection === existing) return { ok: true, connection: existing };
  const record = existing
    ? { ...existing, agent_public_key_hex: merged.connection.agent_public_key_hex }
    : connectionRecord(merged.connection);
  node.store.putConnection(record);
  return { ok: true, connection: record };
}

/**
 * §8.4 steps 1–9, shared by the HTTP endpoint and the operator's accept action: what was decided
 * (the core outcome) and what was answered (`reply`, a refusal when the learned key conflicts).
 */
export async function acceptPending(node: MeshNode, body: ParsedBody): Promise<AcceptPendingOutcome> {
  const now = node.now();
  node.store.expirePending(now);
  const outcome = acceptPendingRequest(body, {
    now,
    self: node.self(),
    pending: (id) => node.store.pending.get(id)?.request,
    connectionCount: node.store.connections.size,
    maxConnections: node.maxConnections(),
  });
  if (outcome.connection) {
    const learned = learnConnection(node, outcome.connection);
    if (!learned.ok) return { reply: learned };
    node.connectionChanged(outcome.connection.agent_id, "accepted", "inbound", learned.connection.agent_url);
  }
  if (outcome.removePending) node.store.deletePending(outcome.removePending);
  if (outcome.notify)
    await node.transport(outcome.notify.url, {
      method: "POST",
      body: outcome.notify.body,
      timeoutMs: seconds(TIMEOUTS_SECONDS.acceptanceNotification),
    }); // result ignored (§8.4 step 6)
  if (outcome.reverseRequest)
    await requestConnection(node, outcome.reverseRequest.targetUrl, false).catch(() => undefined); // errors ignored (§8.4 step 7)
  await scheduleAlarm(node);
  return outcome;
}

/**
 * §10.2 step 1 and §19.1: learn the target's agent ID from its well-known document, then send
 * the request. The slot is reserved before the first await, so N concurrent requests cannot
 * take the agent past its connection cap (issue 11).
 */
export async function requestConnection(node: MeshNode, targetUrl: string, mutual: boolean): Promise<ConnectionResult> {
  node.profile(); // the agent exists
  if (!canRequestConnection(node.store.connections.size + node.reservedConnections, node.maxConnections()))
    throw new DomainError(
      "connection-limit",
      `connection limit reached (${node.maxConnections()}; DM_MAX_CONNECTIONS raises it)`,
    );
  node.reservedConnections++;
  try {
    const expectedAgentId = await discoverAgentId(node, targetUrl);
    const call = await node.transport(meshEndpointUrl(targetUrl, "connection_request"), {
      method: "POST",
      body: connectionRequestBody(node.self(), { mutual }),
      timeoutMs: seconds(TIMEOUTS_SECONDS.connectionRequest),
    });
    if (!call.ok) throw new DomainError("peer-unreachable", `could not reach ${targetUrl}: ${call.error}`);
    const result = interpretConnectionRequestReply(targetUrl, call.status, call.body, {
      now: node.now(),
      expectedAgentId,
      urlRefusal: node.urlRefusal,
    });
    switch (result.kind) {
      case "connected": {
        const learned = learnConnection(node, result.connection);
        if (!learned.ok)
          throw operatorRefusal({
            ...learned,
            error: `${targetUrl} answered for ${result.connection.agent_id}: ${learned.error}`,
          });
        node.connectionChanged(result.connection.agent_id, "accepted", "outbound", learned.connection.agent_url);
        await scheduleAlarm(node);
        return { success: true, status: "connected", agent_id: result.connection.agent_id };
      }
      case "pending":
        node.store.setPendingOutbound([
          ...node.store.pendingOutbound.filter((p) => p.url !== result.pendingOutbound.url),
          result.pendingOutbound,
        ]);
        return { success: true, status: "pending", request_id: result.requestId };
      case "refused":
        throw new DomainError(
          "connection-refused",
          `${targetUrl} refused the request (${result.status}): ${result.error}`,
        );
      case "not-darkmatter":
        throw new DomainError("not-darkmatter", `${targetUrl} did not answer like a DarkMatter node`);
    }
  } finally {
    node.reservedConnections--;
  }
}

/** §19.1: the agent ID the target's well-known document names (at its base, then at its origin's root). */
async function discoverAgentId(node: MeshNode, targetUrl: string): Promise<string | undefined> {
  const base = meshBaseUrl(targetUrl);
  const candidates = [`${base}/.well-known/darkmatter.json`];
  try {
    const root = new URL(base).origin + "/.well-known/darkmatter.json";
    if (root !== candidates[0]) candidates.push(root);
  } catch {
    // an unparseable target fails at the request itself, with the spec's wording
  }
  for (const url of candidates) {
    const call = await node.transport(url, { method: "GET", timeoutMs: seconds(TIMEOUTS_SECONDS.wellKnownDiscovery) });
    const agentId = call.ok && call.status === 200 ? (call.body as { agent_id?: unknown })?.agent_id : undefined;
    if (typeof agentId === "string" && agentId !== "" && agentId.length <= MAX_AGENT_ID_CODE_POINTS * 2) return agentId;
  }
  return undefined;
}

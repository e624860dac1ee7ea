// The operator's side of an agent (mesh spec §17 MCP tools, as the RPC both the /api/v1/agents
// routes and the agent's MCP server call): creating it, its connections, inbox, sent messages,
// impressions, rate limits, bio and status. Sending and answering messages are in sending.ts,
// the agent's token in credentials.ts. Every tool answers an Outcome: the value, or a
// DomainError the route renders as problem+json and the MCP server as a tool error.
import { issueAgentToken } from "../../core/agent-token.js";
import { HUB_AGENT } from "../../core/object-names.js";
import { availabilityFor } from "../../core/mesh/availability.js";
import {
  DEFAULT_BIO,
  DEFAULT_CONNECTION_RATE_LIMIT,
  DEFAULT_GLOBAL_RATE_LIMIT,
  DEFAULT_INACTIVE_MINUTES,
  TIMEOUTS_SECONDS,
} from "../../core/mesh/limits.js";
import { impressionReply, networkInfoDocument } from "../../core/mesh/node-documents.js";
import { effectiveLimit } from "../../core/mesh/rate-limit.js";
import { statusLine as statusText } from "../../core/mesh/status-line.js";
import { newPassport, passportFromSeed } from "../../core/mesh/passport.js";
import { expireSentMessage } from "../../core/mesh/sent-message.js";
import { takeFromInbox } from "../../core/mesh/inbox.js";
import { formatMeshTimestamp } from "../../core/mesh/timestamp.js";
import { meshEndpointUrl } from "../../core/mesh/url.js";
import { capture, DomainError, type Outcome } from "../../core/problem.js";
import type {
  AgentIdentity as AgentIdentitySchema,
  AskImpressionResult,
  BioResult,
  ConnectionResult,
  ExpireResult,
  ImpressionSetResult,
  RateLimitResult,
  StatusResult,
} from "../../schemas/agents.js";
import type { ImpressionReply, NetworkInfoDocument } from "../../schemas/mesh.js";
import type { InboxMessage, PendingConnectionRequest, SentMessage } from "../../schemas/mesh-state.js";
import type { z } from "zod";
import type { ConnectionRecord } from "../../stores/agent-store.js";
import { acceptPending, requestConnection } from "./handshake.js";
import { notFoundMessage, operatorRefusal, seconds, type MeshNode } from "./mesh-node.js";
import { scheduleAlarm } from "./timers.js";

export type AgentIdentity = z.infer<typeof AgentIdentitySchema>;

// ---- lifecycle ---------------------------------------------------------------------------

/**
 * Creates the agent with a fresh passport (or the given one); 409 if it exists. Every agent but
 * the hub gets its own token, answered here once and stored as its hash; the hub's token is the
 * DM_HUB_TOKEN secret.
 */
export function create(
  node: MeshNode,
  input: { name: string; bio?: string; displayName?: string | null; privateKeyHex?: string },
): Promise<Outcome<AgentIdentity & { token?: string }>> {
  return capture(async () => {
    if (node.store.profile) throw new DomainError("agent-exists", `agent "${input.name}" exists already`);
    const passport = input.privateKeyHex ? passportFromSeed(input.privateKeyHex) : newPassport();
    if (!passport)
      throw new DomainError("bad-passport", `the passport for "${input.name}" is not a 32-byte Ed25519 seed`);
    const issued = input.name === HUB_AGENT ? null : issueAgentToken();
    node.store.profile = {
      name: input.name,
      privateKeyHex: passport.privateKeyHex,
      bio: input.bio ?? DEFAULT_BIO,
      displayName: input.displayName ?? input.name,
      status: "active",
      inactiveUntil: null,
      globalRateLimit: 0,
      advertisedUrl: node.settings.publicUrl(input.name),
      createdAt: node.now(),
      messagesHandled: 0,
      tokenHash: issued?.hash ?? null,
    };
    await node.store.saveProfile();
    await scheduleAlarm(node);
    return { ...identity(node), ...(issued && { token: issued.token }) };
  });
}

export function info(node: MeshNode): Promise<Outcome<AgentIdentity>> {
  return capture(() => {
    node.profile();
    return identity(node);
  });
}

function identity(node: MeshNode): AgentIdentity {
  const profile = node.profile();
  const passport = node.passport();
  return {
    name: profile.name,
    agent_id: passport.agentId,
    public_key_hex: passport.publicKeyHex,
    display_name: profile.displayName,
    bio: profile.bio,
    url: node.publicUrl(),
    status: node.isActive() ? "active" : "inactive",
    inactive_until: profile.inactiveUntil ? formatMeshTimestamp(profile.inactiveUntil) : null,
    num_connections: node.store.connections.size,
    num_pending_requests: node.store.pending.size,
    message_queue_size: node.store.inbox.length,
    sent_messages_count: node.store.sent.length,
    messages_handled: profile.messagesHandled,
    global_rate_limit: profile.globalRateLimit,
    created_at: formatMeshTimestamp(profile.createdAt),
  };
}

// ---- connections (darkmatter_connection) ----------------------------------------------------

export function connection(
  node: MeshNode,
  params: {
    action: "request" | "request_mutual" | "accept" | "reject" | "disconnect";
    target_url?: string | null;
    request_id?: string | null;
    agent_id?: string | null;
  },
): Promise<Outcome<ConnectionResult>> {
  return capture(async () => {
    node.profile();
    switch (params.action) {
      case "request":
      case "request_mutual":
        return requestConnection(node, params.target_url!, params.action === "request_mutual");
      case "accept": {
        const { reply } = await acceptPending(node, { ok: true, value: { request_id: params.request_id } });
        if (!reply.ok) throw operatorRefusal(reply);
        return reply.body as ConnectionResult; // §8.4: {success, accepted, agent_id}
      }
      case "reject": {
        node.store.expirePending(node.now());
        const request = node.store.pending.get(params.request_id!)?.request;
        if (!request || !node.store.deletePending(params.request_id!))
          throw new DomainError("unknown-request", `no pending request "${params.request_id}"`);
        node.connectionChanged(request.from_agent_id, "rejected", "inbound", request.from_agent_url);
        return { success: true, rejected: params.request_id! };
      }
      case "disconnect": {
        if (!node.store.deleteConnection(params.agent_id!))
          throw new DomainError("unknown-connection", `not connected to ${params.agent_id}`);
        node.connectionChanged(params.agent_id!, "disconnected");
        return { success: true, disconnected_from: params.agent_id! };
      }
    }
  });
}

export function listConnections(
  node: MeshNode,
): Promise<Outcome<{ total: number; max_connections: number; connections: ConnectionRecord[] }>> {
  return capture(() => ({
    total: node.store.connections.size,
    max_connections: node.maxConnections(),
    connections: [...node.store.connections.values()].map((c) => ({
      ...c,
      impression: node.store.impressions.get(c.agent_id),
    })),
  }));
}

export function listPending(node: MeshNode): Promise<Outcome<{ total: number; requests: PendingConnectionRequest[] }>> {
  return capture(() => {
    node.profile();
    node.store.expirePending(node.now());
    return {
      total: node.store.pending.size,
      requests: [...node.store.pending.values()].map((stored) => stored.request),
    };
  });
}

// ---- inbox and sent messages ------------------------------------------------------------------

/** darkmatter_expire_message: only the originator expires; holders learn it on their next check. */
export function expire(node: MeshNode, messageId: string): Promise<Outcome<ExpireResult>> {
  return capture(() => {
    const record = node.sentRecord(messageId);
    if (!record) throw new DomainError("unknown-message", `no sent message "${messageId}"`);
    const { record: expired, wasAlreadyExpired } = expireSentMessage(record);
    node.store.saveSent(expired);
    return { success: true, message_id: messageId, status: wasAlreadyExpired ? "already expired" : "expired" };
  });
}

export function inbox(node: MeshNode, messageId?: string): Promise<Outcome<InboxMessage[] | InboxMessage>> {
  return capture(() => {
    node.profile();
    if (messageId === undefined) return node.store.inbox;
    const message = node.store.inbox.find((m) => m.message_id === messageId);
    if (!message) throw notFoundMessage(messageId);
    return message;
  });
}

/** The router's `drop` action (§11.8), for the operator: remove one held message, or all of them. */
export function dropInbox(node: MeshNode, messageId?: string): Promise<Outcome<{ dropped: number }>> {
  return capture(() => {
    node.profile();
    const before = node.store.inbox.length;
    if (messageId !== undefined && !node.store.inbox.some((m) => m.message_id === messageId))
      throw notFoundMessage(messageId);
    node.store.replaceInbox(messageId === undefined ? [] : takeFromInbox(node.store.inbox, messageId).inbox);
    return { dropped: before - node.store.inbox.length };
  });
}

export function sent(node: MeshNode, messageId?: string): Promise<Outcome<SentMessage[] | SentMessage>> {
  return capture(() => {
    node.profile();
    if (messageId === undefined) return [...node.store.sent].sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
    const record = node.sentRecord(messageId);
    if (!record) throw new DomainError("unknown-message", `no sent message "${messageId}"`);
    return record;
  });
}

// ---- impressions ----------------------------------------------------------------------------

/** darkmatter_get_impression. */
export function impression(node: MeshNode, agentId: string): Promise<Outcome<ImpressionReply>> {
  return capture(() => {
    node.profile();
    return impressionReply(agentId, node.store.impressions.get(agentId));
  });
}

/** darkmatter_set_impression: "" deletes. */
export function setImpression(node: MeshNode, agentId: string, text: string): Promise<Outcome<ImpressionSetResult>> {
  return capture(async () => {
    node.profile();
    const existed = node.store.impressions.has(agentId);
    node.store.setImpression(agentId, text);
    return {
      success: true,
      agent_id: agentId,
      action: text === "" ? "deleted" : existed ? "updated" : "created",
      ...(text && { impression: text }),
    };
  });
}

/** darkmatter_ask_impression: ask a connected peer what it thinks of `about`. Normalised URL (unlike the reference, §7.2). */
export function askImpression(node: MeshNode, about: string, peer: string): Promise<Outcome<AskImpressionResult>> {
  return capture(async () => {
    const connection = node.store.connections.get(peer);
    if (!connection) throw new DomainError("not-connected", `not connected to ${peer}`);
    const call = await node.transport(meshEndpointUrl(connection.agent_url, "impression", about), {
      method: "GET",
      timeoutMs: seconds(TIMEOUTS_SECONDS.healthStatus),
    });
    if (!call.ok) throw new DomainError("peer-unreachable", `${peer} did not answer: ${call.error}`);
    const body = call.body as { has_impression?: boolean; impression?: string; error?: string };
    if (call.status !== 200)
      throw new DomainError("peer-refused", `${peer} answered ${call.status}: ${body?.error ?? ""}`);
    return {
      success: true,
      asked: peer,
      about,
      has_impression: Boolean(body.has_impression),
      impression: body.impression ?? null,
    };
  });
}

// ---- rate limits and status -------------------------------------------------------------------

export function setRateLimit(
  node: MeshNode,
  params: { agent_id?: string | null; limit: number },
): Promise<Outcome<RateLimitResult>> {
  return capture(async () => {
    const profile = node.profile();
    if (params.agent_id) {
      const connection = node.store.connections.get(params.agent_id);
      if (!connection) throw new DomainError("unknown-connection", `not connected to ${params.agent_id}`);
      node.store.putConnection({ ...connection, rate_limit: params.limit });
      return {
        success: true,
        agent_id: params.agent_id,
        rate_limit: params.limit,
        effective: effective(params.limit, DEFAULT_CONNECTION_RATE_LIMIT),
      };
    }
    profile.globalRateLimit = params.limit;
    await node.store.saveProfile();
    return {
      success: true,
      scope: "global",
      rate_limit: params.limit,
      effective: effective(params.limit, DEFAULT_GLOBAL_RATE_LIMIT),
    };
  });
}

/** §17 `effective`: the requests per minute a setting allows (0 is the default), or "unlimited". */
const effective = (setting: number, defaultLimit: number): number | "unlimited" =>
  effectiveLimit(setting, defaultLimit) ?? "unlimited";

/** darkmatter_set_status (§16, §17): inactive for a while, or active again. */
export function setStatus(
  node: MeshNode,
  params: { active: boolean; duration_minutes?: number | null },
): Promise<Outcome<StatusResult>> {
  return capture(async () => {
    const profile = node.profile();
    Object.assign(profile, availabilityFor(params, node.now()));
    await node.store.saveProfile();
    await scheduleAlarm(node);
    return {
      success: true,
      status: profile.status,
      ...(profile.inactiveUntil && {
        inactive_until: formatMeshTimestamp(profile.inactiveUntil),
        duration_minutes: params.duration_minutes ?? DEFAULT_INACTIVE_MINUTES,
      }),
    };
  });
}

// ---- what the agent says about itself (bio, network_info, the status line) --------------------

/** darkmatter_update_bio (§17): peers read it from the well-known document, status and network_info. */
export function updateBio(node: MeshNode, bio: string): Promise<Outcome<BioResult>> {
  return capture(async () => {
    const profile = node.profile();
    profile.bio = bio;
    await node.store.saveProfile();
    return { success: true, bio };
  });
}

/** darkmatter_network_info (§17): the §8.9 document as the operator sees it, peers included. */
export function networkInfo(node: MeshNode): Promise<Outcome<NetworkInfoDocument>> {
  return capture(() =>
    networkInfoDocument(node.self(), [...node.store.connections.values()], { isOperator: true }, node.maxConnections()),
  );
}

/** darkmatter_status (§17): the live status line with its ACTION: hints. */
export function statusLine(node: MeshNode): Promise<Outcome<string>> {
  return capture(() => {
    const profile = node.profile();
    const now = node.now();
    return statusText({
      agentId: node.passport().agentId,
      status: node.isActive() ? "active" : "inactive",
      inactiveUntil: profile.inactiveUntil,
      bio: profile.bio,
      connections: [...node.store.connections.values()],
      maxConnections: node.maxConnections(),
      pendingRequests: [...node.store.pending.values()].filter((stored) => stored.expiresAt > now).length,
      inbox: node.store.inbox,
      messagesHandled: profile.messagesHandled,
      awaitingResponse: node.store.sent.filter((record) => record.status === "active").length,
      now,
    });
  });
}

// One Durable Object per edge-hosted DarkMatter agent (mesh spec §8 node endpoints under
// /agents/<name>, plus the operator actions of the §17 MCP tools as RPC). The protocol decisions
// are the pure functions of src/core/mesh; this class loads state, calls them, persists what they
// say, and performs the outgoing calls they ask for. Timers are alarms (inbox purge, auto
// reactivation, health checks), never setInterval.
import { DurableObject } from "cloudflare:workers";
import type { z } from "zod";
import type { AgentIdentity as AgentIdentitySchema } from "../src/schemas/agents.js";
import { acceptPendingRequest, canRequestConnection, connectionRequestBody, interpretConnectionRequestReply, mergeLearnedConnection, receiveConnectionAccepted, receiveConnectionRequest } from "../src/core/mesh/connection.js";
import { CLIENT_KEY_HEADER, INTERNAL_CLIENT, UNKNOWN_CLIENT } from "../src/core/client-address.js";
import { deliveryOutcome, findUnconnectedTarget, forwardedMessageBody, forwardTargets, planForward, sendTargets, webhookProbeFrom, type DeliveryOutcome, type WebhookProbe } from "../src/core/mesh/forwarding.js";
import { nextInboxExpiry, purgeInbox, takeFromInbox } from "../src/core/mesh/inbox.js";
import { ANONYMOUS_REQUESTS_PER_CLIENT, MAX_AGENT_ID_CODE_POINTS, MAX_MESH_BODY_BYTES, MAX_MESSAGE_BODY_BYTES, TRACKED_CLIENTS, DEFAULT_BIO, DEFAULT_INACTIVE_MINUTES, maxConnectionsFrom, HEALTH_CHECK_INTERVAL_SECONDS, STALE_CONNECTION_AGE_SECONDS, TIMEOUTS_SECONDS, WEBHOOK_RECOVERY_BUDGET_SECONDS, WEBHOOK_RECOVERY_MAX_ATTEMPTS } from "../src/core/mesh/limits.js";
import { receiveMessage } from "../src/core/mesh/message-receipt.js";
import { signedMessageBody, signedPeerUpdate, signedResponseUpdate } from "../src/core/mesh/message-signing.js";
import { meshErrors, parseJsonBody, type MeshRejection, type MeshReply } from "../src/core/mesh/mesh-reply.js";
import { matchNodePath, WELL_KNOWN_PATH } from "../src/core/mesh/mesh-paths.js";
import { impressionFor, impressionReply, networkInfoDocument, nodeIdentity, nodePeerLookupReply, nodeStatusDocument, nodeWellKnown, webrtcOfferReply, type NodeIdentity } from "../src/core/mesh/node-documents.js";
import { newPassport, passportFromSeed, type Passport } from "../src/core/mesh/passport.js";
import { lookedUpUrl, lookupFanOut, peerUpdateTargets, receivePeerUpdate } from "../src/core/mesh/peer-update.js";
import { admitClient, checkMeshRateLimit, type SlidingWindow } from "../src/core/mesh/rate-limit.js";
import { applyWebhookUpdate, expireSentMessage, keyedMessageId, newMessageId, newSentMessage, rememberSentMessage, webhookStatusReply } from "../src/core/mesh/sent-message.js";
import { checkFetchTarget, checkWebhookTarget } from "../src/core/mesh/ssrf.js";
import { formatMeshTimestamp } from "../src/core/mesh/timestamp.js";
import { anchorEndpointUrl, graftWebhookPath, meshBaseUrl, meshEndpointUrl, parseAnchorList, webhookUrlFor } from "../src/core/mesh/url.js";
import { capture, DomainError, type Outcome } from "../src/core/problem.js";
import { secretsEqual } from "../src/core/constant-time.js";
import { emitEvent } from "../src/events/producer.js";
import type { InboxMessage, MeshConnection, PendingConnectionRequest, SentMessage } from "../src/schemas/mesh-state.js";
import type { ImpressionReply } from "../src/schemas/mesh.js";
import type { AskImpressionResult, ConnectionResult, ExpireResult, ImpressionSetResult, RateLimitResult, RespondResult, SendResult, StatusResult } from "../src/schemas/agents.js";
import { AgentStore, connectionRecord, type AgentProfile, type ConnectionRecord } from "../src/mesh/agent-store.js";
import { agentPublicUrl, AGENT_NAME_HEADER, fetchPolicy, meshCall } from "../src/mesh/transport.js";
import { meshJson, meshMethodNotAllowed, meshNotFound, meshResponse, readMeshBody } from "../src/http/mesh-response.js";
import { taskResponseReceived } from "../src/squads/task-response.js";

export const HUB_AGENT = "hub";
const seconds = (s: number) => s * 1000;

export type AgentIdentity = z.infer<typeof AgentIdentitySchema>;

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

const operatorError = (status: number, code: string, detail: string) => new DomainError(status, code, detail);
const notFoundMessage = (id: string) => operatorError(404, "unknown-message", `no message "${id}" in this agent's inbox`);

export class Agent extends DurableObject<Env> {
  private readonly store: AgentStore;
  private globalWindow: SlidingWindow = [];
  private readonly connectionWindows = new Map<string, SlidingWindow>();
  /** Anonymous requests per client address (issue 11); in memory like every window, bounded by TRACKED_CLIENTS. */
  private readonly clientWindows = new Map<string, SlidingWindow>();
  /** Outbound connection requests in flight: they hold a slot of the connection cap. */
  private reservedConnections = 0;
  /** The tail of the mesh writes run one at a time (see withBody). */
  private serial: Promise<unknown> = Promise.resolve();
  /** The latest send in flight per idempotency key (see send). */
  private readonly keyedSends = new Map<string, Promise<unknown>>();
  /** The SSRF rule for URLs learned from peers: an error text when this node would not fetch it. */
  private readonly urlRefusal = (url: string): string | undefined => {
    const verdict = checkFetchTarget(url, fetchPolicy(this.env));
    return verdict.isAllowed ? undefined : verdict.error;
  };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new AgentStore(ctx.storage);
    void ctx.blockConcurrencyWhile(() => this.store.load());
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  /** Creates the agent with a fresh passport (or the given one); 409 if it exists. */
  create(input: { name: string; bio?: string; displayName?: string | null; privateKeyHex?: string }): Promise<Outcome<AgentIdentity>> {
    return capture(async () => {
      if (this.store.profile) throw operatorError(409, "agent-exists", `agent "${input.name}" exists already`);
      const passport = input.privateKeyHex ? passportFromSeed(input.privateKeyHex) : newPassport();
      if (!passport) throw operatorError(500, "bad-passport", `the passport for "${input.name}" is not a 32-byte Ed25519 seed`);
      this.store.profile = {
        name: input.name, privateKeyHex: passport.privateKeyHex, bio: input.bio ?? DEFAULT_BIO, displayName: input.displayName ?? input.name,
        status: "active", inactiveUntil: null, globalRateLimit: 0,
        advertisedUrl: agentPublicUrl(this.env, input.name), createdAt: Date.now(), messagesHandled: 0,
      };
      await this.store.saveProfile();
      await this.scheduleAlarm();
      return this.identity();
    });
  }

  info(): Promise<Outcome<AgentIdentity>> {
    return capture(() => {
      this.profile();
      return this.identity();
    });
  }

  // ---- mesh endpoints (spec §8) --------------------------------------------------------------

  override async fetch(request: Request): Promise<Response> {
    const name = request.headers.get(AGENT_NAME_HEADER) ?? "";
    await this.ensureHub(name);
    if (!this.store.profile) {
      await request.body?.cancel();
      return meshNotFound();
    }
    this.announceIfMoved();
    const url = new URL(request.url);
    const path = url.pathname.slice(`/agents/${name}`.length) || "/";
    const isHead = request.method === "HEAD";
    const respond = (response: Response) => (isHead ? new Response(null, { status: response.status, headers: response.headers }) : response);
    if (path === WELL_KNOWN_PATH) {
      if (request.method !== "GET" && !isHead) return meshMethodNotAllowed("GET, HEAD");
      return respond(meshJson(nodeWellKnown(this.self(), { base: this.publicUrl(), connectionCount: this.store.connections.size, maxConnections: this.maxConnections() })));
    }
    const match = matchNodePath(request.method, path);
    if (match.kind === "not-found") return meshNotFound();
    if (match.kind === "method-not-allowed") return meshMethodNotAllowed(match.allow);
    const client = request.headers.get(CLIENT_KEY_HEADER) ?? UNKNOWN_CLIENT;
    this.reactivateIfDue(Date.now());
    switch (match.endpoint) {
      case "webrtc_offer":
        await request.body?.cancel(); // §8.13: answered before the body is read; release it
        return meshResponse(webrtcOfferReply());
      case "status":
        return respond(meshJson(nodeStatusDocument(this.self(), this.store.connections.size, this.maxConnections())));
      case "network_info":
        return respond(meshJson(networkInfoDocument(this.self(), [...this.store.connections.values()], { isOperator: this.isOperator(request) }, this.maxConnections())));
      case "peer_lookup":
        return respond(meshResponse(nodePeerLookupReply(match.param!, this.store.connections.get(match.param!))));
      case "impression": {
        const limited = this.admitAnonymous(client);
        if (limited) return meshResponse(limited);
        return respond(meshJson(impressionFor(match.param!, this.store.impressions.get(match.param!), { isOperator: this.isOperator(request), isConnection: this.store.connections.has(match.param!) })));
      }
      case "webhook":
        if (request.method !== "POST") return respond(meshResponse(webhookStatusReply(match.param!, this.sentRecord(match.param!))));
        if (!this.sentRecord(match.param!)) {
          await request.body?.cancel(); // unknown message: answered unread and uncounted (issue 11)
          return meshResponse(meshErrors.noSentMessage(match.param!));
        }
        return this.withBody(request, MAX_MESSAGE_BODY_BYTES, (text) => this.receiveWebhookUpdate(match.param!, text));
      case "connection_request":
        return this.withBody(request, MAX_MESH_BODY_BYTES, (text) => this.receiveConnectionRequest(text, client));
      case "connection_accepted":
        return this.withBody(request, MAX_MESH_BODY_BYTES, (text) => this.receiveConnectionAccepted(text, client));
      case "accept_pending":
        // ⚠ unauthenticated in the reference (§8.4); here only the operator may accept over HTTP.
        if (!this.isOperator(request)) {
          await request.body?.cancel();
          return meshJson({ error: "accept_pending requires the operator token (Authorization: Bearer)" }, 401);
        }
        {
          // Not serialised: every write of an acceptance happens before its first await (the notification).
          const body = await readMeshBody(request, MAX_MESH_BODY_BYTES);
          return body.ok ? meshResponse(await this.acceptPending(parseJsonBody(body.text))) : body.response;
        }
      case "message":
        return this.withBody(request, MAX_MESSAGE_BODY_BYTES, (text) => this.receiveMessage(text, client));
      case "peer_update":
        return this.withBody(request, MAX_MESH_BODY_BYTES, (text) => this.receivePeerUpdate(text, client));
    }
  }

  /**
   * A mesh POST: the body read with a byte cap before anything parses it (413 otherwise), then
   * the handler run alone. Handlers await (signature checks, storage), and between the check of
   * a capacity or a window and the write that uses it another request must not slip in, so every
   * mesh write is serialised here (issue 11).
   */
  private async withBody(request: Request, limit: number, handle: (text: string) => Promise<Response>): Promise<Response> {
    const body = await readMeshBody(request, limit);
    if (!body.ok) return body.response;
    return this.exclusive(() => handle(body.text));
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.serial.then(work, work);
    this.serial = run.catch(() => undefined);
    return run;
  }

  private async receiveMessage(text: string, client: string): Promise<Response> {
    const now = Date.now();
    const body = parseJsonBody(text);
    const receipt = await receiveMessage(body, {
      now,
      isActive: this.isActive(),
      inboxLength: this.store.inbox.length,
      globalRateLimit: this.profile().globalRateLimit,
      globalWindow: this.globalWindow,
      replaySeenAt: (id) => this.store.replaySeenAt(id),
      connection: (id) => {
        const connection = this.store.connections.get(id);
        return connection && { ...connection, window: this.connectionWindows.get(id) ?? [] };
      },
      admitClient: () => this.admitAnonymous(client),
    });
    const senderId = body.ok ? (body.value as { from_agent_id?: unknown } | null)?.from_agent_id : undefined;
    const sender = typeof senderId === "string" ? this.store.connections.get(senderId) : undefined;
    // Storage first, memory after: a write that fails leaves both as they were.
    if (receipt.recordMessageId !== undefined) this.store.recordMessageId(receipt.recordMessageId, now);
    if (sender && (receipt.isDeclined || receipt.pinKey || receipt.queued)) {
      this.store.putConnection({
        ...sender,
        messages_declined: sender.messages_declined + (receipt.isDeclined ? 1 : 0),
        agent_public_key_hex: receipt.pinKey ?? sender.agent_public_key_hex,
        messages_received: sender.messages_received + (receipt.queued ? 1 : 0),
        last_activity: receipt.queued ? now : sender.last_activity,
      });
    }
    if (receipt.queued) this.store.addToInbox(receipt.queued);
    if (receipt.windows) {
      this.globalWindow = receipt.windows.global;
      if (sender) this.connectionWindows.set(sender.agent_id, receipt.windows.connection);
    }
    if (receipt.queued) {
      this.emit({ type: "mesh.message.received", data: { messageId: receipt.queued.message_id, fromAgent: receipt.queued.from_agent_id, hopsRemaining: receipt.queued.hops_remaining, bytes: new TextEncoder().encode(receipt.queued.content).length, signed: receipt.queued.verified } });
      this.profile().messagesHandled++;
      await this.store.saveProfile();
      await this.scheduleAlarm();
    }
    return meshResponse(receipt.reply);
  }

  private async receiveConnectionRequest(text: string, client: string): Promise<Response> {
    const now = Date.now();
    this.store.expirePending(now);
    const outcome = receiveConnectionRequest(parseJsonBody(text), {
      now, isActive: this.isActive(), self: this.self(), admitClient: () => this.admitAnonymous(client),
      connection: (id) => this.store.connections.get(id), pendingCount: this.store.pending.size, pendingFromClient: this.store.pendingFrom(client), urlRefusal: this.urlRefusal,
    });
    if (outcome.pinKey) {
      const existing = this.store.connections.get(outcome.pinKey.agentId)!;
      this.store.putConnection({ ...existing, agent_public_key_hex: outcome.pinKey.publicKeyHex, agent_display_name: outcome.pinKey.displayName });
    }
    if (outcome.pending) {
      this.store.putPending({ request: outcome.pending, client, expiresAt: outcome.expiresAt! });
      this.connectionChanged(outcome.pending.from_agent_id, "requested", "inbound", outcome.pending.from_agent_url);
      await this.scheduleAlarm();
    }
    return meshResponse(outcome.reply);
  }

  private async receiveConnectionAccepted(text: string, client: string): Promise<Response> {
    const limited = this.admitAnonymous(client); // the reference has no limit here; a public node charges the client
    if (limited) return meshResponse(limited);
    const outcome = receiveConnectionAccepted(parseJsonBody(text), { now: Date.now(), pendingOutbound: this.store.pendingOutbound, urlRefusal: this.urlRefusal });
    if (outcome.connection) {
      const learned = this.learnConnection(outcome.connection);
      if (!learned.ok) return meshResponse(learned); // a different key for a known agent: refused, the request still pending
      this.connectionChanged(outcome.connection.agent_id, "accepted", "outbound", learned.connection.agent_url);
    }
    if (outcome.consumed) this.store.setPendingOutbound(this.store.pendingOutbound.filter((p) => p !== outcome.consumed));
    if (outcome.connection) await this.scheduleAlarm();
    return meshResponse(outcome.reply);
  }

  /**
   * A connection a handshake taught us (issue 11): a new agent is stored as learned; a known one
   * keeps its record and URL, gaining at most a key it had none of; a different key is refused
   * and reported like a message with a foreign key.
   */
  private learnConnection(learned: MeshConnection): { ok: true; connection: ConnectionRecord } | MeshRejection {
    const existing = this.store.connections.get(learned.agent_id);
    const merged = mergeLearnedConnection(existing, learned);
    if (!merged.ok) {
      this.connectionChanged(learned.agent_id, "refused", learned.direction, learned.agent_url);
      return merged;
    }
    if (existing && merged.connection === existing) return { ok: true, connection: existing };
    const record = existing ? { ...existing, agent_public_key_hex: merged.connection.agent_public_key_hex } : connectionRecord(merged.connection);
    this.store.putConnection(record);
    return { ok: true, connection: record };
  }

  private async receiveWebhookUpdate(messageId: string, text: string): Promise<Response> {
    const now = Date.now();
    const limited = this.admitGlobal(now); // knowing the message ID is what makes this a peer's request
    if (limited) return meshResponse(limited);
    const outcome = applyWebhookUpdate(messageId, this.sentRecord(messageId), parseJsonBody(text), now);
    if (outcome.record) this.store.saveSent(outcome.record);
    if (outcome.record?.response && this.store.profile?.name === HUB_AGENT) this.ctx.waitUntil(taskResponseReceived(this.env, messageId, text)); // a squad task's answer (src/squads/task-response.ts)
    return meshResponse(outcome.reply);
  }

  private async receivePeerUpdate(text: string, client: string): Promise<Response> {
    const outcome = await receivePeerUpdate(parseJsonBody(text), {
      now: Date.now(), admitClient: () => this.admitAnonymous(client), connection: (id) => this.store.connections.get(id), urlRefusal: this.urlRefusal,
    });
    if (outcome.newUrl) {
      const existing = this.store.connections.get(outcome.newUrl.agentId)!;
      this.store.putConnection({ ...existing, agent_url: outcome.newUrl.url });
    }
    return meshResponse(outcome.reply);
  }

  /** §8.4 steps 1–9, shared by the HTTP endpoint and the operator's accept action. */
  private async acceptPending(body: ReturnType<typeof parseJsonBody>): Promise<MeshReply<unknown>> {
    const now = Date.now();
    this.store.expirePending(now);
    const outcome = acceptPendingRequest(body, {
      now, self: this.self(), pending: (id) => this.store.pending.get(id)?.request, connectionCount: this.store.connections.size, maxConnections: this.maxConnections(),
    });
    if (outcome.connection) {
      const learned = this.learnConnection(outcome.connection);
      if (!learned.ok) return learned;
      this.connectionChanged(outcome.connection.agent_id, "accepted", "inbound", learned.connection.agent_url);
    }
    if (outcome.removePending) this.store.deletePending(outcome.removePending);
    if (outcome.notify) await meshCall(this.env, outcome.notify.url, { method: "POST", body: outcome.notify.body, timeoutMs: seconds(TIMEOUTS_SECONDS.acceptanceNotification) }); // result ignored (§8.4 step 6)
    if (outcome.reverseRequest) await this.requestConnection(outcome.reverseRequest.targetUrl, false).catch(() => undefined); // errors ignored (§8.4 step 7)
    await this.scheduleAlarm();
    return outcome.reply;
  }

  // ---- operator actions (spec §17 tools) -------------------------------------------------

  connection(params: { action: "request" | "request_mutual" | "accept" | "reject" | "disconnect"; target_url?: string | null; request_id?: string | null; agent_id?: string | null }): Promise<Outcome<ConnectionResult>> {
    return capture(async () => {
      this.profile();
      switch (params.action) {
        case "request":
        case "request_mutual":
          return this.requestConnection(params.target_url!, params.action === "request_mutual");
        case "accept": {
          const reply = await this.acceptPending({ ok: true, value: { request_id: params.request_id } });
          if (!reply.ok) throw operatorError(reply.status === 404 ? 404 : 409, reply.code, reply.error);
          return reply.body as ConnectionResult; // §8.4: {success, accepted, agent_id}
        }
        case "reject": {
          this.store.expirePending(Date.now());
          const request = this.store.pending.get(params.request_id!)?.request;
          if (!request || !this.store.deletePending(params.request_id!)) throw operatorError(404, "unknown-request", `no pending request "${params.request_id}"`);
          this.connectionChanged(request.from_agent_id, "rejected", "inbound", request.from_agent_url);
          return { success: true, rejected: params.request_id! };
        }
        case "disconnect": {
          if (!this.store.deleteConnection(params.agent_id!)) throw operatorError(404, "not-connected", `not connected to ${params.agent_id}`);
          this.connectionChanged(params.agent_id!, "disconnected");
          return { success: true, disconnected_from: params.agent_id! };
        }
      }
    });
  }

  /**
   * §10.2 step 1 and §19.1: learn the target's agent ID from its well-known document, then send
   * the request. The slot is reserved before the first await, so N concurrent requests cannot
   * take the agent past its connection cap (issue 11).
   */
  private async requestConnection(targetUrl: string, mutual: boolean): Promise<ConnectionResult> {
    this.profile(); // the agent exists
    if (!canRequestConnection(this.store.connections.size + this.reservedConnections, this.maxConnections())) throw operatorError(409, "connection-limit", `connection limit reached (${this.maxConnections()}; DM_MAX_CONNECTIONS raises it)`);
    this.reservedConnections++;
    try {
      const expectedAgentId = await this.discoverAgentId(targetUrl);
      const call = await meshCall(this.env, meshEndpointUrl(targetUrl, "connection_request"), { method: "POST", body: connectionRequestBody(this.self(), { mutual }), timeoutMs: seconds(TIMEOUTS_SECONDS.connectionRequest) });
      if (!call.ok) throw operatorError(502, "peer-unreachable", `could not reach ${targetUrl}: ${call.error}`);
      const result = interpretConnectionRequestReply(targetUrl, call.status, call.body, { now: Date.now(), expectedAgentId, urlRefusal: this.urlRefusal });
      switch (result.kind) {
        case "connected": {
          const learned = this.learnConnection(result.connection);
          if (!learned.ok) throw operatorError(409, learned.code, `${targetUrl} answered for ${result.connection.agent_id}: ${learned.error}`);
          this.connectionChanged(result.connection.agent_id, "accepted", "outbound", learned.connection.agent_url);
          await this.scheduleAlarm();
          return { success: true, status: "connected", agent_id: result.connection.agent_id };
        }
        case "pending":
          this.store.setPendingOutbound([...this.store.pendingOutbound.filter((p) => p.url !== result.pendingOutbound.url), result.pendingOutbound]);
          return { success: true, status: "pending", request_id: result.requestId };
        case "refused":
          throw operatorError(409, "connection-refused", `${targetUrl} refused the request (${result.status}): ${result.error}`);
        case "not-darkmatter":
          throw operatorError(502, "not-darkmatter", `${targetUrl} did not answer like a DarkMatter node`);
      }
    } finally {
      this.reservedConnections--;
    }
  }

  private async discoverAgentId(targetUrl: string): Promise<string | undefined> {
    const base = meshBaseUrl(targetUrl);
    const candidates = [`${base}/.well-known/darkmatter.json`];
    try {
      const root = new URL(base).origin + "/.well-known/darkmatter.json";
      if (root !== candidates[0]) candidates.push(root);
    } catch {
      // an unparseable target fails at the request itself, with the spec's wording
    }
    for (const url of candidates) {
      const call = await meshCall(this.env, url, { method: "GET", timeoutMs: seconds(TIMEOUTS_SECONDS.wellKnownDiscovery) });
      const agentId = call.ok && call.status === 200 ? (call.body as { agent_id?: unknown })?.agent_id : undefined;
      if (typeof agentId === "string" && agentId !== "" && agentId.length <= MAX_AGENT_ID_CODE_POINTS * 2) return agentId;
    }
    return undefined;
  }

  listConnections(): Promise<Outcome<{ total: number; max_connections: number; connections: ConnectionRecord[] }>> {
    return capture(() => ({ total: this.store.connections.size, max_connections: this.maxConnections(), connections: [...this.store.connections.values()].map((c) => ({ ...c, impression: this.store.impressions.get(c.agent_id) })) }));
  }

  listPending(): Promise<Outcome<{ total: number; requests: PendingConnectionRequest[] }>> {
    return capture(() => {
      this.profile();
      this.store.expirePending(Date.now());
      return { total: this.store.pending.size, requests: [...this.store.pending.values()].map((stored) => stored.request) };
    });
  }

  /** darkmatter_send_message: a new message (content) or a forward / fork of a held one (message_id). */
  send(params: SendParams): Promise<Outcome<SendResult>> {
    const key = params.idempotency_key;
    if (!key || params.message_id) return capture(() => (params.message_id ? this.forward(params) : this.sendNew(params)));
    // Sends with one key run one after the other: the second then finds the first's record.
    const run = (this.keyedSends.get(key) ?? Promise.resolve()).catch(() => undefined).then(() => capture(() => this.sendNew(params)));
    this.keyedSends.set(key, run);
    void run.finally(() => this.keyedSends.get(key) === run && this.keyedSends.delete(key)).catch(() => undefined);
    return run;
  }

  private async sendNew(params: SendParams): Promise<SendResult> {
    const ids = [...this.store.connections.keys()];
    let targets: string[];
    if (params.target_agent_ids?.length) {
      const missing = findUnconnectedTarget(params.target_agent_ids, (id) => this.store.connections.has(id));
      if (missing) throw operatorError(422, "not-connected", `not connected to ${missing}`);
      targets = [...new Set(params.target_agent_ids)];
    } else {
      const chosen = sendTargets(params.target_agent_id, ids);
      if ("unknownTarget" in chosen) throw operatorError(422, "not-connected", `not connected to ${chosen.unknownTarget}`);
      targets = chosen.targets;
    }
    if (targets.length === 0) throw operatorError(422, "no-connections", "this agent has no connections to send to");
    const messageId = params.idempotency_key ? keyedMessageId(this.profile().privateKeyHex, params.idempotency_key) : newMessageId();
    const earlier = params.idempotency_key ? this.sentRecord(messageId) : undefined;
    const reached = earlier?.routed_to ?? [];
    const now = Date.now();
    const webhook = webhookUrlFor(this.publicUrl(), messageId);
    const body = await signedMessageBody(this.passport(), { message_id: messageId, content: params.content!, webhook, hops_remaining: params.hops_remaining, metadata: params.metadata, timestamp: formatMeshTimestamp(now) });
    const results = await Promise.all(targets.filter((target) => !reached.includes(target)).map(async (target) => ({ agent_id: target, outcome: await this.deliver(target, body) })));
    const routed = [...reached.filter((target) => targets.includes(target)), ...results.filter((r) => r.outcome.kind === "delivered").map((r) => r.agent_id)];
    const failed = results.filter((r) => r.outcome.kind !== "delivered").map((r) => ({ agent_id: r.agent_id, error: r.outcome.kind === "refused" ? `${r.outcome.status}: ${r.outcome.error}` : "unreachable" }));
    const record = earlier ? { ...earlier, routed_to: [...new Set([...reached, ...routed])] } : newSentMessage({ message_id: messageId, content: params.content!, initial_hops: params.hops_remaining, routed_to: routed, now });
    const { records, evicted } = rememberSentMessage(this.store.sent, record);
    this.store.saveSent(records.find((r) => r.message_id === messageId)!, evicted);
    return { success: routed.length > 0, message_id: messageId, routed_to: routed, hops_remaining: params.hops_remaining, webhook, ...(failed.length && { failed }) };
  }

  /** §11.5: forward or fork a held message, with the pre-forward webhook check and loop detection. */
  private async forward(params: SendParams): Promise<SendResult> {
    const held = this.store.inbox.find((m) => m.message_id === params.message_id);
    if (!held) throw notFoundMessage(params.message_id!);
    const targets = forwardTargets(params);
    if (targets.length === 0) throw operatorError(422, "no-target", "name target_agent_id or target_agent_ids to forward a message");
    const missing = findUnconnectedTarget(targets, (id) => this.store.connections.has(id));
    if (missing) throw operatorError(422, "not-connected", `not connected to ${missing}; the message is kept`);
    const allowed = this.webhookAllowed(held.webhook);
    let probe: WebhookProbe = { kind: "skipped" };
    if (allowed) {
      const call = await this.callWebhook(held, "GET", held.webhook, undefined, TIMEOUTS_SECONDS.webhookStatusCheck);
      probe = call.ok ? webhookProbeFrom(call.status, call.body) : { kind: "failed" };
    }
    const plan = planForward({ held, targets, force: params.force, probe, selfId: this.passport().agentId, note: params.note ?? null });
    if (plan.kind === "refused" || plan.kind === "expired") {
      if (plan.isRemovedFromInbox) this.dropFromInbox(held.message_id);
      if (plan.kind === "expired" && plan.expiredUpdate) await this.callWebhook(held, "POST", held.webhook, plan.expiredUpdate, TIMEOUTS_SECONDS.webhookForwardedUpdate);
      throw operatorError(409, plan.kind === "expired" ? "message-expired" : `forward-refused-${plan.reason}`, plan.error);
    }
    const body = await forwardedMessageBody(this.passport(), held, plan.hopsRemaining, formatMeshTimestamp(Date.now()));
    const results = [];
    for (const [i, target] of plan.targets.entries()) {
      if (plan.forwardedUpdates) await this.callWebhook(held, "POST", held.webhook, plan.forwardedUpdates[i], TIMEOUTS_SECONDS.webhookForwardedUpdate); // errors ignored (§11.5 step 6)
      const outcome = await this.deliver(target, body);
      results.push({ agent_id: target, success: outcome.kind === "delivered", ...(outcome.kind !== "delivered" && { error: outcome.kind === "refused" ? `${outcome.status}: ${outcome.error}` : "unreachable" }) });
    }
    this.dropFromInbox(held.message_id); // §11.5 step 7: whatever the delivery results
    return { success: results.some((r) => r.success), message_id: held.message_id, hops_remaining_for_targets: plan.hopsRemaining, results, ...(params.note && { note: params.note }) };
  }

  /** §11.4: answer a held message through its webhook, signed over the response text. */
  respond(messageId: string, response: string): Promise<Outcome<RespondResult>> {
    return capture(async () => {
      const held = this.store.inbox.find((m) => m.message_id === messageId);
      if (!held) throw notFoundMessage(messageId);
      this.dropFromInbox(messageId);
      const verdict = checkWebhookTarget(held.webhook, this.webhookTrust());
      if (!verdict.isAllowed) throw operatorError(422, "webhook-blocked", `${verdict.error} The message was dropped.`);
      const started = Date.now();
      const update = await signedResponseUpdate(this.passport(), { message_id: held.message_id, response, metadata: held.metadata, timestamp: formatMeshTimestamp(started) });
      const call = await this.callWebhook(held, "POST", held.webhook, update, TIMEOUTS_SECONDS.webhookResponse);
      const ok = call.ok && call.status < 400;
      return { success: ok, message_id: messageId, webhook_called: held.webhook, response_time_ms: Date.now() - started, error: ok ? null : call.ok ? `HTTP ${call.status}` : call.error };
    });
  }

  /** darkmatter_expire_message: only the originator expires; holders learn it on their next check. */
  expire(messageId: string): Promise<Outcome<ExpireResult>> {
    return capture(() => {
      const record = this.sentRecord(messageId);
      if (!record) throw operatorError(404, "unknown-message", `no sent message "${messageId}"`);
      const { record: expired, wasAlreadyExpired } = expireSentMessage(record);
      this.store.saveSent(expired);
      return { success: true, message_id: messageId, status: wasAlreadyExpired ? "already expired" : "expired" };
    });
  }

  inbox(messageId?: string): Promise<Outcome<InboxMessage[] | InboxMessage>> {
    return capture(() => {
      this.profile();
      if (messageId === undefined) return this.store.inbox;
      const message = this.store.inbox.find((m) => m.message_id === messageId);
      if (!message) throw notFoundMessage(messageId);
      return message;
    });
  }

  /** The router's `drop` action (§11.8), for the operator: remove one held message, or all of them. */
  dropInbox(messageId?: string): Promise<Outcome<{ dropped: number }>> {
    return capture(() => {
      this.profile();
      const before = this.store.inbox.length;
      if (messageId !== undefined && !this.store.inbox.some((m) => m.message_id === messageId)) throw notFoundMessage(messageId);
      this.store.replaceInbox(messageId === undefined ? [] : takeFromInbox(this.store.inbox, messageId).inbox);
      return { dropped: before - this.store.inbox.length };
    });
  }

  sent(messageId?: string): Promise<Outcome<SentMessage[] | SentMessage>> {
    return capture(() => {
      this.profile();
      if (messageId === undefined) return [...this.store.sent].sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
      const record = this.sentRecord(messageId);
      if (!record) throw operatorError(404, "unknown-message", `no sent message "${messageId}"`);
      return record;
    });
  }

  /** darkmatter_get_impression. */
  impression(agentId: string): Promise<Outcome<ImpressionReply>> {
    return capture(() => {
      this.profile();
      return impressionReply(agentId, this.store.impressions.get(agentId));
    });
  }

  /** darkmatter_set_impression: "" deletes. */
  setImpression(agentId: string, text: string): Promise<Outcome<ImpressionSetResult>> {
    return capture(async () => {
      this.profile();
      const existed = this.store.impressions.has(agentId);
      this.store.setImpression(agentId, text);
      return { success: true, agent_id: agentId, action: text === "" ? "deleted" : existed ? "updated" : "created", ...(text && { impression: text }) };
    });
  }

  /** darkmatter_ask_impression: ask a connected peer what it thinks of `about`. Normalised URL (unlike the reference, §7.2). */
  askImpression(about: string, peer: string): Promise<Outcome<AskImpressionResult>> {
    return capture(async () => {
      const connection = this.store.connections.get(peer);
      if (!connection) throw operatorError(422, "not-connected", `not connected to ${peer}`);
      const call = await meshCall(this.env, meshEndpointUrl(connection.agent_url, "impression", about), { method: "GET", timeoutMs: seconds(TIMEOUTS_SECONDS.healthStatus) });
      if (!call.ok) throw operatorError(502, "peer-unreachable", `${peer} did not answer: ${call.error}`);
      const body = call.body as { has_impression?: boolean; impression?: string; error?: string };
      if (call.status !== 200) throw operatorError(502, "peer-refused", `${peer} answered ${call.status}: ${body?.error ?? ""}`);
      return { success: true, asked: peer, about, has_impression: Boolean(body.has_impression), impression: body.impression ?? null };
    });
  }

  setRateLimit(params: { agent_id?: string | null; limit: number }): Promise<Outcome<RateLimitResult>> {
    return capture(async () => {
      const profile = this.profile();
      if (params.agent_id) {
        const connection = this.store.connections.get(params.agent_id);
        if (!connection) throw operatorError(404, "not-connected", `not connected to ${params.agent_id}`);
        this.store.putConnection({ ...connection, rate_limit: params.limit });
        return { success: true, agent_id: params.agent_id, rate_limit: params.limit };
      }
      profile.globalRateLimit = params.limit;
      await this.store.saveProfile();
      return { success: true, scope: "global", rate_limit: params.limit };
    });
  }

  setStatus(params: { active: boolean; duration_minutes?: number | null }): Promise<Outcome<StatusResult>> {
    return capture(async () => {
      const profile = this.profile();
      profile.status = params.active ? "active" : "inactive";
      profile.inactiveUntil = params.active ? null : Date.now() + (params.duration_minutes ?? DEFAULT_INACTIVE_MINUTES) * 60_000;
      await this.store.saveProfile();
      await this.scheduleAlarm();
      return { success: true, status: profile.status, ...(profile.inactiveUntil && { inactive_until: formatMeshTimestamp(profile.inactiveUntil) }) };
    });
  }

  // ---- timers (alarms) ------------------------------------------------------------------

  /** Inbox purge (1 h), auto-reactivation, and §14.1 health checks of idle connections. */
  override async alarm(): Promise<void> {
    if (!this.store.profile) return;
    const now = Date.now();
    const { inbox } = purgeInbox(this.store.inbox, now);
    this.store.replaceInbox(inbox);
    this.store.expirePending(now);
    this.reactivateIfDue(now);
    await this.store.saveProfile();
    await this.checkHealth(now);
    await this.scheduleAlarm();
  }

  private async checkHealth(now: number): Promise<void> {
    const idle = [...this.store.connections.values()].filter((c) => c.last_activity === null || now - c.last_activity > seconds(STALE_CONNECTION_AGE_SECONDS));
    if (idle.length === 0) return;
    await Promise.all(
      idle.map(async (connection) => {
        const call = await meshCall(this.env, meshEndpointUrl(connection.agent_url, "status"), { method: "GET", timeoutMs: seconds(TIMEOUTS_SECONDS.healthStatus) });
        const healthy = call.ok && call.status === 200;
        connection.health_failures = healthy ? 0 : connection.health_failures + 1;
        if (healthy) connection.last_activity = now; // the reference only resets the counter; recording it avoids pinging every minute
      }),
    );
    this.store.saveConnections(idle);
  }

  private async scheduleAlarm(): Promise<void> {
    const profile = this.store.profile;
    if (!profile) return;
    const nextPendingExpiry = Math.min(...[...this.store.pending.values()].map((stored) => stored.expiresAt));
    const wakes = [nextInboxExpiry(this.store.inbox), profile.inactiveUntil ?? undefined, Number.isFinite(nextPendingExpiry) ? nextPendingExpiry : undefined, this.store.connections.size ? Date.now() + seconds(HEALTH_CHECK_INTERVAL_SECONDS) : undefined].filter((t): t is number => t !== undefined);
    if (wakes.length === 0) return;
    const next = Math.max(Date.now() + 1000, Math.min(...wakes));
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > next) await this.ctx.storage.setAlarm(next);
  }

  // ---- healing (spec §14) ---------------------------------------------------------------

  /** §11.2: deliver to one connection; on a transport failure look the peer up and, if its URL changed, retry once. */
  private async deliver(agentId: string, body: unknown): Promise<DeliveryOutcome> {
    const connection = this.store.connections.get(agentId)!;
    const attempt = async (url: string) => {
      const call = await meshCall(this.env, meshEndpointUrl(url, "message"), { method: "POST", body, timeoutMs: seconds(TIMEOUTS_SECONDS.messageDelivery) });
      return call.ok ? deliveryOutcome(call.status, call.body) : ({ kind: "unreachable" } as const);
    };
    let outcome = await attempt(connection.agent_url);
    if (outcome.kind === "unreachable") {
      // §14.4 stores the URL a lookup found; an unsigned lookup answer is no proof of identity,
      // so here it is used for this one retry only (issue 11): a stored URL moves only by a
      // signed peer_update. The SSRF rule is checked now and again by meshCall.
      const found = await this.peerLookup(agentId);
      if (found && meshBaseUrl(found) !== meshBaseUrl(connection.agent_url) && !this.urlRefusal(found)) outcome = await attempt(found);
    }
    if (outcome.kind === "delivered") {
      connection.messages_sent++;
      connection.last_activity = Date.now();
      this.store.saveConnections([connection]);
    }
    return outcome;
  }

  /** §14.3: anchors first (DM_ANCHORS), then up to 50 other connections; the first URL found wins. */
  private async peerLookup(agentId: string): Promise<string | undefined> {
    const ask = async (url: string, timeoutMs: number) => {
      const call = await meshCall(this.env, url, { method: "GET", timeoutMs });
      const found = call.ok ? lookedUpUrl(call.status, call.body) : undefined;
      if (!found) throw new Error("not found");
      return found;
    };
    const anchors = parseAnchorList(this.env.DM_ANCHORS ?? "");
    const fromAnchors = await Promise.any(anchors.map((anchor) => ask(anchorEndpointUrl(anchor, "peer_lookup", agentId), 2000))).catch(() => undefined);
    if (fromAnchors) return fromAnchors;
    const peers = lookupFanOut([...this.store.connections.values()], agentId);
    return Promise.any(peers.map((peer) => ask(meshEndpointUrl(peer.agent_url, "peer_lookup", agentId), 5000))).catch(() => undefined);
  }

  /** §14.5: a webhook call; on a connection-level failure, up to 3 lookups of the sender within 30 s, grafting the webhook path onto the URL found. */
  private async callWebhook(held: InboxMessage, method: "GET" | "POST", url: string, body: unknown, timeoutSeconds: number) {
    const deadline = Date.now() + seconds(WEBHOOK_RECOVERY_BUDGET_SECONDS);
    let call = await meshCall(this.env, url, { method, body, timeoutMs: seconds(timeoutSeconds) });
    const tried = new Set([url]);
    for (let attempt = 0; !call.ok && attempt < WEBHOOK_RECOVERY_MAX_ATTEMPTS && Date.now() < deadline; attempt++) {
      const found = await this.peerLookup(held.from_agent_id);
      const next = found && graftWebhookPath(url, found);
      if (!next || tried.has(next) || !this.webhookAllowed(next)) break;
      tried.add(next);
      call = await meshCall(this.env, next, { method, body, timeoutMs: Math.max(1000, Math.min(seconds(timeoutSeconds), deadline - Date.now())) });
    }
    return call;
  }

  /** §14.2 on Workers: when DM_PUBLIC_URL changed since the last announcement, tell every connection and anchor, signed. */
  private announceIfMoved(): void {
    const profile = this.store.profile!;
    const current = this.publicUrl();
    if (profile.advertisedUrl === current) return;
    profile.advertisedUrl = current;
    const targets = peerUpdateTargets([...this.store.connections.values()].map((c) => c.agent_url), parseAnchorList(this.env.DM_ANCHORS ?? ""));
    this.ctx.waitUntil(
      (async () => {
        await this.store.saveProfile();
        const update = await signedPeerUpdate(this.passport(), current, formatMeshTimestamp(Date.now()));
        for (const target of targets) await meshCall(this.env, target, { method: "POST", body: update, timeoutMs: seconds(TIMEOUTS_SECONDS.peerUpdateBroadcast) }); // replies ignored (§14.2)
      })(),
    );
  }

  // ---- helpers --------------------------------------------------------------------------

  /** Mesh events for the event wormhole; `agent` is this agent's id. Never blocks or fails the mesh reply. */
  private emit(input: { type: "mesh.message.received" | "mesh.connection.changed"; data: Record<string, unknown> }): void {
    this.ctx.waitUntil(emitEvent(this.env, { ...input, agent: this.passport().agentId } as Parameters<typeof emitEvent>[1]));
  }

  private connectionChanged(peer: string, change: "requested" | "accepted" | "rejected" | "disconnected" | "refused", direction?: "inbound" | "outbound", peerUrl?: string): void {
    if (!peer || peer.length > 128) return; // the event schema bounds agent ids like the spec does (§12.1)
    this.emit({ type: "mesh.connection.changed", data: { peer, change, ...(direction && { direction }), ...(peerUrl && { peerUrl: peerUrl.slice(0, 2048) }) } });
  }

  /** The hub exists without being created: its passport is DM_HUB_PASSPORT. */
  private async ensureHub(name: string): Promise<void> {
    if (this.store.profile || name !== HUB_AGENT || !this.env.DM_HUB_PASSPORT) return;
    await this.create({ name: HUB_AGENT, bio: "The DarkMatter Edge hub: this Worker's own agent.", displayName: "darkmatter-edge hub", privateKeyHex: this.env.DM_HUB_PASSPORT });
  }

  /** Creates the hub on first operator use, like the mesh path does. */
  async ensureHubAgent(): Promise<boolean> {
    await this.ensureHub(HUB_AGENT);
    return this.store.profile !== null;
  }

  /** §10.6 cap: DM_MAX_CONNECTIONS when set (every hosted agent, the hub included), else 50. */
  private maxConnections(): number {
    return maxConnectionsFrom(this.env.DM_MAX_CONNECTIONS);
  }

  private profile(): AgentProfile {
    if (!this.store.profile) throw operatorError(404, "not-found", "agent does not exist");
    return this.store.profile;
  }

  private passport(): Passport {
    return passportFromSeed(this.profile().privateKeyHex)!;
  }

  private publicUrl(): string {
    return agentPublicUrl(this.env, this.profile().name);
  }

  private self(): NodeIdentity {
    const profile = this.profile();
    return nodeIdentity(this.passport(), { displayName: profile.displayName, bio: profile.bio, status: this.isActive() ? "active" : "inactive", publicUrl: this.publicUrl() });
  }

  private identity(): AgentIdentity {
    const profile = this.profile();
    const passport = this.passport();
    return {
      name: profile.name, agent_id: passport.agentId, public_key_hex: passport.publicKeyHex, display_name: profile.displayName, bio: profile.bio,
      url: this.publicUrl(), status: this.isActive() ? "active" : "inactive", inactive_until: profile.inactiveUntil ? formatMeshTimestamp(profile.inactiveUntil) : null,
      num_connections: this.store.connections.size, num_pending_requests: this.store.pending.size, message_queue_size: this.store.inbox.length,
      sent_messages_count: this.store.sent.length, messages_handled: profile.messagesHandled, global_rate_limit: profile.globalRateLimit,
      created_at: formatMeshTimestamp(profile.createdAt),
    };
  }

  private isActive(): boolean {
    return this.profile().status === "active";
  }

  private reactivateIfDue(now: number): void {
    const profile = this.profile();
    if (profile.status === "inactive" && profile.inactiveUntil !== null && profile.inactiveUntil <= now) {
      profile.status = "active";
      profile.inactiveUntil = null;
    }
  }

  /** Issue 11: an unauthenticated request is charged to its client address, never to the window peers share. Our own agents (in-process calls) are not charged. */
  private admitAnonymous(client: string): MeshRejection | undefined {
    if (client === INTERNAL_CLIENT) return undefined;
    return admitClient(this.clientWindows, client, ANONYMOUS_REQUESTS_PER_CLIENT, Date.now(), TRACKED_CLIENTS) ? undefined : meshErrors.clientRateLimit(ANONYMOUS_REQUESTS_PER_CLIENT);
  }

  private admitGlobal(now: number): MeshReply<never> | undefined {
    const verdict = checkMeshRateLimit({ global: { setting: this.profile().globalRateLimit, window: this.globalWindow } }, now);
    this.globalWindow = verdict.global;
    return verdict.allowed ? undefined : meshErrors.globalRateLimit(verdict.limit);
  }

  private sentRecord(messageId: string): SentMessage | undefined {
    return this.store.sent.find((record) => record.message_id === messageId);
  }

  private dropFromInbox(messageId: string): void {
    this.store.replaceInbox(takeFromInbox(this.store.inbox, messageId).inbox);
  }

  private webhookTrust() {
    return { ownPublicUrl: this.publicUrl(), peerUrls: [...this.store.connections.values()].map((c) => c.agent_url) };
  }

  private webhookAllowed(url: string): boolean {
    return checkWebhookTarget(url, this.webhookTrust()).isAllowed;
  }

  private isOperator(request: Request): boolean {
    const match = /^Bearer\s+(.+)$/i.exec(request.headers.get("authorization") ?? "");
    return Boolean(match && this.env.DM_OPERATOR_TOKEN && secretsEqual(match[1]!.trim(), this.env.DM_OPERATOR_TOKEN));
  }
}


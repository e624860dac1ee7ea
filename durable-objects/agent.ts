// One Durable Object per edge-hosted DarkMatter agent (mesh spec §8 node endpoints under
// /agents/<name>, plus the operator actions of the §17 MCP tools as RPC). A thin adapter: it
// owns the storage, builds the agent's MeshNode (src/mesh/agent/) from it and from the Worker's
// environment, and dispatches to the concept each call belongs to — inbound.ts (mesh
// endpoints), handshake.ts, sending.ts, delivery.ts (healing), timers.ts (the alarm) and
// operator-tools.ts. The protocol decisions are the pure functions of src/core/mesh.
import { DurableObject } from "cloudflare:workers";
import { ANONYMOUS_REQUESTS_PER_CLIENT, maxConnectionsFrom } from "../src/core/mesh/limits.js";
import { parseAnchorList } from "../src/core/mesh/url.js";
import type { Outcome } from "../src/core/problem.js";
import { emitEvent } from "../src/events/producer.js";
import { AgentStore } from "../src/stores/agent-store.js";
import { announceIfMoved } from "../src/mesh/agent/delivery.js";
import { serveMeshRequest } from "../src/mesh/agent/inbound.js";
import { MeshNode, type MeshNodeSettings } from "../src/mesh/agent/mesh-node.js";
import * as tools from "../src/mesh/agent/operator-tools.js";
import { hasToken, rotateToken } from "../src/mesh/agent/credentials.js";
import { respond, send, type SendParams } from "../src/mesh/agent/sending.js";
import { runTimers } from "../src/mesh/agent/timers.js";
import { agentPublicUrl, AGENT_NAME_HEADER, fetchPolicy, handlerCall, meshCall } from "../src/mesh/transport.js";
import * as router from "../src/mesh/agent/router.js";
import type { RouterConfig } from "../src/schemas/router.js";
import { meshNotFound } from "../src/http/mesh-response.js";
import { taskResponseReceived } from "../src/squads/task-response.js";
import { HUB_AGENT } from "../src/core/object-names.js";

export type { AgentIdentity } from "../src/mesh/agent/operator-tools.js";
export type { SendParams } from "../src/mesh/agent/sending.js";

/** The node's settings from the Worker's environment, read when asked, as the agent always read them. */
function settingsFrom(env: () => Env): MeshNodeSettings {
  return {
    publicUrl: (name) => agentPublicUrl(env(), name),
    get fetchPolicy() {
      return fetchPolicy(env());
    },
    /** §10.6 cap: DM_MAX_CONNECTIONS when set (every hosted agent, the hub included), else 50. */
    get maxConnections() {
      return maxConnectionsFrom(env().DM_MAX_CONNECTIONS);
    },
    anonymousRequestsPerClient: ANONYMOUS_REQUESTS_PER_CLIENT,
    get anchors() {
      return parseAnchorList(env().DM_ANCHORS ?? "");
    },
    get operatorToken() {
      return env().DM_OPERATOR_TOKEN;
    },
  };
}

export class Agent extends DurableObject<Env> {
  private readonly store: AgentStore;
  private readonly node: MeshNode;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new AgentStore(ctx.storage);
    this.node = new MeshNode({
      store: this.store,
      alarm: ctx.storage,
      clock: () => Date.now(),
      transport: (url, init) => meshCall(this.env, url, init),
      handlerTransport: (url, init) => handlerCall(this.env, url, init),
      settings: settingsFrom(() => this.env),
      effects: {
        emit: (event) => ctx.waitUntil(emitEvent(this.env, event)),
        background: (work) => ctx.waitUntil(work),
        // a squad task's answer (src/squads/task-response.ts)
        responseReceived: (messageId, text) => {
          if (this.store.profile?.name === HUB_AGENT) ctx.waitUntil(taskResponseReceived(this.env, messageId, text));
        },
      },
    });
    void ctx.blockConcurrencyWhile(() => this.store.load());
  }

  // ---- mesh endpoints (spec §8) --------------------------------------------------------------

  override async fetch(request: Request): Promise<Response> {
    const name = request.headers.get(AGENT_NAME_HEADER) ?? "";
    await this.ensureHub(name);
    if (!this.store.profile) {
      await request.body?.cancel();
      return meshNotFound();
    }
    announceIfMoved(this.node);
    const path = new URL(request.url).pathname.slice(`/agents/${name}`.length) || "/";
    return serveMeshRequest(this.node, request, path);
  }

  // ---- timers (alarms) ------------------------------------------------------------------

  /** Inbox purge (1 h), auto-reactivation, and §14.1 health checks of idle connections. */
  override async alarm(): Promise<void> {
    await runTimers(this.node);
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  /** Creates the agent; the answer carries its token, the only time it is shown. */
  create(input: Parameters<typeof tools.create>[1]): Promise<Outcome<tools.AgentIdentity & { token?: string }>> {
    return tools.create(this.node, input);
  }

  info(): Promise<Outcome<tools.AgentIdentity>> {
    return tools.info(this.node);
  }

  /** The hub exists without being created: its passport is DM_HUB_PASSPORT. */
  private async ensureHub(name: string): Promise<void> {
    if (this.store.profile || name !== HUB_AGENT || !this.env.DM_HUB_PASSPORT) return;
    await this.create({
      name: HUB_AGENT,
      bio: "The DarkMatter Edge hub: this Worker's own agent.",
      displayName: "darkmatter-edge hub",
      privateKeyHex: this.env.DM_HUB_PASSPORT,
    });
  }

  /** Creates the hub on first operator use, like the mesh path does. */
  async ensureHubAgent(): Promise<boolean> {
    await this.ensureHub(HUB_AGENT);
    return this.store.profile !== null;
  }

  // ---- the agent's own token (issue 14) ----------------------------------------------------

  /** Is `token` this agent's current token (constant time against its stored hash)? */
  hasToken(token: string): boolean {
    return hasToken(this.node, token);
  }

  /** A new token, answered once; the previous one is refused from now on. */
  rotateToken() {
    return rotateToken(this.node);
  }

  // ---- operator actions (spec §17 tools) -------------------------------------------------

  connection(params: Parameters<typeof tools.connection>[1]) {
    return tools.connection(this.node, params);
  }

  listConnections() {
    return tools.listConnections(this.node);
  }

  listPending() {
    return tools.listPending(this.node);
  }

  /** darkmatter_send_message: a new message (content) or a forward / fork of a held one (message_id). */
  send(params: SendParams) {
    return send(this.node, params);
  }

  /** §11.4: answer a held message through its webhook. */
  respond(messageId: string, response: string) {
    return respond(this.node, messageId, response);
  }

  expire(messageId: string) {
    return tools.expire(this.node, messageId);
  }

  inbox(messageId?: string) {
    return tools.inbox(this.node, messageId);
  }

  dropInbox(messageId?: string) {
    return tools.dropInbox(this.node, messageId);
  }

  sent(messageId?: string) {
    return tools.sent(this.node, messageId);
  }

  impression(agentId: string) {
    return tools.impression(this.node, agentId);
  }

  setImpression(agentId: string, text: string) {
    return tools.setImpression(this.node, agentId, text);
  }

  askImpression(about: string, peer: string) {
    return tools.askImpression(this.node, about, peer);
  }

  setRateLimit(params: Parameters<typeof tools.setRateLimit>[1]) {
    return tools.setRateLimit(this.node, params);
  }

  setStatus(params: Parameters<typeof tools.setStatus>[1]) {
    return tools.setStatus(this.node, params);
  }

  updateBio(bio: string) {
    return tools.updateBio(this.node, bio);
  }

  networkInfo() {
    return tools.networkInfo(this.node);
  }

  // ---- the router (issue 15) ----------------------------------------------------------------

  router() {
    return router.getRouter(this.node);
  }

  /** Replaces the router; `ifMatch` is the version the caller read (412 on any other). */
  setRouter(config: RouterConfig, ifMatch?: number) {
    return router.putRouter(this.node, config, ifMatch);
  }

  routingLog() {
    return router.routingLog(this.node);
  }

  /** Runs the router again on a held message; answers once it is carried out. */
  reroute(messageId: string) {
    return router.rerouteMessage(this.node, messageId);
  }

  /** GET /metrics: what the agent counts (received: accepted messages; sent and declined: over its current connections). */
  metrics(): { received: number; sent: number; declined: number; connections: number; inbox: number } | null {
    const profile = this.store.profile;
    if (!profile) return null;
    let sent = 0;
    let declined = 0;
    for (const connection of this.store.connections.values()) {
      sent += connection.messages_sent;
      declined += connection.messages_declined;
    }
    return {
      received: profile.messagesHandled,
      sent,
      declined,
      connections: this.store.connections.size,
      inbox: this.store.inbox.length,
    };
  }

  /** darkmatter_status: the live status line with its ACTION: hints. */
  statusLine() {
    return tools.statusLine(this.node);
  }
}

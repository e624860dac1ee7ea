// One hosted agent as a node of the mesh (mesh spec §8 endpoints, §11 messaging, §14 healing,
// §16 timers, §17 operator tools), apart from the Durable Object that hosts it. What the node
// needs from its host comes in as parameters: its storage (AgentStore over the DO's SQLite),
// its alarm, a clock, the outgoing transport, its settings and the side effects it asks for.
// The Agent DO (durable-objects/agent.ts) passes the real ones; the §20 checklist tests in
// test/core/mesh pass a real store too, with their own clock and a recording transport, so the
// DO and the tests run this same code. The concepts live in the files beside this one
// (inbound.ts, handshake.ts, sending.ts, delivery.ts, timers.ts, operator-tools.ts); this
// class holds the node's state and the small answers they all ask of it.
import { INTERNAL_CLIENT } from "../../core/client-address.js";
import { bearerToken, isOperatorToken } from "../../core/operator-token.js";
import type { SystemEventInput } from "../../core/events.js";
import { meshErrors, type MeshRejection, type MeshReply } from "../../core/mesh/mesh-reply.js";
import { nodeIdentity, type NodeIdentity } from "../../core/mesh/node-documents.js";
import { passportFromSeed, type Passport } from "../../core/mesh/passport.js";
import { admitClient, checkMeshRateLimit, type SlidingWindow } from "../../core/mesh/rate-limit.js";
import { checkFetchTarget, checkWebhookTarget, type FetchPolicy } from "../../core/mesh/ssrf.js";
import { takeFromInbox } from "../../core/mesh/inbox.js";
import { TRACKED_CLIENTS } from "../../core/mesh/limits.js";
import { DomainError, type ProblemCode } from "../../core/problem.js";
import type { SentMessage } from "../../schemas/mesh-state.js";
import type { AgentProfile, AgentStore } from "../../stores/agent-store.js";
import type { MeshCall } from "../transport.js";

/** One outgoing mesh call (src/mesh/transport.ts meshCall on Workers). */
export type MeshTransport = (
  url: string,
  init: { method: "GET" | "POST"; body?: unknown; timeoutMs: number },
) => Promise<MeshCall>;

/** One call of the router's handler (src/mesh/agent/router.ts): the reply's status and text, or a transport failure. */
export type HandlerTransport = (
  url: string,
  init: { body: string; headers: Record<string, string>; timeoutMs: number },
) => Promise<{ ok: true; status: number; text: string } | { ok: false; error: string }>;

export interface MeshNodeSettings {
  /** P of an agent of this name (§3.3). */
  publicUrl(name: string): string;
  /** The SSRF fetch rule (ssrf.ts) for URLs learned from peers. */
  fetchPolicy: FetchPolicy;
  /** §10.6 connection cap. */
  maxConnections: number;
  /** Issue 11: unauthenticated requests admitted per client address per 60 s. */
  anonymousRequestsPerClient: number;
  /** DM_ANCHORS (§14.6), as configured. */
  anchors: readonly string[];
  /** DM_OPERATOR_TOKEN: the bearer that may accept_pending and see peers over HTTP. */
  operatorToken?: string;
}

export interface MeshNodeEffects {
  /** Queue an event for the event wormhole; never blocks or fails the mesh reply. */
  emit(event: SystemEventInput): void;
  /** Work that outlives the reply (Workers: ctx.waitUntil). */
  background(work: Promise<unknown>): void;
  /** A peer's response arrived on the webhook of one of our sent messages (the hub's squad tasks listen). */
  responseReceived(messageId: string, text: string): void;
}

export interface MeshNodeParts {
  store: AgentStore;
  alarm: { getAlarm(): Promise<number | null>; setAlarm(scheduledTime: number): Promise<void> };
  clock: () => number;
  transport: MeshTransport;
  /** The router's handler calls (src/mesh/transport.ts handlerCall on Workers). */
  handlerTransport: HandlerTransport;
  settings: MeshNodeSettings;
  effects: MeshNodeEffects;
}

/** The spec's timeouts are in seconds (limits.ts TIMEOUTS_SECONDS); calls and clocks take ms. */
export const seconds = (s: number) => s * 1000;

/**
 * The mesh refusals an operator action can meet (accepting a pending request, learning a peer's
 * key), as the API problems they are: the operator's input is checked before the mesh code sees
 * it, so the mesh's body and field errors cannot reach here.
 */
const OPERATOR_REFUSALS = {
  "unknown-request": "unknown-request",
  "connection-limit": "connection-limit",
  "key-mismatch": "key-mismatch",
} as const satisfies Record<string, ProblemCode>;

export function operatorRefusal(reply: Pick<MeshRejection, "status" | "code" | "error">): DomainError {
  if (!Object.hasOwn(OPERATOR_REFUSALS, reply.code))
    throw new Error(`mesh refusal ${reply.status} ${reply.code} reached an operator action: ${reply.error}`);
  return new DomainError(OPERATOR_REFUSALS[reply.code as keyof typeof OPERATOR_REFUSALS], reply.error);
}
export const notFoundMessage = (id: string) =>
  new DomainError("unknown-message", `no message "${id}" in this agent's inbox`);

export class MeshNode {
  readonly store: AgentStore;
  readonly alarm: MeshNodeParts["alarm"];
  readonly transport: MeshTransport;
  readonly handlerTransport: HandlerTransport;
  readonly settings: MeshNodeSettings;
  readonly effects: MeshNodeEffects;
  readonly now: () => number;
  /** §12.2 rate windows, in memory like the reference's (they restart empty with the object). */
  readonly windows = {
    global: [] as SlidingWindow,
    connections: new Map<string, SlidingWindow>(),
    /** Anonymous requests per client address (issue 11), bounded by TRACKED_CLIENTS. */
    clients: new Map<string, SlidingWindow>(),
  };
  /** Outbound connection requests in flight: they hold a slot of the connection cap. */
  reservedConnections = 0;
  /** Handler calls running now (the router's maxConcurrent); in memory: a call does not outlive the object. */
  handlerCallsInFlight = 0;
  /** The tail of the mesh writes run one at a time (see inbound.ts withBody). */
  private serial: Promise<unknown> = Promise.resolve();

  constructor(parts: MeshNodeParts) {
    this.store = parts.store;
    this.alarm = parts.alarm;
    this.now = parts.clock;
    this.transport = parts.transport;
    this.handlerTransport = parts.handlerTransport;
    this.settings = parts.settings;
    this.effects = parts.effects;
  }

  /** Runs `work` after every earlier exclusive work has settled, whatever its outcome. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.serial.then(work, work);
    this.serial = run.catch(() => undefined);
    return run;
  }

  // ---- who the node is --------------------------------------------------------------------

  profile(): AgentProfile {
    if (!this.store.profile) throw new DomainError("not-found", "agent does not exist");
    return this.store.profile;
  }

  passport(): Passport {
    return passportFromSeed(this.profile().privateKeyHex)!;
  }

  publicUrl(): string {
    return this.settings.publicUrl(this.profile().name);
  }

  isActive(): boolean {
    return this.profile().status === "active";
  }

  self(): NodeIdentity {
    const profile = this.profile();
    return nodeIdentity(this.passport(), {
      displayName: profile.displayName,
      bio: profile.bio,
      status: this.isActive() ? "active" : "inactive",
      publicUrl: this.publicUrl(),
    });
  }

  maxConnections(): number {
    return this.settings.maxConnections;
  }

  /** The SSRF rule for URLs learned from peers: an error text when this node would not fetch it. */
  readonly urlRefusal = (url: string): string | undefined => {
    const verdict = checkFetchTarget(url, this.settings.fetchPolicy);
    return verdict.isAllowed ? undefined : verdict.error;
  };

  /** Whether an Authorization header carries the operator token. */
  isOperator(authorization: string | null): boolean {
    return isOperatorToken(bearerToken(authorization), this.settings.operatorToken);
  }

  // ---- admission (§12.2, issue 11) ----------------------------------------------------------

  /** Issue 11: an unauthenticated request is charged to its client address, never to the window peers share. Our own agents (in-process calls) are not charged. */
  admitAnonymous(client: string): MeshRejection | undefined {
    if (client === INTERNAL_CLIENT) return undefined;
    const limit = this.settings.anonymousRequestsPerClient;
    return admitClient(this.windows.clients, client, limit, this.now(), TRACKED_CLIENTS)
      ? undefined
      : meshErrors.clientRateLimit(limit);
  }

  admitGlobal(now: number): MeshReply<never> | undefined {
    const verdict = checkMeshRateLimit(
      { global: { setting: this.profile().globalRateLimit, window: this.windows.global } },
      now,
    );
    this.windows.global = verdict.global;
    return verdict.allowed ? undefined : meshErrors.globalRateLimit(verdict.limit);
  }

  // ---- messages held and sent ---------------------------------------------------------------

  sentRecord(messageId: string): SentMessage | undefined {
    return this.store.sent.find((record) => record.message_id === messageId);
  }

  dropFromInbox(messageId: string): void {
    this.store.replaceInbox(takeFromInbox(this.store.inbox, messageId).inbox);
  }

  /** §7.4: a webhook may point at this node or at a current connection. */
  webhookTrust() {
    return { ownPublicUrl: this.publicUrl(), peerUrls: [...this.store.connections.values()].map((c) => c.agent_url) };
  }

  webhookAllowed(url: string): boolean {
    return checkWebhookTarget(url, this.webhookTrust()).isAllowed;
  }

  // ---- events ---------------------------------------------------------------------------------

  /** Mesh events for the event wormhole; `agent` is this agent's id. */
  emit(input: {
    type: "mesh.message.received" | "mesh.connection.changed" | "mesh.message.routed";
    data: Record<string, unknown>;
  }): void {
    this.effects.emit({ ...input, agent: this.passport().agentId } as SystemEventInput);
  }

  connectionChanged(
    peer: string,
    change: "requested" | "accepted" | "rejected" | "disconnected" | "refused",
    direction?: "inbound" | "outbound",
    peerUrl?: string,
  ): void {
    if (!peer || peer.length > 128) return; // the event schema bounds agent ids like the spec does (§12.1)
    this.emit({
      type: "mesh.connection.changed",
      data: { peer, change, ...(direction && { direction }), ...(peerUrl && { peerUrl: peerUrl.slice(0, 2048) }) },
    });
  }
}

// A mesh node for the §20 checklist tests: the Agent Durable Object's own MeshNode
// (src/mesh/agent/), on the real SQLite storage of a fresh Agent object, with the handlers the
// DO's fetch calls (inbound.ts) and the operator tools it dispatches to. What differs from a
// hosted agent is only what a test must choose: a clock it can move, a public URL of its own,
// the fetch rule of a node on a private network (the §20 lines speak with reference nodes on
// 127.0.0.1), and a transport that records the calls the node makes instead of making them.
// Not a test file itself.
import { env, runInDurableObject } from "cloudflare:test";
import type { SystemEventInput } from "../../../src/core/events.js";
import {
  ANONYMOUS_REQUESTS_PER_CLIENT,
  formatMeshTimestamp,
  newPassport,
  nodeIdentity,
  replyBody,
  signedMessageBody,
  webhookUrlFor,
  type MeshReply,
  type NodeIdentity,
  type Passport,
  type PendingOutbound,
  type SlidingWindow,
} from "../../../src/core/mesh/index.js";
import type { PendingConnectionRequest } from "../../../src/schemas/mesh-state.js";
import type { MessageBody } from "../../../src/schemas/mesh.js";
import { AgentStore, connectionRecord, type ConnectionRecord } from "../../../src/stores/agent-store.js";
import { acceptPending } from "../../../src/mesh/agent/handshake.js";
import {
  handleConnectionAccepted,
  handleConnectionRequest,
  handleMessage,
  handlePeerUpdate,
} from "../../../src/mesh/agent/inbound.js";
import { MeshNode, type MeshNodeSettings } from "../../../src/mesh/agent/mesh-node.js";
import * as tools from "../../../src/mesh/agent/operator-tools.js";

export const T0 = Date.parse("2026-02-25T21:30:07.123Z");

/** The client address these tests speak as (issue 11: anonymous budgets are per client). */
export const TEST_CLIENT = "test-client";

type Json = unknown;
const wireText = (body: Json) => (typeof body === "string" ? body : JSON.stringify(body));

export class TestNode {
  now = T0;
  readonly identity: NodeIdentity;
  /** Every outgoing call the node made, in order; each was answered as a transport failure. */
  readonly calls: Array<{ url: string; method: string; body?: unknown }> = [];
  readonly events: SystemEventInput[] = [];
  private readonly settings: MeshNodeSettings;
  private mesh!: MeshNode;

  private constructor(
    private readonly stub: DurableObjectStub,
    readonly passport: Passport,
    publicUrl: string,
  ) {
    this.identity = nodeIdentity(passport, {
      displayName: "node-under-test",
      bio: "test node",
      status: "active",
      publicUrl,
    });
    this.settings = {
      publicUrl: () => publicUrl,
      fetchPolicy: { ownPublicUrl: publicUrl, allowPrivate: true },
      maxConnections: 50,
      anonymousRequestsPerClient: ANONYMOUS_REQUESTS_PER_CLIENT,
      anchors: [],
    };
  }

  /** A fresh, active node with no connections, created by the operator tool a hosted agent is created by. */
  static async start(publicUrl = "https://node.example.com", passport = newPassport()): Promise<TestNode> {
    const node = new TestNode(
      env.AGENT.get(env.AGENT.newUniqueId()) as unknown as DurableObjectStub,
      passport,
      publicUrl,
    );
    await runInDurableObject(node.stub, async (_instance: unknown, state: DurableObjectState) => {
      const store = new AgentStore(state.storage);
      await store.load();
      node.mesh = new MeshNode({
        store,
        alarm: state.storage,
        clock: () => node.now,
        transport: async (url, init) => {
          node.calls.push({ url, method: init.method, ...(init.body !== undefined && { body: init.body }) });
          return { ok: false, error: "the test transport makes no calls" };
        },
        handlerTransport: async () => ({ ok: false, error: "the test transport makes no calls" }),
        settings: node.settings,
        effects: {
          emit: (event) => node.events.push(event),
          background: () => undefined,
          responseReceived: () => undefined,
        },
      });
      const created = await tools.create(node.mesh, {
        name: "node-under-test",
        bio: "test node",
        displayName: "node-under-test",
        privateKeyHex: passport.privateKeyHex,
      });
      if (!created.ok) throw new Error(`the test node was not created: ${created.problem.detail}`);
    });
    return node;
  }

  /** Runs `work` inside the Durable Object, where its storage may be used. */
  in<T>(work: (mesh: MeshNode) => T | Promise<T>): Promise<T> {
    return runInDurableObject(this.stub, () => work(this.mesh));
  }

  // ---- the mesh endpoints, as a peer calls them ---------------------------------------------

  async message(body: Json, client = TEST_CLIENT) {
    return wire(await this.in((mesh) => handleMessage(mesh, wireText(body), client)));
  }

  async connectionRequest(body: Json, client = TEST_CLIENT) {
    return wire(await this.in((mesh) => handleConnectionRequest(mesh, wireText(body), client)));
  }

  async connectionAccepted(body: Json, client = TEST_CLIENT) {
    return wire(await this.in((mesh) => handleConnectionAccepted(mesh, wireText(body), client)));
  }

  async peerUpdate(body: Json, client = TEST_CLIENT) {
    return wire(await this.in((mesh) => handlePeerUpdate(mesh, wireText(body), client)));
  }

  /** §8.4, as the operator's accept: the reply and what the node decided (and did: see `calls`). */
  async acceptPending(body: Json) {
    const outcome = await this.in((mesh) => acceptPending(mesh, { ok: true, value: body }));
    return { ...wire(outcome.reply), outcome };
  }

  // ---- state a test sets up, through the store and the operator tools ---------------------------

  /** Add a connection the way an accepted handshake stores one. */
  connect(
    agentId: string,
    options: { key?: string | null; url?: string; rateLimit?: number } = {},
  ): Promise<ConnectionRecord> {
    return this.in((mesh) => {
      const record = connectionRecord({
        agent_id: agentId,
        agent_url: options.url ?? "https://peer.example.com/mcp",
        agent_bio: "",
        direction: "inbound",
        connected_at: formatMeshTimestamp(this.now),
        agent_public_key_hex: options.key ?? null,
        agent_display_name: null,
        rate_limit: options.rateLimit ?? 0,
      });
      mesh.store.putConnection(record);
      return record;
    });
  }

  /** darkmatter_set_rate_limit: one connection's limit, or the node's global one. */
  async setRateLimit(limit: number, agentId?: string): Promise<void> {
    const result = await this.in((mesh) => tools.setRateLimit(mesh, { agent_id: agentId, limit }));
    if (!result.ok) throw new Error(result.problem.detail);
  }

  /** darkmatter_set_status. */
  async setActive(active: boolean): Promise<void> {
    const result = await this.in((mesh) => tools.setStatus(mesh, { active }));
    if (!result.ok) throw new Error(result.problem.detail);
  }

  /** The operator's drop of every held message. */
  async clearInbox(): Promise<void> {
    await this.in((mesh) => tools.dropInbox(mesh));
  }

  /** A connection request this node sent and still waits on (§8.3). */
  addPendingOutbound(...entries: PendingOutbound[]): Promise<void> {
    return this.in((mesh) => mesh.store.setPendingOutbound([...mesh.store.pendingOutbound, ...entries]));
  }

  set clientLimit(limit: number) {
    this.settings.anonymousRequestsPerClient = limit;
  }

  set maxConnections(limit: number) {
    this.settings.maxConnections = limit;
  }

  // ---- what the node holds --------------------------------------------------------------------

  get connections(): ReadonlyMap<string, ConnectionRecord> {
    return this.mesh.store.connections;
  }

  get inbox() {
    return this.mesh.store.inbox;
  }

  get pending(): ReadonlyMap<string, PendingConnectionRequest> {
    return new Map([...this.mesh.store.pending].map(([id, stored]) => [id, stored.request]));
  }

  get pendingOutbound(): readonly PendingOutbound[] {
    return this.mesh.store.pendingOutbound;
  }

  get globalWindow(): SlidingWindow {
    return this.mesh.windows.global;
  }

  set globalWindow(window: SlidingWindow) {
    this.mesh.windows.global = window;
  }

  /** Rows of the §6.5 replay cache. */
  replayCacheSize(): Promise<number> {
    return this.in((mesh) => mesh.store.replayCacheSize());
  }
}

export function wire<T>(reply: MeshReply<T>): { status: number; body: unknown } {
  return { status: reply.status, body: replyBody(reply) };
}

let counter = 0;

/** A correctly signed message from `sender`, timestamped at `now`, with optional overrides applied after signing. */
export async function signedMessage(
  sender: Passport,
  now: number,
  overrides: Partial<Record<keyof MessageBody, unknown>> = {},
): Promise<Record<string, unknown>> {
  const messageId = `msg-${(counter++).toString(16).padStart(12, "0")}`;
  const body = await signedMessageBody(sender, {
    message_id: messageId,
    content: "hello mesh",
    webhook: webhookUrlFor("https://sender.example.com", messageId),
    hops_remaining: 10,
    metadata: {},
    timestamp: formatMeshTimestamp(now),
  });
  return { ...body, ...overrides };
}

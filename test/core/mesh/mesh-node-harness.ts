// A minimal in-memory mesh node for tests: it holds state as plain data and applies the
// outcomes of the pure core functions exactly as an Agent Durable Object is expected to
// (including the effects of refusals, such as a consumed message ID). Not a test file itself.
import {
  acceptPendingRequest,
  formatMeshTimestamp,
  newPassport,
  nodeIdentity,
  parseJsonBody,
  receiveConnectionAccepted,
  receiveConnectionRequest,
  receiveMessage,
  receivePeerUpdate,
  replyBody,
  signedMessageBody,
  webhookUrlFor,
  admitClient,
  meshErrors,
  type MeshRejection,
  type MeshReply,
  type NodeIdentity,
  type ParsedBody,
  type Passport,
  type PendingOutbound,
  type SlidingWindow,
} from "../../../src/core/mesh/index.js";
import type { InboxMessage, MeshConnection, PendingConnectionRequest } from "../../../src/schemas/mesh-state.js";
import type { MessageBody } from "../../../src/schemas/mesh.js";

export const T0 = Date.parse("2026-02-25T21:30:07.123Z");

export interface HarnessConnection extends MeshConnection {
  window: SlidingWindow;
  messages_declined: number;
  messages_received: number;
}

export function bodyOf(input: unknown): ParsedBody {
  return typeof input === "string" ? parseJsonBody(input) : { ok: true, value: input };
}

export class TestNode {
  readonly passport: Passport;
  readonly identity: NodeIdentity;
  now = T0;
  isActive = true;
  globalRateLimit = 0;
  globalWindow: SlidingWindow = [];
  inbox: InboxMessage[] = [];
  replay = new Map<string, number>();
  connections = new Map<string, HarnessConnection>();
  pending = new Map<string, PendingConnectionRequest>();
  pendingOutbound: PendingOutbound[] = [];
  maxConnections = 50;
  /** The anonymous budget of the one client these tests speak as (issue 11), kept as the Agent DO keeps it. */
  clientWindows = new Map<string, SlidingWindow>();
  clientLimit = 30;

  admitClient(): MeshRejection | undefined {
    return admitClient(this.clientWindows, "test-client", this.clientLimit, this.now, 1000) ? undefined : meshErrors.clientRateLimit(this.clientLimit);
  }

  constructor(publicUrl = "https://node.example.com", passport = newPassport()) {
    this.passport = passport;
    this.identity = nodeIdentity(passport, { displayName: "node-under-test", bio: "test node", status: "active", publicUrl });
  }

  /** Add a connection the way an accepted handshake would. */
  connect(agentId: string, options: { key?: string | null; url?: string; rateLimit?: number } = {}): HarnessConnection {
    const connection: HarnessConnection = {
      agent_id: agentId,
      agent_url: options.url ?? "https://peer.example.com/mcp",
      agent_bio: "",
      direction: "inbound",
      connected_at: formatMeshTimestamp(this.now),
      agent_public_key_hex: options.key ?? null,
      agent_display_name: null,
      rate_limit: options.rateLimit ?? 0,
      window: [],
      messages_declined: 0,
      messages_received: 0,
    };
    this.connections.set(agentId, connection);
    return connection;
  }

  async message(body: unknown): Promise<{ status: number; body: unknown }> {
    const receipt = await receiveMessage(bodyOf(body), {
      now: this.now,
      isActive: this.isActive,
      inboxLength: this.inbox.length,
      globalRateLimit: this.globalRateLimit,
      globalWindow: this.globalWindow,
      replaySeenAt: (id) => this.replay.get(id),
      connection: (id) => this.connections.get(id),
      admitClient: () => this.admitClient(),
    });
    if (receipt.recordMessageId !== undefined) this.replay.set(receipt.recordMessageId, this.now);
    const sender = typeof body === "object" && body !== null ? this.connections.get((body as MessageBody).from_agent_id) : undefined;
    if (receipt.windows) {
      this.globalWindow = receipt.windows.global;
      if (sender) sender.window = receipt.windows.connection;
    }
    if (receipt.isDeclined && sender) sender.messages_declined++;
    if (receipt.pinKey && sender) sender.agent_public_key_hex = receipt.pinKey;
    if (receipt.queued) {
      this.inbox.push(receipt.queued);
      if (sender) sender.messages_received++;
    }
    return wire(receipt.reply);
  }

  connectionRequest(body: unknown): { status: number; body: unknown } {
    const outcome = receiveConnectionRequest(bodyOf(body), {
      now: this.now,
      isActive: this.isActive,
      self: this.identity,
      admitClient: () => this.admitClient(),
      connection: (id) => this.connections.get(id),
      pendingCount: this.pending.size,
      pendingFromClient: 0,
    });
    if (outcome.pinKey) {
      const existing = this.connections.get(outcome.pinKey.agentId)!;
      existing.agent_public_key_hex = outcome.pinKey.publicKeyHex;
      existing.agent_display_name = outcome.pinKey.displayName;
    }
    if (outcome.pending) this.pending.set(outcome.pending.request_id, outcome.pending);
    return wire(outcome.reply);
  }

  connectionAccepted(body: unknown): { status: number; body: unknown } {
    const outcome = receiveConnectionAccepted(bodyOf(body), { now: this.now, pendingOutbound: this.pendingOutbound });
    if (outcome.consumed) this.pendingOutbound = this.pendingOutbound.filter((p) => p !== outcome.consumed);
    if (outcome.connection) this.connections.set(outcome.connection.agent_id, { ...outcome.connection, window: [], messages_declined: 0, messages_received: 0 });
    return wire(outcome.reply);
  }

  acceptPending(body: unknown) {
    const outcome = acceptPendingRequest(bodyOf(body), {
      now: this.now,
      self: this.identity,
      pending: (id) => this.pending.get(id),
      connectionCount: this.connections.size,
      maxConnections: this.maxConnections,
    });
    if (outcome.connection) this.connections.set(outcome.connection.agent_id, { ...outcome.connection, window: [], messages_declined: 0, messages_received: 0 });
    if (outcome.removePending) this.pending.delete(outcome.removePending);
    return { ...wire(outcome.reply), outcome };
  }

  async peerUpdate(body: unknown): Promise<{ status: number; body: unknown }> {
    const outcome = await receivePeerUpdate(bodyOf(body), {
      now: this.now,
      admitClient: () => this.admitClient(),
      connection: (id) => this.connections.get(id),
    });
    if (outcome.newUrl) this.connections.get(outcome.newUrl.agentId)!.agent_url = outcome.newUrl.url;
    return wire(outcome.reply);
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

// What an Agent Durable Object persists (mesh spec §16 "persisted across restarts" — and, on
// Workers, the inbox and pending requests too, §19.12, with the same observable limits).
// Small collections are single storage values; message bodies (up to 65 536 code points each)
// and the replay cache (up to thousands of IDs) are SQLite rows.
import type { PendingOutbound } from "../core/mesh/connection.js";
import { REPLAY_WINDOW_SECONDS } from "../core/mesh/limits.js";
import type { InboxMessage, MeshConnection, PendingConnectionRequest, SentMessage } from "../schemas/mesh-state.js";

export interface AgentProfile {
  name: string;
  privateKeyHex: string;
  bio: string;
  displayName: string | null;
  status: "active" | "inactive";
  inactiveUntil: number | null;
  /** Node-wide rate limit setting: 0 default (200), −1 unlimited, n > 0. */
  globalRateLimit: number;
  /** The P last announced to peers and anchors; a different DM_PUBLIC_URL triggers a signed peer_update broadcast. */
  advertisedUrl: string;
  createdAt: number;
  messagesHandled: number;
}

export interface ConnectionRecord extends MeshConnection {
  messages_sent: number;
  messages_received: number;
  messages_declined: number;
  last_activity: number | null;
  health_failures: number;
}

export function connectionRecord(connection: MeshConnection, previous?: ConnectionRecord): ConnectionRecord {
  return {
    messages_sent: previous?.messages_sent ?? 0,
    messages_received: previous?.messages_received ?? 0,
    messages_declined: previous?.messages_declined ?? 0,
    last_activity: previous?.last_activity ?? null,
    health_failures: 0,
    ...connection,
    rate_limit: previous?.rate_limit ?? connection.rate_limit,
  };
}

export class AgentStore {
  profile: AgentProfile | null = null;
  connections = new Map<string, ConnectionRecord>();
  pending = new Map<string, PendingConnectionRequest>();
  pendingOutbound: PendingOutbound[] = [];
  impressions = new Map<string, string>();
  inbox: InboxMessage[] = [];
  sent: SentMessage[] = [];

  constructor(private readonly storage: DurableObjectStorage) {
    storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS inbox (message_id TEXT PRIMARY KEY, received_at TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS sent (message_id TEXT PRIMARY KEY, body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS replay (message_id TEXT PRIMARY KEY, seen_at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS replay_seen ON replay (seen_at);
    `);
  }

  async load(): Promise<void> {
    const values = await this.storage.get<unknown>(["profile", "connections", "pending", "pendingOutbound", "impressions"]);
    this.profile = (values.get("profile") as AgentProfile | undefined) ?? null;
    this.connections = new Map(Object.entries((values.get("connections") as Record<string, ConnectionRecord>) ?? {}));
    this.pending = new Map(Object.entries((values.get("pending") as Record<string, PendingConnectionRequest>) ?? {}));
    this.pendingOutbound = (values.get("pendingOutbound") as PendingOutbound[]) ?? [];
    this.impressions = new Map(Object.entries((values.get("impressions") as Record<string, string>) ?? {}));
    this.inbox = this.storage.sql.exec<{ body: string }>("SELECT body FROM inbox ORDER BY seq").toArray().map((row) => JSON.parse(row.body));
    this.sent = this.storage.sql.exec<{ body: string }>("SELECT body FROM sent").toArray().map((row) => JSON.parse(row.body));
  }

  saveProfile(): Promise<void> {
    return this.storage.put("profile", this.profile);
  }

  saveConnections(): Promise<void> {
    return this.storage.put("connections", Object.fromEntries(this.connections));
  }

  savePending(): Promise<void> {
    return this.storage.put({ pending: Object.fromEntries(this.pending), pendingOutbound: this.pendingOutbound });
  }

  saveImpressions(): Promise<void> {
    return this.storage.put("impressions", Object.fromEntries(this.impressions));
  }

  replaceInbox(inbox: InboxMessage[]): void {
    const keep = new Set(inbox.map((message) => message.message_id));
    for (const message of this.inbox) if (!keep.has(message.message_id)) this.storage.sql.exec("DELETE FROM inbox WHERE message_id = ?", message.message_id);
    this.inbox = inbox;
  }

  addToInbox(message: InboxMessage): void {
    const seq = this.storage.sql.exec<{ n: number | null }>("SELECT max(seq) AS n FROM inbox").one().n ?? 0;
    this.storage.sql.exec("INSERT OR REPLACE INTO inbox (message_id, received_at, seq, body) VALUES (?, ?, ?, ?)", message.message_id, message.received_at, seq + 1, JSON.stringify(message));
    this.inbox = [...this.inbox.filter((m) => m.message_id !== message.message_id), message];
  }

  saveSent(record: SentMessage, evicted: SentMessage[] = []): void {
    this.storage.sql.exec("INSERT OR REPLACE INTO sent (message_id, body) VALUES (?, ?)", record.message_id, JSON.stringify(record));
    for (const old of evicted) this.storage.sql.exec("DELETE FROM sent WHERE message_id = ?", old.message_id);
    this.sent = [...this.sent.filter((r) => r.message_id !== record.message_id && !evicted.some((e) => e.message_id === r.message_id)), record];
  }

  replaySeenAt(messageId: string): number | undefined {
    return this.storage.sql.exec<{ seen_at: number }>("SELECT seen_at FROM replay WHERE message_id = ?", messageId).toArray()[0]?.seen_at;
  }

  /** §6.5: remember an ID for 300 s; older ones are pruned as we go (the reference prunes lazily past 10 000). */
  recordMessageId(messageId: string, now: number): void {
    this.storage.sql.exec("INSERT OR REPLACE INTO replay (message_id, seen_at) VALUES (?, ?)", messageId, now);
    this.storage.sql.exec("DELETE FROM replay WHERE seen_at < ?", now - REPLAY_WINDOW_SECONDS * 1000);
  }
}

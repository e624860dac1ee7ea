// What an Agent Durable Object persists (mesh spec §16 "persisted across restarts" — and, on
// Workers, the inbox and pending requests too, §19.12, with the same observable limits).
// The profile is one small storage value; every other record is a SQLite row of its own, so no
// value grows with the number of connections, requests or messages (a single value holding all
// connections would pass the Durable Object value limit long before DM_MAX_CONNECTIONS does).
//
// Writes go to storage first and to the in-memory copies only once storage took them, so a write
// that fails leaves memory as it was (issue 11). Tables are created on the first write: an
// object that is only ever read (a name that is not hosted here) holds no storage at all.
import type { PendingOutbound } from "../core/mesh/connection.js";
import { REPLAY_CACHE_CAPACITY, REPLAY_WINDOW_SECONDS } from "../core/mesh/limits.js";
import { DEFAULT_ROUTER } from "../core/mesh/router.js";
import type { InboxMessage, MeshConnection, PendingConnectionRequest, SentMessage } from "../schemas/mesh-state.js";
import type { RoutingLogEntry, StoredRouter } from "../schemas/router.js";

/** Decisions kept in the router's log (GET /api/v1/agents/{name}/router/decisions). */
export const ROUTING_LOG_CAPACITY = 100;

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
  /** SHA-256 of the agent's own token (src/core/agent-token.ts); absent for agents made before tokens and for the hub, whose token is DM_HUB_TOKEN. */
  tokenHash?: string | null;
}

export interface ConnectionRecord extends MeshConnection {
  messages_sent: number;
  messages_received: number;
  messages_declined: number;
  last_activity: number | null;
  health_failures: number;
}

/** A pending request with what the node keeps beside its wire shape: who sent it and when it lapses. */
export interface StoredPendingRequest {
  request: PendingConnectionRequest;
  /** The client address key it came from (src/core/client-address.ts). */
  client: string;
  /** Epoch ms after which it is gone. */
  expiresAt: number;
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

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS connections (agent_id TEXT PRIMARY KEY, body TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS pending (request_id TEXT PRIMARY KEY, client TEXT NOT NULL, expires_at INTEGER NOT NULL, body TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS pending_outbound (url TEXT PRIMARY KEY, body TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS impressions (agent_id TEXT PRIMARY KEY, text TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS inbox (message_id TEXT PRIMARY KEY, received_at TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS sent (message_id TEXT PRIMARY KEY, body TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS replay (message_id TEXT PRIMARY KEY, seen_at INTEGER NOT NULL);
  CREATE INDEX IF NOT EXISTS replay_seen ON replay (seen_at);
  CREATE TABLE IF NOT EXISTS routing_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL);
`;

// Rows as SQLite returns them: each record's JSON is in `body`, beside the columns it is looked up
// or ordered by.
type BodyRow = { body: string };
type PendingRow = BodyRow & { client: string; expires_at: number };
type ImpressionRow = { agent_id: string; text: string };
const parseBody = <T>(row: BodyRow): T => JSON.parse(row.body) as T;

/** Storage values of the first layout (one value per collection), moved into rows on load. */
const LEGACY_KEYS = ["connections", "pending", "pendingOutbound", "impressions"] as const;

export class AgentStore {
  profile: AgentProfile | null = null;
  readonly connections = new Map<string, ConnectionRecord>();
  readonly pending = new Map<string, StoredPendingRequest>();
  pendingOutbound: readonly PendingOutbound[] = [];
  readonly impressions = new Map<string, string>();
  inbox: InboxMessage[] = [];
  sent: SentMessage[] = [];
  /** The router (src/core/mesh/router.ts) and its version; the default until the first PUT. */
  router: StoredRouter = DEFAULT_ROUTER;
  /** Start times (epoch ms) of the handler calls of the last hour: the maxPerHour window survives restarts. */
  handlerCalls: readonly number[] = [];
  private hasSchema = false;

  constructor(private readonly storage: DurableObjectStorage) {}

  async load(): Promise<void> {
    this.hasSchema =
      this.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'connections'").toArray()
        .length > 0;
    const values = await this.storage.get<unknown>(["profile", "router", "handlerCalls", ...LEGACY_KEYS]);
    this.profile = (values.get("profile") as AgentProfile | undefined) ?? null;
    this.router = (values.get("router") as StoredRouter | undefined) ?? DEFAULT_ROUTER;
    this.handlerCalls = (values.get("handlerCalls") as number[] | undefined) ?? [];
    if (LEGACY_KEYS.some((key) => values.has(key))) await this.migrateLegacy(values);
    if (!this.hasSchema) return;
    const sql = this.storage.sql;
    for (const row of sql.exec<BodyRow>("SELECT body FROM connections").toArray()) {
      const record = parseBody<ConnectionRecord>(row);
      this.connections.set(record.agent_id, record);
    }
    for (const row of sql
      .exec<PendingRow>("SELECT client, expires_at, body FROM pending ORDER BY expires_at")
      .toArray()) {
      const request = parseBody<PendingConnectionRequest>(row);
      this.pending.set(request.request_id, { request, client: row.client, expiresAt: row.expires_at });
    }
    this.pendingOutbound = sql
      .exec<BodyRow>("SELECT body FROM pending_outbound")
      .toArray()
      .map(parseBody<PendingOutbound>);
    for (const row of sql.exec<ImpressionRow>("SELECT agent_id, text FROM impressions").toArray())
      this.impressions.set(row.agent_id, row.text);
    this.inbox = sql
      .exec<BodyRow>("SELECT body FROM inbox ORDER BY seq")
      .toArray()
      .map(parseBody<InboxMessage>);
    this.sent = sql
      .exec<BodyRow>("SELECT body FROM sent")
      .toArray()
      .map(parseBody<SentMessage>);
    // A handler call does not outlive the object: one that was running when it stopped is over.
    for (const message of this.inbox)
      if (message.routing?.outcome === "handling")
        this.updateInboxMessage({
          ...message,
          routing: {
            ...message.routing,
            outcome: "failed",
            reason: "interrupted: the agent restarted during the handler call",
          },
        });
  }

  /** The first layout kept each collection in one value; move them into rows once. */
  private async migrateLegacy(values: Map<string, unknown>): Promise<void> {
    this.ensureSchema();
    const sql = this.storage.sql;
    for (const record of Object.values((values.get("connections") as Record<string, ConnectionRecord>) ?? {}))
      sql.exec(
        "INSERT OR REPLACE INTO connections (agent_id, body) VALUES (?, ?)",
        record.agent_id,
        JSON.stringify(record),
      );
    for (const request of Object.values((values.get("pending") as Record<string, PendingConnectionRequest>) ?? {}))
      sql.exec(
        "INSERT OR REPLACE INTO pending (request_id, client, expires_at, body) VALUES (?, 'unknown', ?, ?)",
        request.request_id,
        Date.now(),
        JSON.stringify(request),
      );
    for (const outbound of (values.get("pendingOutbound") as PendingOutbound[]) ?? [])
      sql.exec(
        "INSERT OR REPLACE INTO pending_outbound (url, body) VALUES (?, ?)",
        outbound.url,
        JSON.stringify(outbound),
      );
    for (const [agentId, text] of Object.entries((values.get("impressions") as Record<string, string>) ?? {}))
      sql.exec("INSERT OR REPLACE INTO impressions (agent_id, text) VALUES (?, ?)", agentId, text);
    await this.storage.delete([...LEGACY_KEYS]);
  }

  private ensureSchema(): SqlStorage {
    if (!this.hasSchema) {
      this.storage.sql.exec(SCHEMA);
      this.hasSchema = true;
    }
    return this.storage.sql;
  }

  saveProfile(): Promise<void> {
    return this.storage.put("profile", this.profile);
  }

  // ---- connections ----------------------------------------------------------------------

  putConnection(record: ConnectionRecord): void {
    this.ensureSchema().exec(
      "INSERT OR REPLACE INTO connections (agent_id, body) VALUES (?, ?)",
      record.agent_id,
      JSON.stringify(record),
    );
    this.connections.set(record.agent_id, record);
  }

  /** Persists records whose counters were changed in place (delivery, health checks). */
  saveConnections(records: Iterable<ConnectionRecord>): void {
    for (const record of records) if (this.connections.get(record.agent_id) === record) this.putConnection(record);
  }

  deleteConnection(agentId: string): boolean {
    if (!this.connections.has(agentId)) return false;
    this.ensureSchema().exec("DELETE FROM connections WHERE agent_id = ?", agentId);
    return this.connections.delete(agentId);
  }

  // ---- pending requests -----------------------------------------------------------------

  putPending(stored: StoredPendingRequest): void {
    const { request } = stored;
    this.ensureSchema().exec(
      "INSERT OR REPLACE INTO pending (request_id, client, expires_at, body) VALUES (?, ?, ?, ?)",
      request.request_id,
      stored.client,
      stored.expiresAt,
      JSON.stringify(request),
    );
    this.pending.set(request.request_id, stored);
  }

  deletePending(requestId: string): boolean {
    if (!this.pending.has(requestId)) return false;
    this.ensureSchema().exec("DELETE FROM pending WHERE request_id = ?", requestId);
    return this.pending.delete(requestId);
  }

  /** Drops requests past their expiry; returns what was dropped. */
  expirePending(now: number): PendingConnectionRequest[] {
    const expired = [...this.pending.values()].filter((stored) => stored.expiresAt <= now);
    for (const stored of expired) this.deletePending(stored.request.request_id);
    return expired.map((stored) => stored.request);
  }

  pendingFrom(client: string): number {
    let count = 0;
    for (const stored of this.pending.values()) if (stored.client === client) count++;
    return count;
  }

  setPendingOutbound(list: readonly PendingOutbound[]): void {
    const sql = this.ensureSchema();
    const keep = new Set(list.map((p) => p.url));
    for (const old of this.pendingOutbound)
      if (!keep.has(old.url)) sql.exec("DELETE FROM pending_outbound WHERE url = ?", old.url);
    for (const entry of list)
      sql.exec("INSERT OR REPLACE INTO pending_outbound (url, body) VALUES (?, ?)", entry.url, JSON.stringify(entry));
    this.pendingOutbound = list;
  }

  // ---- impressions ----------------------------------------------------------------------

  setImpression(agentId: string, text: string): void {
    const sql = this.ensureSchema();
    if (text === "") sql.exec("DELETE FROM impressions WHERE agent_id = ?", agentId);
    else sql.exec("INSERT OR REPLACE INTO impressions (agent_id, text) VALUES (?, ?)", agentId, text);
    if (text === "") this.impressions.delete(agentId);
    else this.impressions.set(agentId, text);
  }

  // ---- inbox and sent messages ----------------------------------------------------------

  replaceInbox(inbox: InboxMessage[]): void {
    const keep = new Set(inbox.map((message) => message.message_id));
    const gone = this.inbox.filter((message) => !keep.has(message.message_id));
    if (gone.length > 0) {
      const sql = this.ensureSchema();
      for (const message of gone) sql.exec("DELETE FROM inbox WHERE message_id = ?", message.message_id);
    }
    this.inbox = inbox;
  }

  addToInbox(message: InboxMessage): void {
    const sql = this.ensureSchema();
    const seq = sql.exec<{ n: number | null }>("SELECT max(seq) AS n FROM inbox").one().n ?? 0;
    sql.exec(
      "INSERT OR REPLACE INTO inbox (message_id, received_at, seq, body) VALUES (?, ?, ?, ?)",
      message.message_id,
      message.received_at,
      seq + 1,
      JSON.stringify(message),
    );
    this.inbox = [...this.inbox.filter((m) => m.message_id !== message.message_id), message];
  }

  /** Rewrites a held message in place (its routing record); a message no longer held is left alone. */
  updateInboxMessage(message: InboxMessage): boolean {
    const index = this.inbox.findIndex((m) => m.message_id === message.message_id);
    if (index < 0) return false;
    this.ensureSchema().exec(
      "UPDATE inbox SET body = ? WHERE message_id = ?",
      JSON.stringify(message),
      message.message_id,
    );
    this.inbox = [...this.inbox.slice(0, index), message, ...this.inbox.slice(index + 1)];
    return true;
  }

  saveSent(record: SentMessage, evicted: SentMessage[] = []): void {
    const sql = this.ensureSchema();
    sql.exec("INSERT OR REPLACE INTO sent (message_id, body) VALUES (?, ?)", record.message_id, JSON.stringify(record));
    for (const old of evicted) sql.exec("DELETE FROM sent WHERE message_id = ?", old.message_id);
    this.sent = [
      ...this.sent.filter(
        (r) => r.message_id !== record.message_id && !evicted.some((e) => e.message_id === r.message_id),
      ),
      record,
    ];
  }

  // ---- the router ------------------------------------------------------------------------

  async saveRouter(router: StoredRouter): Promise<void> {
    await this.storage.put("router", router);
    this.router = router;
  }

  async saveHandlerCalls(calls: readonly number[]): Promise<void> {
    await this.storage.put("handlerCalls", calls);
    this.handlerCalls = calls;
  }

  /** One decision in the log; past ROUTING_LOG_CAPACITY the oldest go. */
  logRouting(entry: RoutingLogEntry): void {
    const sql = this.ensureSchema();
    sql.exec("INSERT INTO routing_log (body) VALUES (?)", JSON.stringify(entry));
    sql.exec(
      "DELETE FROM routing_log WHERE seq IN (SELECT seq FROM routing_log ORDER BY seq DESC LIMIT -1 OFFSET ?)",
      ROUTING_LOG_CAPACITY,
    );
  }

  /** The latest decisions, newest first. */
  routingLog(limit = ROUTING_LOG_CAPACITY): RoutingLogEntry[] {
    if (!this.hasSchema) return [];
    return this.storage.sql
      .exec<BodyRow>("SELECT body FROM routing_log ORDER BY seq DESC LIMIT ?", limit)
      .toArray()
      .map(parseBody<RoutingLogEntry>);
  }

  // ---- replay cache (§6.5) --------------------------------------------------------------

  replaySeenAt(messageId: string): number | undefined {
    if (!this.hasSchema) return undefined;
    return this.storage.sql
      .exec<{ seen_at: number }>("SELECT seen_at FROM replay WHERE message_id = ?", messageId)
      .toArray()[0]?.seen_at;
  }

  /**
   * §6.5: remember an ID for 300 s; older ones are pruned as we go (the reference prunes lazily
   * past 10 000). The cache never holds more than REPLAY_CACHE_CAPACITY rows: past it the oldest
   * go first. Only IDs of messages from connected senders are recorded (see message-receipt.ts).
   */
  recordMessageId(messageId: string, now: number): void {
    const sql = this.ensureSchema();
    sql.exec("INSERT OR REPLACE INTO replay (message_id, seen_at) VALUES (?, ?)", messageId, now);
    sql.exec("DELETE FROM replay WHERE seen_at < ?", now - REPLAY_WINDOW_SECONDS * 1000);
    sql.exec(
      "DELETE FROM replay WHERE message_id IN (SELECT message_id FROM replay ORDER BY seen_at DESC LIMIT -1 OFFSET ?)",
      REPLAY_CACHE_CAPACITY,
    );
  }

  replayCacheSize(): number {
    return this.hasSchema ? this.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM replay").one().n : 0;
  }
}

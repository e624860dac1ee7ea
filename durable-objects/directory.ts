// The anchor (mesh spec §9) behind the Worker's root `/__darkmatter__/peer_update` and
// `/__darkmatter__/peer_lookup/{agent_id}`: agent_id → {url, public_key_hex, last_seen}, with
// mandatory signatures, first-key pinning, 10 registrations per minute per client address (IPv6
// by /64) and a 24 h TTL pruned by an alarm. It also keeps the list of agents this Worker hosts, for the root
// well-known document and GET /api/v1/agents.
import { DurableObject } from "cloudflare:workers";
import { CLIENT_KEY_HEADER, INTERNAL_CLIENT, requestClientKey } from "../src/core/client-address.js";
import {
  admitAnchorClient,
  anchorLookup,
  anchorWellKnown,
  isAnchorEntryStale,
  registerWithAnchor,
} from "../src/core/mesh/anchor.js";
import { ANCHOR_ENTRY_MAX_AGE_SECONDS, MAX_MESH_BODY_BYTES } from "../src/core/mesh/limits.js";
import { meshErrors, parseJsonBody } from "../src/core/mesh/mesh-reply.js";
import { matchAnchorPath } from "../src/core/mesh/mesh-paths.js";
import type { SlidingWindow } from "../src/core/mesh/rate-limit.js";
import type { AnchorEntry } from "../src/schemas/mesh-state.js";
import type { HostedAgent } from "../src/schemas/agents.js";
import { meshMethodNotAllowed, meshNotFound, meshResponse, readMeshBody } from "../src/http/mesh-response.js";

interface EntryRow extends AnchorEntry {
  agent_id: string;
  [column: string]: SqlStorageValue;
}

export class Directory extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  // Per-address sliding windows live in memory, like the reference's (§9.1); an evicted object
  // forgets them. Updated in place and bounded by admitAnchorClient.
  private readonly windows = new Map<string, SlidingWindow>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS entries (agent_id TEXT PRIMARY KEY, url TEXT NOT NULL, public_key_hex TEXT NOT NULL, last_seen REAL NOT NULL);
      CREATE INDEX IF NOT EXISTS entries_seen ON entries (last_seen);
      CREATE TABLE IF NOT EXISTS hosted_agents (name TEXT PRIMARY KEY, agent_id TEXT NOT NULL, url TEXT NOT NULL, created_at INTEGER NOT NULL);
    `);
  }

  /** The anchor's two mesh endpoints; `path` is relative to the Worker root. */
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const match = matchAnchorPath(request.method, url.pathname);
    if (match.kind === "not-found") return meshNotFound();
    if (match.kind === "method-not-allowed") return meshMethodNotAllowed(match.allow);
    if (match.isMcpAlias) return meshNotFound();
    const now = Date.now();
    if (match.endpoint === "peer_lookup") {
      const agentId = match.param!;
      const row = this.sql.exec<EntryRow>("SELECT * FROM entries WHERE agent_id = ?", agentId).toArray()[0];
      const { reply, isStale } = anchorLookup(agentId, row, now);
      if (isStale) this.sql.exec("DELETE FROM entries WHERE agent_id = ?", agentId);
      return meshResponse(reply);
    }
    // §19.8: keyed on CF-Connecting-IP alone, which the edge sets (and wrangler dev sets to the
    // socket's address); the mesh route puts the key in CLIENT_KEY_HEADER, overwriting any copy a
    // client sent. The reference's X-Forwarded-For fallback is gone: any client can write that
    // header. This Worker's own agents registering in-process (src/mesh/transport.ts) are not
    // anonymous clients and are not charged, so many of them can re-register at once.
    const client = request.headers.get(CLIENT_KEY_HEADER) ?? requestClientKey(request);
    if (client !== INTERNAL_CLIENT && !admitAnchorClient(this.windows, client, now)) {
      await request.body?.cancel(); // refused unread, as anchor.py refuses before parsing (§9.1 step 1)
      return meshResponse(meshErrors.anchorRateLimited());
    }
    const body = await readMeshBody(request, MAX_MESH_BODY_BYTES);
    if (!body.ok) return body.response;
    const outcome = await registerWithAnchor(parseJsonBody(body.text), {
      now,
      entry: (agentId) => this.sql.exec<EntryRow>("SELECT * FROM entries WHERE agent_id = ?", agentId).toArray()[0],
      freshEntryCount: () =>
        this.sql
          .exec<{ n: number }>(
            "SELECT count(*) AS n FROM entries WHERE last_seen >= ?",
            now / 1000 - ANCHOR_ENTRY_MAX_AGE_SECONDS,
          )
          .one().n,
    });
    if (outcome.store) {
      const { agentId, entry } = outcome.store;
      this.sql.exec(
        "INSERT OR REPLACE INTO entries (agent_id, url, public_key_hex, last_seen) VALUES (?, ?, ?, ?)",
        agentId,
        entry.url,
        entry.public_key_hex,
        entry.last_seen,
      );
      this.prune(now);
      await this.scheduleExpiry();
    }
    return meshResponse(outcome.reply);
  }

  /** §9.3, plus the agents hosted here so a visitor can find them. */
  async wellKnown(): Promise<ReturnType<typeof anchorWellKnown> & { agents: HostedAgent[] }> {
    const now = Date.now();
    this.prune(now);
    const registered = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM entries").one().n;
    return { ...anchorWellKnown(registered), agents: this.hostedAgents() };
  }

  hostedAgents(): HostedAgent[] {
    return this.sql
      .exec<HostedAgent & Record<string, SqlStorageValue>>(
        "SELECT name, agent_id, url, created_at FROM hosted_agents ORDER BY created_at, name",
      )
      .toArray();
  }

  /** The freshest `limit` registrations with this anchor (darkmatter_discover_local lists them, §17). */
  registrations(limit: number): Array<AnchorEntry & { agent_id: string }> {
    this.prune(Date.now());
    return this.sql
      .exec<EntryRow>(
        "SELECT agent_id, url, public_key_hex, last_seen FROM entries ORDER BY last_seen DESC LIMIT ?",
        limit,
      )
      .toArray()
      .map((row) => ({
        agent_id: row.agent_id,
        url: row.url,
        public_key_hex: row.public_key_hex,
        last_seen: row.last_seen,
      }));
  }

  /** Is `name` one of the agents hosted here? Mesh requests for other names never reach an Agent object. */
  isHostedAgent(name: string): boolean {
    return this.sql.exec("SELECT 1 FROM hosted_agents WHERE name = ?", name).toArray().length > 0;
  }

  /** Records a hosted agent; false when the name is taken. */
  registerHostedAgent(agent: HostedAgent): boolean {
    const taken = this.sql.exec("SELECT 1 FROM hosted_agents WHERE name = ?", agent.name).toArray().length > 0;
    if (taken) return false;
    this.sql.exec(
      "INSERT INTO hosted_agents (name, agent_id, url, created_at) VALUES (?, ?, ?, ?)",
      agent.name,
      agent.agent_id,
      agent.url,
      agent.created_at,
    );
    return true;
  }

  /** The 24 h TTL (§9.4), applied even when nobody registers or looks anything up. */
  override async alarm(): Promise<void> {
    this.prune(Date.now());
    await this.scheduleExpiry();
  }

  private prune(now: number): void {
    const entries = this.sql
      .exec<EntryRow>("SELECT * FROM entries WHERE last_seen < ?", now / 1000 - ANCHOR_ENTRY_MAX_AGE_SECONDS)
      .toArray();
    for (const entry of entries)
      if (isAnchorEntryStale(entry, now)) this.sql.exec("DELETE FROM entries WHERE agent_id = ?", entry.agent_id);
  }

  private async scheduleExpiry(): Promise<void> {
    const oldest = this.sql.exec<{ seen: number | null }>("SELECT min(last_seen) AS seen FROM entries").one().seen;
    if (oldest === null) return;
    await this.ctx.storage.setAlarm(Math.ceil((oldest + ANCHOR_ENTRY_MAX_AGE_SECONDS) * 1000) + 1000);
  }
}

// The Directory Durable Object's SQLite: the anchor's registrations (mesh spec §9: agent_id →
// {url, public_key_hex, last_seen}, last_seen in epoch seconds as the reference keeps it) and the
// agents this Worker hosts. The per-address rate windows are not here: they live in the object's
// memory, as the reference's do (§9.1).
import { isAnchorEntryStale } from "../core/mesh/anchor.js";
import { ANCHOR_ENTRY_MAX_AGE_SECONDS } from "../core/mesh/limits.js";
import type { HostedAgent } from "../schemas/agents.js";
import type { AnchorEntry } from "../schemas/mesh-state.js";

type EntryRow = AnchorEntry & { agent_id: string };

const toEntry = (row: EntryRow): AnchorEntry => ({
  url: row.url,
  public_key_hex: row.public_key_hex,
  last_seen: row.last_seen,
});

export class DirectoryStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`
      CREATE TABLE IF NOT EXISTS entries (agent_id TEXT PRIMARY KEY, url TEXT NOT NULL, public_key_hex TEXT NOT NULL, last_seen REAL NOT NULL);
      CREATE INDEX IF NOT EXISTS entries_seen ON entries (last_seen);
      CREATE TABLE IF NOT EXISTS hosted_agents (name TEXT PRIMARY KEY, agent_id TEXT NOT NULL, url TEXT NOT NULL, created_at INTEGER NOT NULL);
    `);
  }

  /** An agent's registration, stale or not (staleness is the caller's question, §9.2). */
  entry(agentId: string): AnchorEntry | undefined {
    const row = this.sql.exec<EntryRow>("SELECT * FROM entries WHERE agent_id = ?", agentId).toArray()[0];
    return row && toEntry(row);
  }

  /** Registers or moves an agent (§9.1 step 12). */
  putEntry(agentId: string, entry: AnchorEntry): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO entries (agent_id, url, public_key_hex, last_seen) VALUES (?, ?, ?, ?)",
      agentId,
      entry.url,
      entry.public_key_hex,
      entry.last_seen,
    );
  }

  deleteEntry(agentId: string): void {
    this.sql.exec("DELETE FROM entries WHERE agent_id = ?", agentId);
  }

  /** Registrations seen within the last 24 h at `now` (epoch ms): what §9.1 step 11 counts. */
  freshEntryCount(now: number): number {
    return this.sql
      .exec<{ n: number }>(
        "SELECT count(*) AS n FROM entries WHERE last_seen >= ?",
        now / 1000 - ANCHOR_ENTRY_MAX_AGE_SECONDS,
      )
      .one().n;
  }

  /** All registrations, the well-known document's `agents_registered` (§9.3). */
  entryCount(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM entries").one().n;
  }

  /** §9.4: drops the registrations stale at `now` (epoch ms); the index finds the candidates. */
  /** The `limit` most recently seen registrations, newest first. */
  freshest(limit: number): Array<AnchorEntry & { agent_id: string }> {
    return this.sql
      .exec<EntryRow>(
        "SELECT agent_id, url, public_key_hex, last_seen FROM entries ORDER BY last_seen DESC LIMIT ?",
        limit,
      )
      .toArray()
      .map((row) => ({ agent_id: row.agent_id, ...toEntry(row) }));
  }

  prune(now: number): void {
    const rows = this.sql
      .exec<EntryRow>("SELECT * FROM entries WHERE last_seen < ?", now / 1000 - ANCHOR_ENTRY_MAX_AGE_SECONDS)
      .toArray();
    for (const row of rows) if (isAnchorEntryStale(toEntry(row), now)) this.deleteEntry(row.agent_id);
  }

  /** The oldest registration's last_seen (epoch seconds), null when there is none. */
  oldestLastSeen(): number | null {
    return this.sql.exec<{ seen: number | null }>("SELECT min(last_seen) AS seen FROM entries").one().seen;
  }

  /** The agents hosted here, oldest first. */
  hostedAgents(): HostedAgent[] {
    return this.sql
      .exec<HostedAgent>("SELECT name, agent_id, url, created_at FROM hosted_agents ORDER BY created_at, name")
      .toArray()
      .map((row) => ({ name: row.name, agent_id: row.agent_id, url: row.url, created_at: row.created_at }));
  }

  isHostedAgent(name: string): boolean {
    return this.sql.exec("SELECT 1 FROM hosted_agents WHERE name = ?", name).toArray().length > 0;
  }

  /** Records a hosted agent; false (and nothing written) when the name is taken. */
  addHostedAgent(agent: HostedAgent): boolean {
    if (this.isHostedAgent(agent.name)) return false;
    this.sql.exec(
      "INSERT INTO hosted_agents (name, agent_id, url, created_at) VALUES (?, ?, ?, ?)",
      agent.name,
      agent.agent_id,
      agent.url,
      agent.created_at,
    );
    return true;
  }
}

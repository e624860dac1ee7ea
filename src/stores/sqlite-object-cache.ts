// A Durable Object's own copy of the objects it has written or read, in front of the shared D1
// store: objects are immutable, so a cache can never be stale, and a world line's hot path
// (its current tree) is read from local SQLite and memory rather than over the network.
import type { Json } from "../core/canonical-json.js";
import type { ObjectStore } from "../core/object-store.js";
import type { D1ObjectStore } from "./d1-object-store.js";
import { chunked, MAX_BOUND_PARAMETERS } from "./page-cursor.js";

const MEMORY_LIMIT = 20_000;

export class SqliteObjectCache implements ObjectStore {
  private readonly memory = new Map<string, Json>();

  constructor(
    private readonly sql: SqlStorage,
    private readonly shared: D1ObjectStore,
  ) {
    sql.exec("CREATE TABLE IF NOT EXISTS objects (hash TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID");
  }

  async getMany(hashes: readonly string[]): Promise<Map<string, Json>> {
    const found = new Map<string, Json>();
    const missing: string[] = [];
    for (const hash of hashes) {
      const object = this.memory.get(hash);
      if (object !== undefined) found.set(hash, object);
      else missing.push(hash);
    }
    const remote: string[] = [];
    // Durable Object SQLite binds at most 100 parameters per statement, like D1.
    for (const chunk of chunked(missing, MAX_BOUND_PARAMETERS)) {
      const rows = this.sql
        .exec<{ hash: string; body: string }>(
          `SELECT hash, body FROM objects WHERE hash IN (${chunk.map(() => "?").join(",")})`,
          ...chunk,
        )
        .toArray();
      const local = new Set<string>();
      for (const row of rows) {
        const object = JSON.parse(row.body) as Json;
        found.set(row.hash, object);
        this.remember(row.hash, object);
        local.add(row.hash);
      }
      for (const hash of chunk) if (!local.has(hash)) remote.push(hash);
    }
    if (remote.length) {
      const fetched = await this.shared.getMany(remote);
      for (const [hash, object] of fetched) {
        found.set(hash, object);
        this.remember(hash, object);
        this.sql.exec("INSERT OR IGNORE INTO objects (hash, body) VALUES (?, ?)", hash, JSON.stringify(object));
      }
    }
    return found;
  }

  /** Writes to D1 first: an object must be readable by every world line before any head names it. */
  async putMany(objects: ReadonlyMap<string, Json>): Promise<void> {
    const rows: Array<[string, string]> = [...objects].map(([hash, object]) => [hash, JSON.stringify(object)]);
    await this.shared.putSerialized(rows);
    for (const [hash, body] of rows)
      this.sql.exec("INSERT OR IGNORE INTO objects (hash, body) VALUES (?, ?)", hash, body);
    for (const [hash, object] of objects) this.remember(hash, object);
  }

  private remember(hash: string, object: Json): void {
    if (this.memory.size >= MEMORY_LIMIT) this.memory.delete(this.memory.keys().next().value!);
    this.memory.set(hash, object);
  }
}

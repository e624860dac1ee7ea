// The shared content-addressed object store in D1. Every world line reads through it, which is
// what lets a fork share its parent's tree without copying it.
import type { Json } from "../core/canonical-json.js";
import type { ObjectStore } from "../core/object-store.js";

// D1 allows 100 bound parameters per statement.
const READ_CHUNK = 100;
const WRITE_ROWS = 50;

export class D1ObjectStore implements ObjectStore {
  constructor(private readonly db: D1Database) {}

  async getMany(hashes: readonly string[]): Promise<Map<string, Json>> {
    const found = new Map<string, Json>();
    const statements: D1PreparedStatement[] = [];
    for (let i = 0; i < hashes.length; i += READ_CHUNK) {
      const chunk = hashes.slice(i, i + READ_CHUNK);
      statements.push(this.db.prepare(`SELECT hash, body FROM objects WHERE hash IN (${chunk.map(() => "?").join(",")})`).bind(...chunk));
    }
    if (statements.length === 0) return found;
    const results = await this.db.batch<{ hash: string; body: string }>(statements);
    for (const result of results) for (const row of result.results) found.set(row.hash, JSON.parse(row.body));
    return found;
  }

  async putMany(objects: ReadonlyMap<string, Json>): Promise<void> {
    await this.putSerialized([...objects].map(([hash, object]) => [hash, JSON.stringify(object)]));
  }

  async putSerialized(rows: Array<[string, string]>): Promise<void> {
    const statements: D1PreparedStatement[] = [];
    for (let i = 0; i < rows.length; i += WRITE_ROWS) {
      const chunk = rows.slice(i, i + WRITE_ROWS);
      statements.push(
        this.db.prepare(`INSERT OR IGNORE INTO objects (hash, body) VALUES ${chunk.map(() => "(?, ?)").join(",")}`).bind(...chunk.flat()),
      );
    }
    if (statements.length) await this.db.batch(statements);
  }
}

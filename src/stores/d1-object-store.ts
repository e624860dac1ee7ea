// The shared content-addressed object store in D1. Every world line reads through it, which is
// what lets a fork share its parent's tree without copying it.
import type { Json } from "../core/canonical-json.js";
import type { ObjectStore } from "../core/object-store.js";
import { chunked, MAX_BOUND_PARAMETERS } from "./page-cursor.js";

// D1 binds at most 100 parameters per statement: one per hash read, two per object written.
const READ_CHUNK = MAX_BOUND_PARAMETERS;
const WRITE_ROWS = MAX_BOUND_PARAMETERS / 2;

export class D1ObjectStore implements ObjectStore {
  constructor(private readonly db: D1Database) {}

  async getMany(hashes: readonly string[]): Promise<Map<string, Json>> {
    const found = new Map<string, Json>();
    const statements: D1PreparedStatement[] = [];
    for (const chunk of chunked(hashes, READ_CHUNK)) {
      statements.push(
        this.db
          .prepare(`SELECT hash, body FROM objects WHERE hash IN (${chunk.map(() => "?").join(",")})`)
          .bind(...chunk),
      );
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
    for (const chunk of chunked(rows, WRITE_ROWS)) {
      statements.push(
        this.db
          .prepare(`INSERT OR IGNORE INTO objects (hash, body) VALUES ${chunk.map(() => "(?, ?)").join(",")}`)
          .bind(...chunk.flat()),
      );
    }
    if (statements.length) await this.db.batch(statements);
  }
}

// Content-addressed object storage as the state tree sees it: immutable JSON objects keyed by the
// SHA3-256 of their canonical bytes. Durable Objects layer memory, their own SQLite and D1 behind
// this interface; tests and benchmarks use the in-memory store.
import type { Json } from "./canonical-json.js";

export interface ObjectStore {
  /** The objects found among `hashes`; missing ones are simply absent from the map. */
  getMany(hashes: readonly string[]): Promise<Map<string, Json>>;
  /** Stores objects; storing an object that exists already is a no-op (same hash, same bytes). */
  putMany(objects: ReadonlyMap<string, Json>): Promise<void>;
}

export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, Json>();

  async getMany(hashes: readonly string[]): Promise<Map<string, Json>> {
    const found = new Map<string, Json>();
    for (const hash of hashes) {
      const object = this.objects.get(hash);
      if (object !== undefined) found.set(hash, object);
    }
    return found;
  }

  async putMany(objects: ReadonlyMap<string, Json>): Promise<void> {
    for (const [hash, object] of objects) this.objects.set(hash, object);
  }
}

/**
 * Reads through a store, coalescing every `load` issued in the same microtask into one
 * `getMany` (DataLoader style) and remembering what it read, so tree walks that fan out with
 * Promise.all cost one round trip per level rather than one per node. Objects written in the
 * current operation are staged here too, so later steps can read them before they are stored.
 */
export class ObjectReader {
  private readonly seen = new Map<string, Json>();
  private pending: Map<string, Array<{ resolve: (v: Json) => void; reject: (e: unknown) => void }>> | null = null;
  readonly staged = new Map<string, Json>();

  constructor(private readonly store: ObjectStore) {}

  load(hash: string): Promise<Json> {
    const known = this.staged.get(hash) ?? this.seen.get(hash);
    if (known !== undefined) return Promise.resolve(known);
    return new Promise((resolve, reject) => {
      if (!this.pending) {
        this.pending = new Map();
        queueMicrotask(() => void this.flush());
      }
      const waiters = this.pending.get(hash);
      if (waiters) waiters.push({ resolve, reject });
      else this.pending.set(hash, [{ resolve, reject }]);
    });
  }

  loadMany(hashes: readonly string[]): Promise<Json[]> {
    return Promise.all(hashes.map((hash) => this.load(hash)));
  }

  stage(hash: string, object: Json): void {
    this.staged.set(hash, object);
  }

  private async flush(): Promise<void> {
    const batch = this.pending!;
    this.pending = null;
    try {
      const found = await this.store.getMany([...batch.keys()]);
      for (const [hash, waiters] of batch) {
        const object = found.get(hash);
        if (object === undefined) {
          const error = new Error(`object ${hash} is missing from the store`);
          for (const waiter of waiters) waiter.reject(error);
          continue;
        }
        this.seen.set(hash, object);
        for (const waiter of waiters) waiter.resolve(object);
      }
    } catch (error) {
      for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
    }
  }
}

// A WorldLine Durable Object's catalog outbox (DESIGN: "Outboxes … DO write → D1 catalog"). The
// Durable Object is the source of truth; D1's catalog row and lineage edges mirror it for lists and
// /multiverse. What D1 must still learn is written to the object's own storage in the same write as
// the state change, applied idempotently (Catalog.apply: an upsert from the current meta, edges
// keyed), and retried on the object's alarm and on its next write until D1 has taken it.
import type { WorldLineMeta } from "../core/worldline.js";
import { describeError, retryDelaySeconds } from "../core/events.js";
import type { Catalog, LineageEdge } from "./catalog.js";

const OUTBOX_KEY = "catalog-outbox";

/** Not yet acknowledged by D1: the catalog row (always: it is upserted from the current meta) and these edges. */
interface Pending {
  edges: LineageEdge[];
  /** Failed flushes since the last success: the alarm backs off with them. */
  attempts: number;
}

export class CatalogOutbox {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly catalog: Catalog,
  ) {}

  /**
   * Stores `entries` (the object's new state) with what D1 must learn of it in one atomic storage
   * write, and arms the alarm in the same write (no await between them: workerd commits writes
   * issued without an intervening await together), so D1 converges even if this object dies before
   * flush() runs.
   */
  async record(entries: Record<string, unknown>, edges: readonly LineageEdge[]): Promise<void> {
    const pending = await this.pending();
    const next: Pending = { edges: [...(pending?.edges ?? []), ...edges], attempts: pending?.attempts ?? 0 };
    const put = this.storage.put({ ...entries, [OUTBOX_KEY]: next });
    const armed = this.storage.setAlarm(Date.now() + retryDelaySeconds(next.attempts + 1) * 1000);
    await Promise.all([put, armed]);
  }

  /** Applies whatever is pending to D1; false (kept, alarm re-armed with backoff) when D1 refused. */
  async flush(meta: WorldLineMeta): Promise<boolean> {
    const pending = await this.pending();
    if (!pending) return true;
    try {
      await this.catalog.apply(meta, pending.edges);
    } catch (error) {
      // Swallowed on purpose: the Durable Object's write is done and is the truth; the caller's
      // answer must not claim otherwise. The outbox keeps the D1 write and the alarm retries it.
      const attempts = pending.attempts + 1;
      console.warn(
        `catalog outbox of world line ${meta.id}: D1 write failed (attempt ${attempts}, ${pending.edges.length} edge(s) pending); retrying on the alarm`,
        describeError(error),
      );
      await this.storage.put(OUTBOX_KEY, { ...pending, attempts });
      await this.storage.setAlarm(Date.now() + retryDelaySeconds(attempts + 1) * 1000);
      return false;
    }
    await this.storage.delete(OUTBOX_KEY);
    await this.storage.deleteAlarm(); // the outbox is the WorldLine object's only alarm
    return true;
  }

  private async pending(): Promise<Pending | undefined> {
    return this.storage.get<Pending>(OUTBOX_KEY);
  }
}

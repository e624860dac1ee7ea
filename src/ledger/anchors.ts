// `anchor` entries: roots of outside logs (an arbiter's journal, each beat) attested in the ledger.
// No quorum: they attest a root, they change nothing canonical. An idempotency key makes a retried
// anchor land in the log once (the `anchor_keys` table remembers what each key appended).
import type { Json } from "../core/canonical-json.js";
import type { AnchorData } from "../core/ledger-records.js";
import type { MerkleLog } from "./merkle-log.js";

export class Anchors {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly log: MerkleLog,
  ) {}

  /**
   * Appends one `anchor` entry per root, in one transaction. With an idempotency key (the
   * arbiter's, one per beat), a key seen before answers the entries it appended then and
   * appends nothing.
   */
  append(
    anchors: AnchorData[],
    worldline: string | null,
    idempotencyKey?: string,
  ): Array<{ index: number; hash: string }> {
    const sql = this.storage.sql;
    return this.storage.transactionSync(() => {
      const earlier =
        idempotencyKey === undefined
          ? undefined
          : sql
              .exec<{ idx: number; count: number }>("SELECT idx, count FROM anchor_keys WHERE key = ?", idempotencyKey)
              .toArray()[0];
      if (earlier) return this.log.hashesFrom(earlier.idx, earlier.count);
      const appended = anchors.map((data) => {
        const entry = this.log.append(
          "anchor",
          data as unknown as Json,
          worldline ?? (data.subject.startsWith("wl_") ? data.subject : null),
        );
        return { index: entry.index, hash: entry.hash };
      });
      if (idempotencyKey !== undefined)
        sql.exec(
          "INSERT INTO anchor_keys (key, idx, count) VALUES (?, ?, ?)",
          idempotencyKey,
          appended[0]?.index ?? this.log.size,
          appended.length,
        );
      return appended;
    });
  }
}

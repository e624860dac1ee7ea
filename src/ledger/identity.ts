// Who the ledger is: its origin (the checkpoint's first line and key name), its Ed25519 key (which
// signs checkpoints, C2SP tlog-checkpoint) and the authority set in force. All three are recorded
// in the genesis entry, written from the configuration on first use; later starts read them back.
import { authoritySetFromConfig, type AuthoritySet } from "../core/authority.js";
import type { Json } from "../core/canonical-json.js";
import { signCheckpoint } from "../core/checkpoint.js";
import type { GenesisData } from "../core/ledger-records.js";
import { DomainError } from "../core/problem.js";
import { publicKeyOf } from "../core/signing.js";
import type { MerkleLog } from "./merkle-log.js";

const DEFAULT_ORIGIN = "darkmatter-edge/ledger";

export class LedgerIdentity {
  private checkpointCache: { size: number; note: string } | null = null;

  constructor(
    private readonly sql: SqlStorage,
    private readonly log: MerkleLog,
    readonly origin: string,
    readonly ledgerPublicKey: string,
    private readonly ledgerKey: string,
    private set: AuthoritySet,
  ) {}

  get authorities(): AuthoritySet {
    return this.set;
  }

  /** An `authorities` decision: the new set, in memory and in `meta`, inside the decision's transaction. */
  replaceAuthorities(set: AuthoritySet): void {
    this.set = set;
    this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('authorities', ?)", JSON.stringify(set));
  }

  /** The log's current size and root, signed; signed once per size. */
  async signedCheckpoint(): Promise<string> {
    const size = this.log.size;
    if (this.checkpointCache?.size !== size) {
      const note = await signCheckpoint(
        { origin: this.origin, size, rootHex: this.log.rootHex() },
        this.origin,
        this.ledgerKey,
      );
      this.checkpointCache = { size, note };
    }
    return this.checkpointCache.note;
  }
}

/**
 * Loads the frontier and authority set, or writes genesis from the configuration on first use.
 * A missing or mismatched DM_LEDGER_KEY, or no authorities configured, is a 503 DomainError.
 */
export function openLedger(storage: DurableObjectStorage, env: Env, log: MerkleLog): LedgerIdentity {
  const sql = storage.sql;
  const meta = new Map(
    sql
      .exec<{ key: string; value: string }>("SELECT key, value FROM meta")
      .toArray()
      .map((row) => [row.key, row.value]),
  );
  const key = env.DM_LEDGER_KEY;
  if (!key || !/^[0-9a-f]{64}$/.test(key))
    throw new DomainError(
      "ledger-not-configured",
      "DM_LEDGER_KEY (the ledger's Ed25519 private key, 64 hex) is not set; npm start generates one",
    );
  const ledgerPublicKey = publicKeyOf(key);
  if (meta.has("frontier")) {
    log.restore(meta.get("frontier")!);
    const set = JSON.parse(meta.get("authorities")!) as AuthoritySet;
    const genesis = log.readEntry(0).data as unknown as GenesisData;
    if (genesis.ledgerPublicKey !== ledgerPublicKey) {
      // The log has no ledger-key rotation: signing checkpoints with another key would break every verifier.
      throw new DomainError(
        "ledger-key-mismatch",
        "DM_LEDGER_KEY is not the key recorded in this ledger's genesis entry",
      );
    }
    return new LedgerIdentity(sql, log, genesis.origin, ledgerPublicKey, key, set);
  }
  const set = authoritySetFromConfig(env.DM_AUTHORITIES, env.DM_QUORUM);
  const origin = env.DM_LEDGER_ORIGIN || DEFAULT_ORIGIN;
  storage.transactionSync(() => {
    log.append("genesis", {
      origin,
      authorities: set.authorities,
      quorum: set.quorum,
      ledgerPublicKey,
    } satisfies GenesisData as unknown as Json);
    sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('authorities', ?)", JSON.stringify(set));
  });
  return new LedgerIdentity(sql, log, origin, ledgerPublicKey, key, set);
}

// The Ledger Durable Object's SQLite tables, created on every start (IF NOT EXISTS): the log
// (entries, and nodes: every complete Merkle subtree hash), proposals, the green commits decided
// per world line and their outbox, anchor idempotency keys, and meta (frontier, authority set).
export function createLedgerTables(sql: SqlStorage): void {
  sql.exec(`
      CREATE TABLE IF NOT EXISTS entries (idx INTEGER PRIMARY KEY, timestamp INTEGER NOT NULL, kind TEXT NOT NULL, worldline TEXT, data TEXT NOT NULL, previous_hash TEXT NOT NULL, hash TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS entries_kind ON entries (kind, idx);
      CREATE INDEX IF NOT EXISTS entries_worldline ON entries (worldline, idx);
      CREATE TABLE IF NOT EXISTS nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS proposals (id TEXT PRIMARY KEY, kind TEXT NOT NULL, worldline TEXT, payload TEXT NOT NULL, digest TEXT NOT NULL, status TEXT NOT NULL, approvals TEXT NOT NULL, created_at INTEGER NOT NULL, decided_at INTEGER, decision_index INTEGER, decision_hash TEXT, reason TEXT);
      CREATE INDEX IF NOT EXISTS proposals_status ON proposals (status, created_at);
      CREATE TABLE IF NOT EXISTS greens (worldline TEXT NOT NULL, commit_id TEXT NOT NULL, entry_index INTEGER NOT NULL, PRIMARY KEY (worldline, entry_index)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS green_outbox (entry_index INTEGER PRIMARY KEY, worldline TEXT NOT NULL, commit_id TEXT NOT NULL, proposal TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT);
      CREATE TABLE IF NOT EXISTS anchor_keys (key TEXT PRIMARY KEY, idx INTEGER NOT NULL, count INTEGER NOT NULL) WITHOUT ROWID;
    `);
  // Proposals stored before visibility was recorded have no is_public: anonymous readers do not
  // see those that concern a world line (the safe reading of "unknown").
  if (
    !sql
      .exec<{ name: string }>("PRAGMA table_info(proposals)")
      .toArray()
      .some((column) => column.name === "is_public")
  ) {
    sql.exec("ALTER TABLE proposals ADD COLUMN is_public INTEGER");
  }
}

// Raw `ctx.storage.sql.exec` against drizzle-orm's durable-sqlite driver for the Agent store's hot
// statements (src/stores/agent-store.ts), measured inside workerd on a real SQLite-backed Durable
// Object (issue 13: "stores: one style" was decided on these figures). Not part of `npm test`:
//   npx vitest run --config bench/workerd/vitest.config.mts
// Each variant gets its own Agent object (its own SQLite database) with the store's tables and the
// same preloaded rows; rounds rotate the variants' order, and the figure is the median round.
import { env, runInDurableObject } from "cloudflare:test";
import { asc, eq, gt, lt, max, sql as raw, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { expect, it } from "vitest";

// The agent store's CREATE TABLE statements for the two tables these operations touch.
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS inbox (message_id TEXT PRIMARY KEY, received_at TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS replay (message_id TEXT PRIMARY KEY, seen_at INTEGER NOT NULL);
  CREATE INDEX IF NOT EXISTS replay_seen ON replay (seen_at);
`;
const inbox = sqliteTable("inbox", {
  messageId: text("message_id").primaryKey(),
  receivedAt: text("received_at").notNull(),
  seq: integer("seq").notNull(),
  body: text("body").notNull(),
});
const replay = sqliteTable("replay", {
  messageId: text("message_id").primaryKey(),
  seenAt: integer("seen_at").notNull(),
});

// Calls per operation and round: enough that each timing spans tens of milliseconds (workerd's
// clock here ticks in whole milliseconds).
const CALLS = { insert: 2000, read: 10_000, list: 2000, record: 200 };
const ROUNDS = 7;
// Sizes as a busy agent has them: the inbox holds at most INBOX_CAPACITY (50) messages, the replay
// cache REPLAY_CACHE_CAPACITY (10 000) ids within REPLAY_WINDOW_SECONDS (300 s).
const INBOX_CAPACITY = 50;
const CAPACITY = 10_000;
const WINDOW_MS = 300_000;
const BODY = JSON.stringify({ message_id: "m", content: "x".repeat(400), metadata: { a: 1 }, received_at: "t" });

interface Ops {
  insertMessage(id: string, receivedAt: string, body: string): void;
  deleteMessage(id: string): void;
  readSeenAt(id: string): number | undefined;
  listPage(afterSeq: number): unknown[];
  recordMessageId(id: string, now: number): void;
}

function rawOps(sql: SqlStorage): Ops {
  return {
    insertMessage(id, receivedAt, body) {
      const seq = sql.exec<{ n: number | null }>("SELECT max(seq) AS n FROM inbox").one().n ?? 0;
      sql.exec(
        "INSERT OR REPLACE INTO inbox (message_id, received_at, seq, body) VALUES (?, ?, ?, ?)",
        id,
        receivedAt,
        seq + 1,
        body,
      );
    },
    deleteMessage(id) {
      sql.exec("DELETE FROM inbox WHERE message_id = ?", id);
    },
    readSeenAt(id) {
      return sql.exec<{ seen_at: number }>("SELECT seen_at FROM replay WHERE message_id = ?", id).toArray()[0]?.seen_at;
    },
    listPage(afterSeq) {
      return sql
        .exec(
          "SELECT message_id, received_at, seq, body FROM inbox WHERE seq > ? ORDER BY seq LIMIT ?",
          afterSeq,
          INBOX_CAPACITY,
        )
        .toArray();
    },
    recordMessageId(id, now) {
      sql.exec("INSERT OR REPLACE INTO replay (message_id, seen_at) VALUES (?, ?)", id, now);
      sql.exec("DELETE FROM replay WHERE seen_at < ?", now - WINDOW_MS);
      sql.exec(
        "DELETE FROM replay WHERE message_id IN (SELECT message_id FROM replay ORDER BY seen_at DESC LIMIT -1 OFFSET ?)",
        CAPACITY,
      );
    },
  };
}

// Drizzle as a store would usually write it: the query built on every call. INSERT OR REPLACE has
// no builder form in drizzle's SQLite dialect; an upsert on the primary key is the same for these
// tables (no other unique key, no triggers, rowids unused).
function drizzleOps(storage: DurableObjectStorage): Ops {
  const db = drizzle(storage);
  return {
    insertMessage(id, receivedAt, body) {
      const seq =
        db
          .select({ n: max(inbox.seq) })
          .from(inbox)
          .get()?.n ?? 0;
      db.insert(inbox)
        .values({ messageId: id, receivedAt, seq: seq + 1, body })
        .onConflictDoUpdate({ target: inbox.messageId, set: { receivedAt, seq: seq + 1, body } })
        .run();
    },
    deleteMessage(id) {
      db.delete(inbox).where(eq(inbox.messageId, id)).run();
    },
    readSeenAt(id) {
      return db.select({ seenAt: replay.seenAt }).from(replay).where(eq(replay.messageId, id)).get()?.seenAt;
    },
    listPage(afterSeq) {
      return db.select().from(inbox).where(gt(inbox.seq, afterSeq)).orderBy(asc(inbox.seq)).limit(INBOX_CAPACITY).all();
    },
    recordMessageId(id, now) {
      db.insert(replay)
        .values({ messageId: id, seenAt: now })
        .onConflictDoUpdate({ target: replay.messageId, set: { seenAt: now } })
        .run();
      db.delete(replay)
        .where(lt(replay.seenAt, now - WINDOW_MS))
        .run();
      db.delete(replay)
        .where(
          raw`${replay.messageId} IN (SELECT ${replay.messageId} FROM ${replay} ORDER BY ${replay.seenAt} DESC LIMIT -1 OFFSET ${CAPACITY})`,
        )
        .run();
    },
  };
}

// Drizzle with each query prepared once (placeholders): the SQL string is built a single time.
function preparedOps(storage: DurableObjectStorage): Ops {
  const db = drizzle(storage);
  // A placeholder typed to fit any column, so the prepared statements read like the built ones.
  const p = (name: string) => raw.placeholder(name) as unknown as SQL<never>;
  const maxSeq = db
    .select({ n: max(inbox.seq) })
    .from(inbox)
    .prepare();
  const insertInbox = db
    .insert(inbox)
    .values({ messageId: p("id"), receivedAt: p("receivedAt"), seq: p("seq"), body: p("body") })
    .onConflictDoUpdate({
      target: inbox.messageId,
      set: { receivedAt: raw`excluded.received_at`, seq: raw`excluded.seq`, body: raw`excluded.body` },
    })
    .prepare();
  const seenAt = db
    .select({ seenAt: replay.seenAt })
    .from(replay)
    .where(eq(replay.messageId, p("id")))
    .prepare();
  const page = db
    .select()
    .from(inbox)
    .where(gt(inbox.seq, p("after")))
    .orderBy(asc(inbox.seq))
    .limit(INBOX_CAPACITY)
    .prepare();
  const deleteInbox = db
    .delete(inbox)
    .where(eq(inbox.messageId, p("id")))
    .prepare();
  const insertReplay = db
    .insert(replay)
    .values({ messageId: p("id"), seenAt: p("now") })
    .onConflictDoUpdate({ target: replay.messageId, set: { seenAt: raw`excluded.seen_at` } })
    .prepare();
  const pruneOld = db
    .delete(replay)
    .where(lt(replay.seenAt, p("before")))
    .prepare();
  const pruneOver = db
    .delete(replay)
    .where(
      raw`${replay.messageId} IN (SELECT ${replay.messageId} FROM ${replay} ORDER BY ${replay.seenAt} DESC LIMIT -1 OFFSET ${CAPACITY})`,
    )
    .prepare();
  return {
    insertMessage(id, receivedAt, body) {
      const seq = (maxSeq.get()?.n ?? 0) + 1;
      insertInbox.run({ id, receivedAt, seq, body });
    },
    deleteMessage(id) {
      deleteInbox.run({ id });
    },
    readSeenAt(id) {
      return seenAt.get({ id })?.seenAt;
    },
    listPage(after) {
      return page.all({ after });
    },
    recordMessageId(id, now) {
      insertReplay.run({ id, now });
      pruneOld.run({ before: now - WINDOW_MS });
      pruneOver.run();
    },
  };
}

const VARIANTS = {
  raw: (storage: DurableObjectStorage) => rawOps(storage.sql),
  drizzle: drizzleOps,
  "drizzle prepared": preparedOps,
} as const;
type Variant = keyof typeof VARIANTS;
const OPERATIONS = [
  "insert a message row (and take it out)",
  "read by id",
  "list a page (the inbox, 50)",
  "record a message id",
] as const;
type Operation = (typeof OPERATIONS)[number];

function agent(variant: Variant) {
  return env.AGENT.get(env.AGENT.idFromName(`bench-store-sql-${variant}`));
}

async function prepare(variant: Variant): Promise<void> {
  await runInDurableObject(agent(variant), (_instance, state) => {
    const sql = state.storage.sql;
    sql.exec(SCHEMA);
    for (let i = 0; i < INBOX_CAPACITY; i += 1)
      sql.exec("INSERT INTO inbox VALUES (?, ?, ?, ?)", `pre-${i}`, "2026-01-01T00:00:00Z", i + 1, BODY);
    const now = Date.now();
    for (let i = 0; i < CAPACITY; i += 1)
      sql.exec("INSERT INTO replay VALUES (?, ?)", `seen-${i}`, now - (CAPACITY - i));
  });
}

/** µs per call for one round of every operation. */
async function round(variant: Variant, r: number): Promise<Record<Operation, number>> {
  return runInDurableObject(agent(variant), (_instance, state) => {
    const ops = VARIANTS[variant](state.storage);
    const time = (count: number, run: (i: number) => void) => {
      const start = performance.now();
      for (let i = 0; i < count; i += 1) run(i);
      return ((performance.now() - start) / count) * 1000;
    };
    // Ids that are in the replay cache now (the prune below replaces the oldest as it goes).
    const seen = state.storage.sql
      .exec<{ id: string }>("SELECT message_id AS id FROM replay ORDER BY random() LIMIT ?", CALLS.read)
      .toArray()
      .map((row) => row.id);
    const now = Date.now();
    // Results are checked after the clock stops: an expect() per call would add the same few µs
    // to every variant and blur the difference.
    let wrong = 0;
    const result = {
      // The inbox stays at its capacity, as on a busy agent: each new message is taken out again
      // (replaceInbox's DELETE), so the pair is timed.
      "insert a message row (and take it out)": time(CALLS.insert, (i) => {
        ops.insertMessage(`m-${r}-${i}`, "2026-01-01T00:00:00Z", BODY);
        ops.deleteMessage(`m-${r}-${i}`);
      }),
      "read by id": time(CALLS.read, (i) => {
        if (ops.readSeenAt(seen[i % seen.length]) === undefined) wrong += 1;
      }),
      "list a page (the inbox, 50)": time(CALLS.list, () => {
        if (ops.listPage(0).length !== INBOX_CAPACITY) wrong += 1;
      }),
      // Its capacity prune walks the whole replay index, so a call costs a few hundred µs.
      "record a message id": time(CALLS.record, (i) => ops.recordMessageId(`r-${r}-${i}`, now + i)),
    };
    expect(wrong).toBe(0);
    expect(state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM inbox").one().n).toBe(INBOX_CAPACITY);
    expect(state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM replay").one().n).toBe(CAPACITY);
    return result;
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

it("measures raw sql.exec against drizzle durable-sqlite on the agent store's hot statements", async () => {
  const variants = Object.keys(VARIANTS) as Variant[];
  for (const variant of variants) await prepare(variant);
  const samples = Object.fromEntries(variants.map((v) => [v, [] as Array<Record<Operation, number>>]));
  for (let r = 0; r < ROUNDS; r += 1) {
    const order = variants.map((_, i) => variants[(i + r) % variants.length]);
    for (const variant of order) samples[variant].push(await round(variant, r));
  }
  // The first round warms up the JIT and SQLite's page cache for every variant alike; drop it.
  const table = OPERATIONS.map((operation) => {
    const row: Record<string, string> = { operation };
    const base = median(samples.raw.slice(1).map((s) => s[operation]));
    for (const variant of variants) {
      const values = samples[variant].slice(1).map((s) => s[operation]);
      const value = median(values);
      row[`${variant} µs/op`] =
        `${value.toFixed(1)} (${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)})`;
      if (variant !== "raw")
        row[`${variant} vs raw`] = `${value >= base ? "+" : ""}${((value / base - 1) * 100).toFixed(0)} %`;
    }
    return row;
  });
  // console.table prints nothing from workerd; one line per operation instead.
  console.log(
    `calls per round ${JSON.stringify(CALLS)}, median (min–max) of ${ROUNDS - 1} rounds after a warm-up round`,
  );
  for (const row of table)
    console.log(
      Object.entries(row)
        .map(([k, v]) => `${k}: ${v}`)
        .join(" | "),
    );
}, 600_000);

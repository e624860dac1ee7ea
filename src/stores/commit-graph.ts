// The commit graph in D1, shared by every world line: a fork's history is its parent's, and a
// merge needs the common ancestor of two world lines' heads. Generations (1 + the highest parent
// generation) order history topologically and prune ancestry walks.
import type { CommitRecord } from "../core/commit.js";

export interface StoredCommit extends CommitRecord {
  generation: number;
}

interface CommitRow {
  id: string;
  tree: string;
  author: string;
  message: string;
  time: number;
  generation: number;
  parents: string | null;
}

const COMMIT_COLUMNS = `c.id, c.tree, c.author, c.message, c.time, c.generation,
  (SELECT json_group_array(parent) FROM (SELECT parent FROM commit_parents WHERE child = c.id ORDER BY position)) AS parents`;
const SELECT_COMMIT = `SELECT ${COMMIT_COLUMNS} FROM commits c`;

const toCommit = (row: CommitRow): StoredCommit => ({
  id: row.id,
  tree: row.tree,
  author: row.author,
  message: row.message,
  time: row.time,
  generation: row.generation,
  parents: row.parents ? (JSON.parse(row.parents) as string[]) : [],
});

export class CommitGraph {
  private readonly known = new Map<string, StoredCommit>();

  constructor(private readonly db: D1Database) {}

  async get(id: string): Promise<StoredCommit | null> {
    const cached = this.known.get(id);
    if (cached) return cached;
    const row = await this.db.prepare(`${SELECT_COMMIT} WHERE c.id = ?`).bind(id).first<CommitRow>();
    if (!row) return null;
    const commit = toCommit(row);
    this.known.set(id, commit);
    return commit;
  }

  async insert(commit: CommitRecord, worldline: string): Promise<StoredCommit> {
    let generation = 1;
    for (const parent of commit.parents) {
      const stored = await this.get(parent);
      if (stored && stored.generation >= generation) generation = stored.generation + 1;
    }
    await this.db.batch([
      this.db
        .prepare(
          "INSERT OR IGNORE INTO commits (id, worldline, tree, author, message, time, generation) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(commit.id, worldline, commit.tree, commit.author, commit.message, commit.time, generation),
      ...commit.parents.map((parent, position) =>
        this.db
          .prepare("INSERT OR IGNORE INTO commit_parents (child, parent, position) VALUES (?, ?, ?)")
          .bind(commit.id, parent, position),
      ),
    ]);
    const stored = { ...commit, generation };
    this.known.set(commit.id, stored);
    return stored;
  }

  /** True when `ancestor` is `descendant` or reachable from it through parents. */
  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    if (ancestor === descendant) return true;
    const target = await this.get(ancestor);
    if (!target) return false;
    const row = await this.db
      .prepare(
        `WITH RECURSIVE anc(id) AS (
           SELECT ?1 UNION
           SELECT p.parent FROM commit_parents p JOIN anc ON p.child = anc.id JOIN commits c ON c.id = p.parent WHERE c.generation >= ?3)
         SELECT 1 AS found FROM anc WHERE id = ?2 LIMIT 1`,
      )
      .bind(descendant, ancestor, target.generation)
      .first<{ found: number }>();
    return row !== null;
  }

  /** The best common ancestor (highest generation), or null for unrelated histories. */
  async mergeBase(a: string, b: string): Promise<string | null> {
    const row = await this.db
      .prepare(
        `WITH RECURSIVE
           a(id) AS (SELECT ?1 UNION SELECT p.parent FROM commit_parents p JOIN a ON p.child = a.id),
           b(id) AS (SELECT ?2 UNION SELECT p.parent FROM commit_parents p JOIN b ON p.child = b.id)
         SELECT c.id FROM commits c WHERE c.id IN (SELECT id FROM a) AND c.id IN (SELECT id FROM b)
         ORDER BY c.generation DESC, c.id LIMIT 1`,
      )
      .bind(a, b)
      .first<{ id: string }>();
    return row?.id ?? null;
  }

  /**
   * The `limit` newest (generation desc, id) of the frontier's commits and their ancestors: one page
   * of history (core/commit.ts nextFrontier gives the frontier of the next). Bounded by the page,
   * not by history: the top commit's first-parent chain alone holds a commit at each of the `limit`
   * generations below it, so the page lies within `limit` generations of the frontier's highest,
   * and the walk stops there. The frontier is one JSON parameter (D1 binds at most 100). CROSS
   * JOIN keeps SQLite from scanning every world line's commits to probe the walk (its choice with
   * a plain JOIN: 927 rows read for a 20-commit page of a 400-commit history).
   */
  async historyPage(frontier: readonly string[], limit: number): Promise<StoredCommit[]> {
    const { results } = await this.db
      .prepare(
        `WITH RECURSIVE
           start(id) AS (SELECT value FROM json_each(?1)),
           walk(id) AS (
             SELECT id FROM start
             UNION
             SELECT p.parent FROM commit_parents p JOIN walk ON p.child = walk.id JOIN commits g ON g.id = p.parent
             WHERE g.generation >= (SELECT max(generation) FROM commits WHERE id IN (SELECT id FROM start)) - ?2)
         SELECT ${COMMIT_COLUMNS} FROM walk CROSS JOIN commits c ON c.id = walk.id
         ORDER BY c.generation DESC, c.id LIMIT ?2`,
      )
      .bind(JSON.stringify(frontier), limit)
      .all<CommitRow>();
    return results.map(toCommit);
  }
}

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

const SELECT_COMMIT = `SELECT c.id, c.tree, c.author, c.message, c.time, c.generation,
  (SELECT json_group_array(parent) FROM (SELECT parent FROM commit_parents WHERE child = c.id ORDER BY position)) AS parents
  FROM commits c`;

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
        .prepare("INSERT OR IGNORE INTO commits (id, worldline, tree, author, message, time, generation) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind(commit.id, worldline, commit.tree, commit.author, commit.message, commit.time, generation),
      ...commit.parents.map((parent, position) =>
        this.db.prepare("INSERT OR IGNORE INTO commit_parents (child, parent, position) VALUES (?, ?, ?)").bind(commit.id, parent, position),
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

  /** Ancestors of `head` (itself included), newest generation first, paged by (generation, id). */
  async history(head: string, after: { generation: number; id: string } | null, limit: number): Promise<StoredCommit[]> {
    const { results } = await this.db
      .prepare(
        `WITH RECURSIVE anc(id) AS (SELECT ?1 UNION SELECT p.parent FROM commit_parents p JOIN anc ON p.child = anc.id)
         ${SELECT_COMMIT} JOIN anc ON anc.id = c.id
         WHERE ?2 IS NULL OR c.generation < ?2 OR (c.generation = ?2 AND c.id > ?3)
         ORDER BY c.generation DESC, c.id LIMIT ?4`,
      )
      .bind(head, after?.generation ?? null, after?.id ?? "", limit)
      .all<CommitRow>();
    return results.map(toCommit);
  }
}

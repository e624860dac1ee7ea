import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CommitGraph } from "../../src/stores/commit-graph.js";
import { makeCommit, nextFrontier, type CommitRecord } from "../../src/core/commit.js";
import { EMPTY_ROOT } from "../../src/core/state-tree.js";

/** The real D1, with the rows each query read (D1's own `meta.rows_read`) written down. */
function measuredD1(db: D1Database) {
  const rowsRead: number[] = [];
  const pass = <T extends object>(target: T, key: PropertyKey) => {
    const value = Reflect.get(target, key, target);
    return typeof value === "function" ? value.bind(target) : value;
  };
  const statement = (inner: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(inner, {
      get(target, key) {
        if (key === "bind") return (...values: unknown[]) => statement(target.bind(...values));
        if (key === "all")
          return async () => {
            const result = await target.all();
            rowsRead.push(result.meta.rows_read);
            return result;
          };
        return pass(target, key);
      },
    });
  return {
    db: new Proxy(db, {
      get: (target, key) =>
        key === "prepare" ? (query: string) => statement(target.prepare(query)) : pass(target, key),
    }),
    rowsRead,
  };
}

/** A linear history of `length` commits in D1, oldest first. */
async function chain(length: number, worldline: string): Promise<CommitRecord[]> {
  const graph = new CommitGraph(env.DB);
  const commits: CommitRecord[] = [];
  for (let i = 0; i < length; i++) {
    const commit = makeCommit({
      tree: EMPTY_ROOT,
      parents: commits.length ? [commits[commits.length - 1]!.id] : [],
      author: "test",
      message: `${worldline} ${i}`,
      time: i,
    });
    await graph.insert(commit, worldline);
    commits.push(commit);
  }
  return commits;
}

describe("the commit graph's history pages", () => {
  it("reads as many rows for a page deep in a long history as for the first page", async () => {
    const commits = await chain(400, "wl_deep");
    const measured = measuredD1(env.DB);
    const graph = new CommitGraph(measured.db);
    const first = await graph.historyPage([commits[399]!.id], 20);
    const deep = await graph.historyPage([commits[50]!.id], 20);
    expect(first.map((c) => c.message)).toEqual(Array.from({ length: 20 }, (_, i) => `wl_deep ${399 - i}`));
    expect(deep.map((c) => c.message)).toEqual(Array.from({ length: 20 }, (_, i) => `wl_deep ${50 - i}`));
    expect(nextFrontier([commits[50]!.id], deep)).toEqual([commits[30]!.id]);
    const [firstRows, deepRows] = measured.rowsRead;
    // The walk stops `limit` generations below the frontier: rows for the page, not for history.
    expect(firstRows).toBeLessThan(20 * 12);
    expect(deepRows).toBeLessThan(20 * 12);
  }, 60_000); // builds 400 commits first: ~3 s alone, far more on a loaded machine
});

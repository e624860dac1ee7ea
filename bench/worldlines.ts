// World-line costs at 1k and 100k entities, measured from outside over HTTP against wrangler dev
// (the Workers clock does not advance during synchronous work, so in-Worker timing would lie).
// Targets (issue 2): fork ratio ≤ 1.5, one-entity commit ratio ≤ 3, 10+10 merge ratio ≤ 3.
import { hashJson } from "../src/core/hash.js";
import { MemoryObjectStore, ObjectReader } from "../src/core/object-store.js";
import { applyChanges, buildTree } from "../src/core/state-tree.js";
import { growth, median, timed, type Figure } from "./report.js";
import type { DevServer } from "../scripts/wrangler-dev.js";

const SIZES = [1_000, 100_000];

export async function benchWorldLines(server: DevServer): Promise<Figure[]> {
  const call = async (method: string, path: string, body?: unknown, contentType = "application/json") => {
    const response = await fetch(server.baseUrl + path, {
      method,
      headers: {
        authorization: `Bearer ${server.vars.DM_OPERATOR_TOKEN}`,
        ...(body !== undefined && { "content-type": contentType }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await response.json();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json).slice(0, 300)}`);
    return json;
  };
  const patch = (id: string, body: unknown) =>
    call("PATCH", `/api/v1/worldlines/${id}/state`, body, "application/merge-patch+json");

  const fork = new Map<number, number>();
  const commit = new Map<number, number>();
  const merge = new Map<number, number>();
  const read = new Map<number, number>();
  const create = new Map<number, number>();

  // Warm the Worker, the Durable Object code paths and D1 first, so the first size measured does
  // not carry start-up costs the second does not.
  const warm = await call("POST", "/api/v1/worldlines", { name: "warm-up", entities: { a: 1 } });
  for (let i = 0; i < 20; i++) {
    const side = await call("POST", `/api/v1/worldlines/${warm.id}/fork`, { name: "w" });
    await patch(side.id, { a: i });
    await patch(warm.id, { b: i });
    await call("POST", `/api/v1/worldlines/${warm.id}/merge`, { source: side.id, strategy: "ours" });
  }

  for (const size of SIZES) {
    const entities = Object.fromEntries(
      Array.from({ length: size }, (_, i) => [`e${i}`, { x: i, y: -i, tag: "body" }]),
    );
    const [createMs, wl] = await timed(() => call("POST", "/api/v1/worldlines", { name: `bench-${size}`, entities }));
    create.set(size, createMs);
    await call("GET", `/api/v1/worldlines/${wl.id}/entities/e1`); // warm the object cache like a live world line

    const forks: number[] = [];
    for (let i = 0; i < 20; i++)
      forks.push((await timed(() => call("POST", `/api/v1/worldlines/${wl.id}/fork`, { name: "f" })))[0]);
    fork.set(size, median(forks));

    const commits: number[] = [];
    for (let i = 0; i < 30; i++)
      commits.push((await timed(() => patch(wl.id, { [`e${(i * 7919) % size}`]: { x: -1, round: i } })))[0]);
    commit.set(size, median(commits));

    const reads: number[] = [];
    for (let i = 0; i < 50; i++)
      reads.push((await timed(() => call("GET", `/api/v1/worldlines/${wl.id}/entities/e${(i * 104729) % size}`)))[0]);
    read.set(size, median(reads));

    const merges: number[] = [];
    for (let round = 0; round < 7; round++) {
      const side = await call("POST", `/api/v1/worldlines/${wl.id}/fork`, { name: "side" });
      const ours: Record<string, unknown> = {};
      const theirs: Record<string, unknown> = {};
      for (let i = 0; i < 10; i++) {
        ours[`e${(round * 1000 + i * 37) % size}`] = { ours: round };
        theirs[`e${(round * 1000 + i * 37 + 500) % size}`] = { theirs: round };
      }
      await patch(wl.id, ours);
      await patch(side.id, theirs);
      merges.push((await timed(() => call("POST", `/api/v1/worldlines/${wl.id}/merge`, { source: side.id })))[0]);
    }
    merge.set(size, median(merges));
  }

  return [
    ...growth("worldline.create", "ms", create),
    ...growth("worldline.fork.latency.p50", "ms", fork, { target: "ratio ≤ 1.5" }),
    ...growth("worldline.commit_one_entity.latency.p50", "ms", commit, { target: "ratio ≤ 3" }),
    ...growth("worldline.merge_10_plus_10.latency.p50", "ms", merge, { target: "ratio ≤ 3" }),
    ...growth("worldline.read_one_entity.latency.p50", "ms", read),
    ...(await benchTreeInMemory()),
  ];
}

/** CPU cost of the state tree alone (Node, in-memory store): a one-entity commit without any I/O. */
async function benchTreeInMemory(): Promise<Figure[]> {
  const commit = new Map<number, number>();
  for (const size of SIZES) {
    const store = new MemoryObjectStore();
    const builder = new ObjectReader(store);
    let root = buildTree(
      builder,
      Array.from({ length: size }, (_, i) => [`e${i}`, hashJson(i)] as [string, string]),
    );
    await store.putMany(builder.staged);
    const rounds = 500;
    const start = performance.now();
    for (let i = 0; i < rounds; i++) {
      const reader = new ObjectReader(store);
      root = await applyChanges(reader, root, [{ id: `e${(i * 7919) % size}`, valueHash: hashJson(-i) }]);
      await store.putMany(reader.staged);
    }
    commit.set(size, ((performance.now() - start) / rounds) * 1000);
  }
  return growth("state_tree.commit_one_entity.cpu", "µs", commit);
}

// Issue 14: every control-plane MCP tool, called through the official SDK client against the
// Worker's fetch handler, answers what its REST route answers (one implementation, two surfaces).
import { describe, expect, it } from "vitest";
import { api, createWorldLine } from "../api.js";
import { eventually } from "../events/helpers.js";
import { authorities } from "../keys.js";
import { approve } from "../ledger-helpers.js";
import { call, controlClient, result, toolError } from "./control-client.js";

const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
const ADDS = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false };
const OVERWRITES = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false };

/** Every tool and the hints it must carry. */
const TOOLS: Record<string, typeof READ> = {
  darkmatter_worldline_list: READ,
  darkmatter_worldline_get: READ,
  darkmatter_worldline_state: READ,
  darkmatter_worldline_create: ADDS,
  darkmatter_worldline_patch: OVERWRITES,
  darkmatter_worldline_fork: ADDS,
  darkmatter_worldline_merge: OVERWRITES,
  darkmatter_worldline_terminate: { ...OVERWRITES, idempotentHint: true },
  darkmatter_worldline_diff: READ,
  darkmatter_worldline_commits: READ,
  darkmatter_promotion_propose: ADDS,
  darkmatter_promotion_get: READ,
  darkmatter_ledger_status: READ,
  darkmatter_ledger_entries: READ,
  darkmatter_ledger_proof: READ,
  darkmatter_events_query: READ,
  darkmatter_event_report: ADDS,
  darkmatter_task_list: READ,
  darkmatter_task_get: READ,
  darkmatter_task_create: ADDS,
  darkmatter_arbiter_status: READ,
  darkmatter_telemetry_report: ADDS,
  darkmatter_halo_cycle: ADDS,
};

const rest = async (method: string, path: string, body?: unknown) => {
  const answer = await api(method, path, body === undefined ? {} : { body });
  expect(answer.status, `${method} ${path}: ${JSON.stringify(answer.body)}`).toBeLessThan(300);
  return answer.body;
};

describe("the control plane's MCP tools", { timeout: 60_000 }, () => {
  it("lists every tool to the operator, annotated, with an object input schema", async () => {
    const client = await controlClient();
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(Object.keys(TOOLS).sort());
    for (const tool of tools) {
      expect(tool.annotations, tool.name).toEqual(TOOLS[tool.name]);
      expect(tool.inputSchema.type, tool.name).toBe("object");
      expect(tool.description, tool.name).toMatch(/\/api\/v1\//); // names the route it calls
    }
    expect(client.getServerVersion()?.name).toBe("darkmatter-edge-control-plane");
    expect(client.getInstructions()).toMatch(/not tools/);
  });

  it("reads world lines as GET /api/v1/worldlines… does", async () => {
    const client = await controlClient();
    const line = await createWorldLine({ name: "reads", entities: { sun: { mass: 1 }, moon: { mass: 0.1 } } });
    const first = line.head;
    await api("PATCH", `/api/v1/worldlines/${line.id}/state`, {
      raw: JSON.stringify({ moon: null }),
      headers: { "content-type": "application/merge-patch+json" },
    });
    const id = line.id;
    expect(await result(client, "darkmatter_worldline_get", { id })).toEqual(
      await rest("GET", `/api/v1/worldlines/${id}`),
    );
    expect(await result(client, "darkmatter_worldline_list", { limit: 2 })).toEqual(
      await rest("GET", "/api/v1/worldlines?limit=2"),
    );
    expect(await result(client, "darkmatter_worldline_state", { id, at: first, limit: 1 })).toEqual(
      await rest("GET", `/api/v1/worldlines/${id}/state?at=${first}&limit=1`),
    );
    expect(await result(client, "darkmatter_worldline_commits", { id })).toEqual(
      await rest("GET", `/api/v1/worldlines/${id}/commits`),
    );
    const diff = await result(client, "darkmatter_worldline_diff", { id, from: first });
    expect(diff).toEqual(await rest("GET", `/api/v1/worldlines/${id}/diff?from=${first}`));
    expect(diff.changes).toEqual([{ id: "moon", change: "removed", before: { mass: 0.1 } }]);
  });

  it("creates, patches (merge patch or JSON Patch, with If-Match, author and message), forks and terminates", async () => {
    const client = await controlClient();
    const created = await result(client, "darkmatter_worldline_create", {
      name: "writes",
      entities: { sun: { mass: 1 } },
      privacy: "public-network",
    });
    expect(await rest("GET", `/api/v1/worldlines/${created.id}`)).toEqual(created);

    const merged = await result(client, "darkmatter_worldline_patch", {
      id: created.id,
      mergePatch: { sun: { mass: 2 } },
      ifMatch: created.head,
      author: "claude",
      message: "heavier sun → café",
    });
    const json = await result(client, "darkmatter_worldline_patch", {
      id: created.id,
      jsonPatch: [{ op: "add", path: "/earth", value: { mass: 0.003 } }],
    });
    expect(json.parents).toEqual([merged.commit]);
    expect((await rest("GET", `/api/v1/worldlines/${created.id}/state`)).entities).toEqual({
      sun: { mass: 2 },
      earth: { mass: 0.003 },
    });
    const [, second] = (await rest("GET", `/api/v1/worldlines/${created.id}/commits`)).items;
    expect(second).toMatchObject({ id: merged.commit, author: "claude", message: "heavier sun → café" });
    expect(
      await toolError(client, "darkmatter_worldline_patch", {
        id: created.id,
        mergePatch: { sun: null },
        ifMatch: created.head,
      }),
    ).toMatch(/\(stale-head\)/);

    const fork = await result(client, "darkmatter_worldline_fork", {
      id: created.id,
      name: "fork",
      privacy: "private",
    });
    expect(fork).toMatchObject({ name: "fork", privacy: "private", parents: [created.id], head: json.commit });
    expect((await rest("GET", `/api/v1/worldlines/${fork.id}`)).privacy).toBe("private");

    const terminated = await result(client, "darkmatter_worldline_terminate", { id: fork.id });
    expect(terminated.status).toBe("terminated");
    expect((await rest("GET", `/api/v1/worldlines/${fork.id}`)).status).toBe("terminated");
    expect(await toolError(client, "darkmatter_worldline_patch", { id: fork.id, mergePatch: { x: 1 } })).toMatch(
      /410|terminated/,
    );
  });

  it("merges: a clean merge commits; conflicts come back as data and change nothing", async () => {
    const client = await controlClient();
    const base = await createWorldLine({ name: "base", entities: { sun: { mass: 1 } } });
    const fork = await result(client, "darkmatter_worldline_fork", { id: base.id, name: "fork" });
    await result(client, "darkmatter_worldline_patch", { id: fork.id, mergePatch: { moon: { mass: 0.1 } } });
    const clean = await result(client, "darkmatter_worldline_merge", { id: base.id, source: fork.id });
    expect(clean).toMatchObject({ merged: true, changed: 1 });
    expect((await rest("GET", `/api/v1/worldlines/${base.id}/state`)).entities.moon).toEqual({ mass: 0.1 });

    await result(client, "darkmatter_worldline_patch", { id: base.id, mergePatch: { sun: { mass: 2 } } });
    await result(client, "darkmatter_worldline_patch", { id: fork.id, mergePatch: { sun: { mass: 3 } } });
    const head = (await rest("GET", `/api/v1/worldlines/${base.id}`)).head;
    const conflicted = await call(client, "darkmatter_worldline_merge", { id: base.id, source: fork.id });
    expect(conflicted.isError).toBeFalsy();
    expect(conflicted.structuredContent).toMatchObject({
      merged: false,
      conflicts: [{ path: "/sun/mass", base: 1, ours: 2, theirs: 3 }],
    });
    expect((await rest("GET", `/api/v1/worldlines/${base.id}`)).head).toBe(head);
    const theirs = await result(client, "darkmatter_worldline_merge", {
      id: base.id,
      source: fork.id,
      strategy: "theirs",
    });
    expect(theirs.resolved).toHaveLength(1);
    expect((await rest("GET", `/api/v1/worldlines/${base.id}/state`)).entities.sun).toEqual({ mass: 3 });
  });

  it("proposes a promotion and reads it, the ledger's status, entries and the three proofs", async () => {
    const client = await controlClient();
    const line = await createWorldLine({ name: "promoted", privacy: "full-public" });
    const proposal = await result(client, "darkmatter_promotion_propose", { kind: "promote", worldline: line.id });
    expect(proposal).toMatchObject({
      kind: "promote",
      status: "pending",
      payload: { worldline: line.id, commit: line.head },
    });
    expect(await result(client, "darkmatter_promotion_get", { id: proposal.id })).toEqual(
      await rest("GET", `/api/v1/promotions/${proposal.id}`),
    );
    for (const key of authorities.slice(0, 2))
      expect((await approve(proposal.id, proposal.digest, key)).status).toBe(200);

    const status = await result(client, "darkmatter_ledger_status");
    expect(status).toEqual(await rest("GET", "/api/v1/ledger"));
    expect(await result(client, "darkmatter_ledger_entries", { worldline: line.id })).toEqual(
      await rest("GET", `/api/v1/ledger/entries?worldline=${line.id}`),
    );
    expect(await result(client, "darkmatter_ledger_proof", { proof: "inclusion", index: 0 })).toEqual(
      await rest("GET", "/api/v1/ledger/proofs/inclusion?index=0"),
    );
    expect(await result(client, "darkmatter_ledger_proof", { proof: "consistency", from: 1, to: status.size })).toEqual(
      await rest("GET", `/api/v1/ledger/proofs/consistency?from=1&to=${status.size}`),
    );
    const bundle = await result(client, "darkmatter_ledger_proof", { proof: "green", worldline: line.id });
    expect(bundle).toEqual(await rest("GET", `/api/v1/worldlines/${line.id}/green/proof`));
    expect(bundle.commit).toBe(line.head);
  });

  it("reports events and finds them in the event log", async () => {
    const client = await controlClient();
    const queued = await result(client, "darkmatter_event_report", {
      events: [{ type: "sim.episode.finished", source: "mcp-test", severity: "warning", data: { episode: 7 } }],
    });
    expect(queued).toMatchObject({ queued: true, ids: [expect.stringMatching(/^ev_/)] });
    // `since` as RFC 3339 and `severity` as a list: the query travels as the client wrote it.
    const since = new Date(Date.now() - 60_000).toISOString();
    const page = await eventually(async () => {
      const found = await result(client, "darkmatter_events_query", {
        type: "sim.*",
        severity: "warning,error",
        since,
      });
      return found.items.some((event: { id: string }) => event.id === queued.ids[0]) && found;
    }, "the reported event");
    expect(page.items[0]).toMatchObject({ id: queued.ids[0], source: "mcp-test", data: { episode: 7 } });
    expect(page).toEqual(
      await rest("GET", `/api/v1/events?type=sim.*&severity=warning,error&since=${encodeURIComponent(since)}`),
    );
  });

  it("creates squad tasks (pending the operator's approval), lists and reads them", async () => {
    const client = await controlClient();
    const task = await result(client, "darkmatter_task_create", { kind: "route-failing", title: "look at /api/v1/x" });
    expect(task).toMatchObject({ status: "pending-approval", origin: "operator", title: "look at /api/v1/x" });
    expect(await result(client, "darkmatter_task_get", { id: task.id })).toEqual(
      await rest("GET", `/api/v1/tasks/${task.id}`),
    );
    expect(await result(client, "darkmatter_task_list", { status: "pending-approval" })).toEqual(
      await rest("GET", "/api/v1/tasks?status=pending-approval"),
    );
  });

  it("reports telemetry to a world line's arbiter and reads its status", async () => {
    const client = await controlClient();
    const line = await createWorldLine({ name: "watched" });
    expect(await result(client, "darkmatter_telemetry_report", { id: line.id, anoms: 5 })).toEqual({ pendingAnoms: 5 });
    const status = await result(client, "darkmatter_arbiter_status", { id: line.id });
    expect(status).toEqual(await rest("GET", `/api/v1/worldlines/${line.id}/arbiter`));
  });

  it("runs a HALO cycle", async () => {
    const client = await controlClient();
    const cycle = await result(client, "darkmatter_halo_cycle");
    expect(cycle).toMatchObject({ id: expect.stringMatching(/^hc_/), trigger: "manual" });
    expect(await rest("GET", `/api/v1/halo/cycles/${cycle.id}`)).toEqual(cycle);
  });
});

// Issue 14: a bad call of a control-plane tool is a tool error (`isError: true`, never a transport
// error) that names the argument at fault, or carries the REST problem's detail, and changes nothing.
import { describe, expect, it } from "vitest";
import { api, createWorldLine } from "../api.js";
import { controlClient, toolError } from "./control-client.js";

/** What a refusal must leave alone: the catalog of world lines, one world line's head, the tasks. */
async function snapshot(id: string) {
  return {
    worldlines: (await api("GET", "/api/v1/worldlines?limit=500")).body,
    head: (await api("GET", `/api/v1/worldlines/${id}`)).body.head,
    tasks: (await api("GET", "/api/v1/tasks?limit=500")).body,
    proposals: (await api("GET", "/api/v1/promotions?limit=500")).body,
  };
}

describe("control-plane tool errors", { timeout: 60_000 }, () => {
  it("a bad argument is a tool error naming its path, and nothing changes", async () => {
    const client = await controlClient();
    const line = await createWorldLine({ name: "target", entities: { sun: { mass: 1 } } });
    const id = line.id;
    const before = await snapshot(id);
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["darkmatter_worldline_create", { name: "" }, /at name/],
      ["darkmatter_worldline_create", { name: "x", entities: { "no spaces": 1 } }, /at entities/],
      ["darkmatter_worldline_list", { limit: 0 }, /at limit/],
      ["darkmatter_worldline_get", { id: "not-an-id" }, /at id/],
      ["darkmatter_worldline_patch", { id, jsonPatch: [{ op: "nope", path: "/sun" }] }, /at jsonPatch\[0\]\.op/],
      ["darkmatter_worldline_patch", { id, jsonPatch: [], mergePatch: {} }, /exactly one of mergePatch/],
      ["darkmatter_worldline_patch", { id }, /exactly one of mergePatch/],
      ["darkmatter_worldline_patch", { id, mergePatch: {}, ifMatch: "abc" }, /at ifMatch/],
      ["darkmatter_worldline_fork", { id, name: "f", privacy: "secret" }, /at privacy/],
      ["darkmatter_worldline_merge", { id, source: "wl_nope" }, /at source/],
      ["darkmatter_worldline_merge", { id, source: id, strategy: "mine" }, /at strategy/],
      ["darkmatter_promotion_propose", { kind: "promote" }, /at worldline/],
      ["darkmatter_promotion_propose", { kind: "rollback", worldline: id }, /at commit/],
      ["darkmatter_promotion_propose", { kind: "demote", worldline: id }, /at kind/],
      ["darkmatter_ledger_proof", { proof: "inclusion" }, /at index/],
      ["darkmatter_ledger_proof", { proof: "consistency", from: 0 }, /at from/],
      ["darkmatter_event_report", { events: [{ type: "worldline.exploded", source: "x" }] }, /at events\[0\]\.type/],
      ["darkmatter_event_report", { events: [] }, /at events/],
      ["darkmatter_task_create", { kind: "Not A Kind", title: "t" }, /at kind/],
      ["darkmatter_telemetry_report", { id, anoms: -1 }, /at anoms/],
      ["darkmatter_events_query", { severity: "loud" }, /at severity/],
    ];
    for (const [tool, args, path] of cases) {
      const text = await toolError(client, tool, args);
      expect(text, `${tool} ${JSON.stringify(args)}`).toMatch(/Invalid arguments for tool/);
      expect(text, `${tool} ${JSON.stringify(args)}`).toMatch(path);
    }
    expect(await snapshot(id)).toEqual(before);
  });

  it("a refusal of the route is a tool error whose text is the problem's detail and code", async () => {
    const client = await controlClient();
    const parent = await createWorldLine({ name: "parent", privacy: "p2p" });
    const strict = await createWorldLine({ name: "strict" });
    const before = await snapshot(parent.id);
    const refusals: [string, Record<string, unknown>, string, string, unknown?][] = [
      [
        "darkmatter_worldline_fork",
        { id: parent.id, name: "loose", privacy: "full-public" },
        "POST",
        `/api/v1/worldlines/${parent.id}/fork`,
        { name: "loose", privacy: "full-public" },
      ],
      [
        "darkmatter_worldline_merge",
        { id: parent.id, source: strict.id },
        "POST",
        `/api/v1/worldlines/${parent.id}/merge`,
        { source: strict.id },
      ],
      [
        "darkmatter_promotion_propose",
        { kind: "rollback", worldline: parent.id, commit: "0".repeat(64) },
        "POST",
        "/api/v1/promotions",
        { kind: "rollback", worldline: parent.id, commit: "0".repeat(64) },
      ],
      ["darkmatter_task_get", { id: "task_none" }, "GET", "/api/v1/tasks/task_none"],
    ];
    for (const [tool, args, method, path, body] of refusals) {
      const problem = (await api(method, path, body === undefined ? {} : { body })).body;
      expect(problem.status, path).toBeGreaterThanOrEqual(400);
      const lines = (await toolError(client, tool, args)).split("\n");
      expect(lines[0], tool).toBe(`${problem.detail} (${problem.code})`);
      expect(lines.slice(1), tool).toEqual(
        (problem.errors ?? []).map((error: { path: string; message: string }) => `${error.path}: ${error.message}`),
      );
    }
    expect(await snapshot(parent.id)).toEqual(before);
  });

  it("refuses a __proto__ key as the REST API does (forbidden-key, at the argument's path), and creates nothing", async () => {
    const client = await controlClient();
    const line = await createWorldLine({ name: "protected", entities: { sun: { mass: 1 } } });
    const before = await snapshot(line.id);
    const created = await toolError(client, "darkmatter_worldline_create", {
      name: "polluted",
      entities: JSON.parse('{"__proto__": {"mass": 1}, "earth": {}}'),
    });
    expect(created).toMatch(/\(forbidden-key\)/);
    expect(created).toMatch(/^\/entities\/__proto__: /m);
    const patched = await toolError(client, "darkmatter_worldline_patch", {
      id: line.id,
      mergePatch: JSON.parse('{"sun": {"__proto__": {"mass": 2}}}'),
    });
    expect(patched).toMatch(/\(forbidden-key\)/);
    expect(patched).toMatch(/^\/mergePatch\/sun\/__proto__: /m);
    expect(await snapshot(line.id)).toEqual(before);
  });

  it("an id that cannot name a record is not found, and never reaches another route", async () => {
    const client = await controlClient();
    expect(await toolError(client, "darkmatter_promotion_get", { id: ".." })).toMatch(/^proposal does not exist/);
    expect(await toolError(client, "darkmatter_task_get", { id: "." })).toMatch(/^task does not exist/);
    expect(await toolError(client, "darkmatter_task_get", { id: "../squads" })).toMatch(
      /task \.\.\/squads does not exist/,
    );
    const refused = await client.readResource({ uri: "darkmatter://worldlines/.." }).catch((error) => error);
    expect(refused.code).toBe(-32002);
  });
});

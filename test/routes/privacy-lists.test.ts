// Issue 12: no paged list tells an anonymous caller that a non-public world line exists. Each list
// gets a private item next to public ones; anonymous paging with limit=1 must never show the
// private item, never hand out a cursor that names it, and still reach every public item exactly
// once, while the operator sees everything. World lines are the one such list anonymous callers
// may read (filtered in the D1 query); events, tasks, squads, spores, grafts and HALO are
// operator-only (README: "🔒 every call, reads included"), so anonymously every page, cursor and
// detail answers 401 and names nothing.
import { beforeAll, describe, expect, it } from "vitest";
import { decodeCursor } from "../../src/stores/page-cursor.js";
import { api, createWorldLine } from "../api.js";
import { eventually } from "../events/helpers.js";
import { squadOf, tag, taskFor } from "../halo/helpers.js";

type Item = { id: string; [key: string]: any };

/** Every page of a list with limit=1, asserting that a page with a `next` is full (a short page is a filter applied after the query). */
async function pages(path: string, token?: string | null) {
  const items: Item[] = [];
  const cursors: string[] = [];
  let cursor: string | null = null;
  do {
    const separator = path.includes("?") ? "&" : "?";
    const page = await api(
      "GET",
      `${path}${separator}limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      { token },
    );
    expect(page.status, `${path}: ${JSON.stringify(page.body)}`).toBe(200);
    if (page.body.next) expect(page.body.items).toHaveLength(1);
    items.push(...page.body.items);
    cursor = page.body.next;
    if (cursor) cursors.push(cursor);
    expect(cursors.length).toBeLessThan(2000); // a cursor that never ends is a bug too
  } while (cursor);
  return { items, ids: items.map((item) => item.id ?? item.fingerprint), cursors };
}

const onceEach = (ids: string[], wanted: string[]) => wanted.map((id) => ids.filter((seen) => seen === id).length);

/** An operator-only read refused anonymously: 401, and the answer names none of `secrets` (beyond `instance`, the caller's own path). */
async function refusedAnonymously(path: string, secrets: string[]) {
  const call = await api("GET", path, { token: null });
  expect([call.status, call.body.code], path).toEqual([401, "unauthorized"]);
  const { instance, ...rest } = call.body;
  expect(instance).toBe(new URL(path, "http://localhost").pathname);
  for (const secret of secrets) expect(JSON.stringify(rest)).not.toContain(secret);
  expect((await api("HEAD", path, { token: null })).status, `HEAD ${path}`).toBe(401);
}

describe("privacy of paged lists", { timeout: 90_000 }, () => {
  let hidden: Item; // private, quarantined by its arbiter: HALO, tasks and events all name it
  let secondHidden: Item; // p2p: not public either
  let open: Item[]; // public-network and full-public

  beforeAll(async () => {
    open = [await createWorldLine({ name: "open-1", privacy: "public-network" })];
    hidden = await createWorldLine({ name: "hidden", entities: { reactor: { load: 1 } } });
    open.push(await createWorldLine({ name: "open-2", privacy: "full-public" }));
    secondHidden = await createWorldLine({ name: "hidden-2", privacy: "p2p" });
    open.push(await createWorldLine({ name: "open-3", privacy: "public-network" }));
    await api("POST", `/api/v1/worldlines/${hidden.id}/telemetry`, { body: { anoms: 15 } });
    const beat = await api("POST", `/api/v1/worldlines/${hidden.id}/arbiter/beats`, { body: { count: 1 } });
    expect(beat.body.decisions[0].action).toBe("QUARANTINE");
  });

  it("world lines: anonymous pages are full, never name a hidden world line, and reach every public one once", async () => {
    const hiddenIds = [hidden.id, secondHidden.id];
    for (const path of ["/api/v1/worldlines", "/api/v1/worldlines?status=active"]) {
      const anonymous = await pages(path, null);
      expect(anonymous.ids.filter((id) => hiddenIds.includes(id))).toEqual([]);
      expect(anonymous.items.every((item) => item.privacy === "public-network" || item.privacy === "full-public")).toBe(
        true,
      );
      expect(
        anonymous.cursors.map((cursor) => decodeCursor(cursor)?.id).filter((id) => hiddenIds.includes(id!)),
      ).toEqual([]);
      expect(
        onceEach(
          anonymous.ids,
          open.map((w) => w.id),
        ),
      ).toEqual([1, 1, 1]);
    }
    const quarantined = await pages("/api/v1/worldlines?status=quarantined", null);
    expect(quarantined.ids).not.toContain(hidden.id);
    expect(quarantined.cursors.map((cursor) => decodeCursor(cursor)?.id)).not.toContain(hidden.id);

    const operator = await pages("/api/v1/worldlines");
    expect(onceEach(operator.ids, [...open.map((w) => w.id), ...hiddenIds])).toEqual([1, 1, 1, 1, 1]);
    expect(operator.cursors.map((cursor) => decodeCursor(cursor)?.id)).toEqual(expect.arrayContaining(hiddenIds));
    expect((await pages("/api/v1/worldlines?status=quarantined")).ids).toContain(hidden.id);
    for (const id of hiddenIds)
      expect((await api("GET", `/api/v1/worldlines/${id}`, { token: null })).status).toBe(404);
  });

  it("events: operator-only; the operator pages the events about a hidden world line once each", async () => {
    const about = (id: string) =>
      eventually(async () => {
        const found = (await pages(`/api/v1/events?worldline=${id}`)).items;
        return found.some((e) => e.type === "arbiter.quarantine") && found;
      }, `the events of ${id}`);
    const events = await about(hidden.id);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(["worldline.created", "arbiter.quarantine"]));
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    const first = await api("GET", `/api/v1/events?worldline=${hidden.id}&limit=1`);
    expect(first.body.next).toEqual(expect.any(String));
    for (const path of [
      "/api/v1/events",
      "/api/v1/events?limit=1",
      `/api/v1/events?worldline=${hidden.id}`,
      `/api/v1/events?limit=1&cursor=${encodeURIComponent(first.body.next)}`,
      `/api/v1/events/${events[0]!.id}`,
      "/api/v1/events/failures",
      "/api/v1/events/failures?limit=1",
    ]) {
      await refusedAnonymously(path, [hidden.id, events[0]!.id]);
    }
    expect((await api("GET", "/api/v1/events/failures?limit=1")).status).toBe(200);
  });

  it("tasks and HALO: operator-only; the quarantine of a hidden world line is a task, a cycle and a trait only the operator pages", async () => {
    const fingerprint = `worldline-quarantined:worldline:${hidden.id}`;
    const task = await taskFor(fingerprint);
    expect(task.subject).toContain(hidden.id);
    const manual = (
      await api("POST", "/api/v1/tasks", { body: { kind: "probe", title: "an open task", subject: open[0]!.id } })
    ).body as Item;
    const tasks = await pages("/api/v1/tasks");
    expect(onceEach(tasks.ids, [task.id, manual.id])).toEqual([1, 1]);
    const cycles = await pages("/api/v1/halo/cycles");
    const cycleId = task.evidence.cycleId as string;
    expect(onceEach(cycles.ids, [cycleId])).toEqual([1]);
    const traits = await pages("/api/v1/halo/traits");
    expect(onceEach(traits.ids, [fingerprint])).toEqual([1]);
    for (const path of [
      "/api/v1/tasks",
      "/api/v1/tasks?limit=1",
      `/api/v1/tasks?fingerprint=${encodeURIComponent(fingerprint)}`,
      `/api/v1/tasks?limit=1&cursor=${encodeURIComponent(tasks.cursors[0] ?? "x")}`,
      `/api/v1/tasks/${task.id}`,
      "/api/v1/halo/cycles",
      "/api/v1/halo/cycles?limit=1",
      `/api/v1/halo/cycles/${cycleId}`,
      "/api/v1/halo/traits",
      "/api/v1/halo/traits?limit=1",
      "/api/v1/halo/resonance",
    ]) {
      await refusedAnonymously(path, [hidden.id, task.id, cycleId]);
    }
  });

  it("squads: operator-only; the operator pages every squad once", async () => {
    const t = tag();
    const { squad } = await squadOf([`pl-a-${t}`], ["*"]);
    const { squad: other } = await squadOf([`pl-b-${t}`], ["probe"]);
    expect(onceEach((await pages("/api/v1/squads")).ids, [squad.id, other.id])).toEqual([1, 1]);
    for (const path of ["/api/v1/squads", "/api/v1/squads?limit=1", `/api/v1/squads/${squad.id}`])
      await refusedAnonymously(path, [squad.id, other.id]);
  });

  it("spores and grafts: operator-only; a graft on a hidden world line is paged by the operator only", async () => {
    const target = await createWorldLine({ name: "graft-hidden" });
    const created = await api("POST", "/api/v1/spores", {
      body: { name: `pl-${tag()}`, entities: { beacon: { on: true } } },
    });
    const spore = (await api("POST", `/api/v1/spores/${created.body.id}/publish`)).body as Item;
    const onHidden = (await api("POST", `/api/v1/spores/${spore.id}/deploy`, { body: { worldline: target.id } }))
      .body as Item;
    const onOpen = (await api("POST", `/api/v1/spores/${spore.id}/deploy`, { body: { worldline: open[1]!.id } }))
      .body as Item;
    expect([onHidden.worldline, onOpen.worldline]).toEqual([target.id, open[1]!.id]);
    expect(onceEach((await pages("/api/v1/spores")).ids, [spore.id])).toEqual([1]);
    const grafts = await pages("/api/v1/grafts");
    expect(onceEach(grafts.ids, [onHidden.id, onOpen.id])).toEqual([1, 1]);
    for (const path of [
      "/api/v1/spores",
      "/api/v1/spores?limit=1",
      `/api/v1/spores/${spore.id}`,
      "/api/v1/grafts",
      "/api/v1/grafts?limit=1",
      `/api/v1/grafts?worldline=${target.id}`,
      `/api/v1/grafts?limit=1&cursor=${encodeURIComponent(grafts.cursors[0] ?? "x")}`,
      `/api/v1/grafts/${onHidden.id}`,
    ]) {
      await refusedAnonymously(path, [target.id, onHidden.id]);
    }
  });
});

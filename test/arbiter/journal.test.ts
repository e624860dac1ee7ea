// Issue 12: reading an arbiter writes nothing; a journal read costs one page, whatever the
// journal's length (the manifest comes from the stored frontier); the full re-verification is the
// operator's, in steps; a non-public world line's arbiter is as invisible as the world line.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createWorldLine } from "../api.js";
import { entryHash, journalManifest, verifyChain } from "../../src/core/arbiter/journal.js";
import { ArbiterJournal } from "../../src/schemas/arbiter.js";

const arbiterStub = (id: string) => env.ARBITER.get(env.ARBITER.idFromName(id)) as unknown as DurableObjectStub;
const beats = (id: string, count: number) => api("POST", `/api/v1/worldlines/${id}/arbiter/beats`, { body: { count } });
const journalPage = async (id: string, query = "") =>
  ArbiterJournal.parse((await api("GET", `/api/v1/worldlines/${id}/arbiter/journal${query}`)).body);
const verify = async (id: string, query = "") =>
  (await api("POST", `/api/v1/worldlines/${id}/arbiter/journal/verify${query}`)).body;

/** Everything the arbiter's Durable Object has stored: its keys and values, its tables and their rows, its alarm. */
const storage = (id: string) =>
  runInDurableObject(arbiterStub(id), async (_instance, state) => {
    const sql = state.storage.sql;
    const tables = sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY name",
      )
      .toArray()
      .map((row) => row.name);
    return {
      kv: [...(await state.storage.list()).entries()].map(([key, value]) => [key, JSON.stringify(value)]),
      tables: Object.fromEntries(
        tables.map((table) => [
          table,
          sql
            .exec(`SELECT * FROM ${table}`)
            .toArray()
            .map((row) => JSON.stringify(row)),
        ]),
      ),
      alarm: await state.storage.getAlarm(),
    };
  });

describe("reading an arbiter writes nothing", () => {
  it("GET of the status and the journal of an arbiter that never ran leaves its storage empty", async () => {
    const wl = await createWorldLine();
    const status = await api("GET", `/api/v1/worldlines/${wl.id}/arbiter`);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ enabled: false, beats: 0, journal: { size: 0 } });
    expect((await api("GET", `/api/v1/worldlines/${wl.id}/arbiter/journal`)).body.code).toBe("no-arbiter");
    expect(await storage(wl.id)).toEqual({ kv: [], tables: {}, alarm: null });
  });

  it("GET of the status and the journal of a running arbiter changes nothing it stored", async () => {
    const wl = await createWorldLine();
    await api("POST", `/api/v1/worldlines/${wl.id}/telemetry`, { body: { anoms: 5 } });
    await beats(wl.id, 2);
    await api("PUT", `/api/v1/worldlines/${wl.id}/arbiter`, { body: { enabled: true, intervalMs: 86_400_000 } });
    const before = await storage(wl.id);
    expect(before.tables.journal).toHaveLength(13);
    for (const token of [undefined, null]) {
      await api("GET", `/api/v1/worldlines/${wl.id}/arbiter`, { token });
      await api("GET", `/api/v1/worldlines/${wl.id}/arbiter/journal?from=3&limit=5`, { token });
    }
    expect(await storage(wl.id)).toEqual(before);
    await api("PUT", `/api/v1/worldlines/${wl.id}/arbiter`, { body: { enabled: false } });
  });
});

describe("the journal, page by page", () => {
  it("pages with from, limit and next; the pages chain into the whole journal, whose manifest the stored one equals", async () => {
    const wl = await createWorldLine();
    await api("POST", `/api/v1/worldlines/${wl.id}/telemetry`, { body: { anoms: 5 } });
    await beats(wl.id, 4); // 1 + 4 × 6 = 25 entries
    const pages = [];
    let from: number | null = 0;
    while (from !== null) {
      const page = await journalPage(wl.id, `?from=${from}&limit=7`);
      pages.push(page);
      from = page.next;
    }
    expect(pages.map((p) => p.entries.length)).toEqual([7, 7, 7, 4]);
    expect(pages.map((p) => p.next)).toEqual([7, 14, 21, null]);
    const entries = pages.flatMap((p) => p.entries);
    expect(entries.map((e) => e.index)).toEqual([...Array(25).keys()]);
    expect(verifyChain(entries).ok).toBe(true);
    // kept incrementally, the manifest is the seed's get_manifest over every entry
    expect(pages[2]!.manifest).toEqual(journalManifest(entries));
    expect(pages[0]!.verification).toBeNull();
    expect((await journalPage(wl.id, "?from=25")).entries).toEqual([]);
    expect((await api("GET", `/api/v1/worldlines/${wl.id}/arbiter/journal?limit=1001`)).status).toBe(400);
  });

  it("a read does not rehash the journal: a stored entry changed behind the arbiter's back is found by the operator's verify", async () => {
    const wl = await createWorldLine();
    await beats(wl.id, 2);
    expect(await verify(wl.id)).toMatchObject({ ok: true, done: true, length: 13 });
    await runInDurableObject(arbiterStub(wl.id), (_instance, state) => {
      state.storage.sql.exec("UPDATE journal SET timestamp = timestamp + 1 WHERE idx = 8");
    });
    const read = await journalPage(wl.id, "?limit=1");
    expect(read.manifest.verified).toBe(true); // what the last verification found: the read checked nothing
    expect(read.verification).toMatchObject({ ok: true, length: 13 });
    expect(await verify(wl.id, "?restart=true")).toMatchObject({ ok: false, firstBadIndex: 8, reason: "hash" });
    expect(await verify(wl.id)).toMatchObject({ ok: false, firstBadIndex: 8 }); // reported until a restart
    expect((await journalPage(wl.id, "?limit=1")).manifest).toMatchObject({ verified: false, merkle_root: null });
  });

  it("verifies in steps of limit entries, each call continuing where the last stopped, then the entries added since", async () => {
    const wl = await createWorldLine();
    await beats(wl.id, 3); // 19 entries
    const steps = [];
    steps.push(await verify(wl.id, "?restart=true&limit=5"));
    for (let i = 0; i < 3; i++) steps.push(await verify(wl.id, "?limit=5"));
    expect(steps.map((s) => [s.length, s.done])).toEqual([
      [5, false],
      [10, false],
      [15, false],
      [19, true],
    ]);
    expect(new Set(steps.map((s) => s.startedAt)).size).toBe(1);
    await beats(wl.id, 1);
    expect(await verify(wl.id)).toMatchObject({
      ok: true,
      done: true,
      length: 25,
      journalLength: 25,
      startedAt: steps[0].startedAt,
    });
    expect((await journalPage(wl.id, "?limit=1")).verification).toMatchObject({ ok: true, done: true, length: 25 });
  });

  it("finds a journal rewritten consistently from one entry on by its Merkle root, which is the arbiter's and the anchored one", async () => {
    const wl = await createWorldLine();
    await beats(wl.id, 2);
    const { entries } = await journalPage(wl.id, "?limit=1000");
    // rewrite from entry 7 on, re-sealing every hash so the chain itself verifies
    let previous = entries[6]!.hash;
    const forged = entries.slice(7).map((entry) => {
      const unsealed = {
        index: entry.index,
        timestamp: entry.timestamp,
        data: entry.index === 7 ? { ...entry.data, forged: true } : entry.data,
        previous_hash: previous,
      };
      previous = entryHash(unsealed);
      return { ...unsealed, hash: previous };
    });
    expect(verifyChain([...entries.slice(0, 7), ...forged]).ok).toBe(true);
    await runInDurableObject(arbiterStub(wl.id), (_instance, state) => {
      for (const e of forged)
        state.storage.sql.exec(
          "UPDATE journal SET data = ?, previous_hash = ?, hash = ? WHERE idx = ?",
          JSON.stringify(e.data),
          e.previous_hash,
          e.hash,
          e.index,
        );
    });
    expect(await verify(wl.id, "?restart=true")).toMatchObject({ ok: false, reason: "merkle_root", length: 13 });
  });

  it("verify is the operator's: without the token it answers 401, and 404 for an arbiter that never ran", async () => {
    const wl = await createWorldLine({ privacy: "full-public" });
    expect((await api("POST", `/api/v1/worldlines/${wl.id}/arbiter/journal/verify`)).body.code).toBe("no-arbiter");
    await beats(wl.id, 1);
    expect((await api("POST", `/api/v1/worldlines/${wl.id}/arbiter/journal/verify`, { token: null })).status).toBe(401);
    expect((await api("POST", `/api/v1/worldlines/${wl.id}/arbiter/journal/verify?limit=0`)).status).toBe(400);
    expect((await journalPage(wl.id)).verification).toBeNull(); // the refused calls verified nothing
  });
});

describe("privacy (README: without the operator token, a non-public world line's existence does not leak)", () => {
  it("anonymous reads of a non-public world line's arbiter and journal answer 404 like the world line; a public one's answer", async () => {
    const hidden = await createWorldLine({ privacy: "private" });
    const open = await createWorldLine({ privacy: "full-public" });
    for (const wl of [hidden, open]) await beats(wl.id, 1);
    for (const path of ["", "/arbiter", "/arbiter/journal", "/arbiter/journal?from=0&limit=1"]) {
      const anonymous = await api("GET", `/api/v1/worldlines/${hidden.id}${path}`, { token: null });
      expect([path, anonymous.status, anonymous.contentType]).toEqual([path, 404, "application/problem+json"]);
      expect(JSON.stringify(anonymous.body)).not.toContain("arbiter has not run");
      expect((await api("GET", `/api/v1/worldlines/${open.id}${path}`, { token: null })).status).toBe(200);
    }
    // a world line that does not exist answers the same
    expect(
      (await api("GET", "/api/v1/worldlines/wl_00000000000000000000000000/arbiter", { token: null })).body.code,
    ).toBe((await api("GET", `/api/v1/worldlines/${hidden.id}/arbiter`, { token: null })).body.code);
  });
});

// Every keyset list pages through one implementation (src/stores/page-cursor.ts, issue 13): a
// cursor the server did not issue is one problem, 400 `invalid-cursor`, on every list, and the
// cursor of a page leads to the next one, newest first, without repeating or skipping a row.
import { describe, expect, it } from "vitest";
import { api, createWorldLine } from "../api.js";

const LISTS = [
  "/api/v1/worldlines",
  "/api/v1/multiverse",
  "/api/v1/events",
  "/api/v1/events/failures",
  "/api/v1/halo/cycles",
  "/api/v1/halo/traits",
  "/api/v1/squads",
  "/api/v1/tasks",
  "/api/v1/spores",
  "/api/v1/grafts",
];
// Not base64, base64 of no `<time>:<id>`, a time that is no integer, and no id after the colon.
const FORGED = ["garbage!", btoa("12345"), btoa("1.5:wl_x"), btoa("12:")];

describe("list cursors", () => {
  it("answers a cursor it did not issue with 400 invalid-cursor on every list", async () => {
    for (const path of LISTS) {
      for (const cursor of FORGED) {
        const answer = await api("GET", `${path}?cursor=${encodeURIComponent(cursor)}`);
        expect([answer.status, answer.contentType, answer.body.code], `${path} ${cursor}`).toEqual([
          400,
          "application/problem+json",
          "invalid-cursor",
        ]);
      }
    }
  });

  it("pages world lines newest first with each page's cursor, every one exactly once", async () => {
    const name = `cursor-${crypto.randomUUID()}`;
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await createWorldLine({ name })).id);
    const seen: Array<{ id: string; createdAt: number }> = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: any = await api(
        "GET",
        `/api/v1/worldlines?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.filter((item: { name: string }) => item.name === name));
      cursor = page.body.next;
      expect(++pages, "a cursor that leads back to the same page").toBeLessThan(1000);
    } while (cursor);
    const newestFirst = [...seen].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
    expect(seen.map((item) => item.id)).toEqual(newestFirst.map((item) => item.id));
    expect(seen.map((item) => item.id).sort()).toEqual([...created].sort());
  });
});

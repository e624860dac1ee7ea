// Production D1 and Durable Object SQLite bind at most 100 parameters per statement. These tests
// pin that the local runtime refuses the 101st as well, so every other test fails where production
// would if some statement is not chunked (if a workerd update ever lifted the local limit, this
// file fails first and says why).
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_BOUND_PARAMETERS } from "../../src/stores/page-cursor.js";

const inList = (n: number) => `SELECT 1 IN (${Array.from({ length: n }, () => "?").join(",")}) AS found`;
const values = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe("the 100-parameter limit of D1 and Durable Object SQLite, locally as in production", () => {
  it("D1 binds 100 parameters and refuses 101", async () => {
    expect(
      await env.DB.prepare(inList(MAX_BOUND_PARAMETERS))
        .bind(...values(MAX_BOUND_PARAMETERS))
        .first("found"),
    ).toBe(1);
    await expect(
      env.DB.prepare(inList(MAX_BOUND_PARAMETERS + 1))
        .bind(...values(MAX_BOUND_PARAMETERS + 1))
        .first("found"),
    ).rejects.toThrow(/too many SQL variables/);
  });

  it("Durable Object SQLite binds 100 parameters and refuses 101", async () => {
    const stub = env.WORLDLINE.get(env.WORLDLINE.idFromName("parameter-limit-probe"));
    const outcome = await runInDurableObject(stub, (_instance, state) => {
      const hundred = state.storage.sql
        .exec<{ found: number }>(inList(MAX_BOUND_PARAMETERS), ...values(MAX_BOUND_PARAMETERS))
        .one().found;
      let refused = "";
      try {
        state.storage.sql.exec(inList(MAX_BOUND_PARAMETERS + 1), ...values(MAX_BOUND_PARAMETERS + 1));
      } catch (error) {
        refused = (error as Error).message;
      }
      return { hundred, refused };
    });
    expect(outcome.hundred).toBe(1);
    expect(outcome.refused).toMatch(/too many SQL variables/);
  });
});

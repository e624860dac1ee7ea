// GET /healthz, request ids and the structured log lines (issue 16), through the Worker's own
// fetch handler with the real D1, Ledger object and queue. A component is made to fail by
// replacing its binding, nothing else.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { checkComponent, healthProbe } from "../../src/core/health.js";
import { directApi } from "../fuzz.js";
import { OPERATOR_TOKEN } from "../api.js";
import { deliver, message } from "../events/helpers.js";

afterEach(() => vi.restoreAllMocks());

/** The env with D1 replaced by one that fails every statement, as an unreachable database would. */
const envWithFailingDb = (): Env =>
  ({
    ...env,
    DB: {
      prepare() {
        throw new Error("D1_ERROR: Network connection lost.");
      },
    },
  }) as unknown as Env;

/** Every JSON line written through console.log while `work` runs. */
async function logLines(work: () => Promise<unknown>): Promise<{ lines: Array<Record<string, any>>; raw: string }> {
  const written: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    written.push(args.map(String).join(" "));
  });
  try {
    await work();
  } finally {
    spy.mockRestore();
  }
  const lines = written.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, any>];
    } catch {
      return [];
    }
  });
  return { lines, raw: written.join("\n") };
}

describe("GET /healthz", () => {
  it("answers 200 with D1, the ledger and the queue each up and timed", async () => {
    const reply = await directApi("GET", "/healthz", { token: null });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      ok: true,
      version: expect.any(String),
      time: expect.any(Number),
      components: {
        d1: { ok: true, ms: expect.any(Number) },
        ledger: { ok: true, ms: expect.any(Number) },
        queue: { ok: true, ms: expect.any(Number) },
      },
    });
    expect(reply.body.failing).toBeUndefined();
    expect(reply.headers.get("cache-control")).toBe("no-store");
  });

  it("answers 503 naming d1, with its error, when the database fails; the other components stay up", async () => {
    const reply = await directApi("GET", "/healthz", { token: null, env: envWithFailingDb() });
    expect(reply.status).toBe(503);
    expect(reply.body.ok).toBe(false);
    expect(reply.body.failing).toEqual(["d1"]);
    expect(reply.body.components.d1).toMatchObject({
      ok: false,
      error: expect.stringContaining("Network connection lost"),
    });
    expect(reply.body.components.ledger.ok).toBe(true);
    expect(reply.body.components.queue.ok).toBe(true);
  });

  it("names every component that is down: a queue that refuses beside a failing database", async () => {
    const broken = {
      ...envWithFailingDb(),
      EVENTS: {
        send: async () => {
          throw new Error("Queue send failed: queue is overloaded");
        },
      },
    } as unknown as Env;
    const reply = await directApi("GET", "/healthz", { token: null, env: broken });
    expect(reply.status).toBe(503);
    expect(reply.body.failing).toEqual(["d1", "queue"]);
    expect(reply.body.components.queue.error).toContain("overloaded");
  });

  it("?deep=false is liveness only: 200 without calling anything, even with every dependency failing", async () => {
    const broken = {
      ...envWithFailingDb(),
      LEDGER: {
        getByName() {
          throw new Error("no ledger");
        },
      },
      EVENTS: {
        send() {
          throw new Error("no queue");
        },
      },
    } as unknown as Env;
    const reply = await directApi("GET", "/healthz?deep=false", { token: null, env: broken });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ ok: true, service: "darkmatter-edge" });
    expect(reply.body.components).toBeUndefined();
  });

  it("a component that does not answer in time counts as down", async () => {
    const result = await checkComponent(() => new Promise(() => {}), 20);
    expect(result).toMatchObject({ ok: false, error: "Error: no answer within 20 ms" });
    expect(result.ms).toBeGreaterThanOrEqual(19);
  });

  it("the queue's health probe is acked by the consumer and stored nowhere", async () => {
    const count = async (table: string) =>
      (await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<{ n: number }>())!.n;
    const before = [await count("events"), await count("event_failures")];
    const probe = message(healthProbe());
    const { lines } = await logLines(async () => {
      const result = await deliver("dm-events", [probe]);
      expect([...result.acked]).toEqual([probe.id]);
      expect(result.retried.size).toBe(0);
    });
    expect([await count("events"), await count("event_failures")]).toEqual(before);
    expect(lines.filter((line) => line.msg === "queue batch")).toEqual([
      expect.objectContaining({
        level: "info",
        queue: "dm-events",
        messages: 1,
        probes: 1,
        done: 0,
        failed: 0,
        ok: true,
      }),
    ]);
  });
});

describe("request ids", () => {
  it("a client's x-request-id is echoed on the response", async () => {
    const reply = await directApi("GET", "/healthz?deep=false", { headers: { "x-request-id": "trace-42.a:b" } });
    expect(reply.headers.get("x-request-id")).toBe("trace-42.a:b");
  });

  it("an unsafe or overlong x-request-id is replaced by a generated one", async () => {
    for (const given of ["a b", "x".repeat(129), "<script>", ""]) {
      const reply = await directApi("GET", "/healthz?deep=false", { headers: { "x-request-id": given } });
      expect(reply.headers.get("x-request-id"), JSON.stringify(given)).toMatch(/^req_[0-9a-z]{26}$/);
    }
  });

  it("problem+json carries the request id as requestId, and instance stays the path", async () => {
    const reply = await directApi("GET", "/api/v1/worldlines/wl_00000000000000000000000000", {
      headers: { "x-request-id": "problem-trace-1" },
    });
    expect(reply.status).toBe(404);
    expect(reply.contentType).toBe("application/problem+json");
    expect(reply.body).toMatchObject({
      code: "not-found",
      requestId: "problem-trace-1",
      instance: "/api/v1/worldlines/wl_00000000000000000000000000",
    });
    expect(reply.headers.get("x-request-id")).toBe("problem-trace-1");
  });

  it("a refusal by the auth middleware carries it too", async () => {
    const reply = await directApi("POST", "/api/v1/worldlines", { token: "wrong-token", body: { name: "x" } });
    expect(reply.status).toBe(403);
    expect(reply.body.requestId).toMatch(/^req_/);
    expect(reply.headers.get("x-request-id")).toBe(reply.body.requestId);
  });
});

describe("request log lines", () => {
  it("one JSON line per request: time, level, request id, method, route pattern, status, duration — and no token", async () => {
    const { lines, raw } = await logLines(async () => {
      await directApi("GET", "/api/v1/worldlines/wl_00000000000000000000000000", {
        headers: { "x-request-id": "log-trace-1", "x-secret-header": "not-logged" },
      });
    });
    const mine = lines.filter((line) => line.requestId === "log-trace-1" && line.msg === "request");
    expect(mine).toEqual([
      {
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        level: "warn",
        msg: "request",
        requestId: "log-trace-1",
        method: "GET",
        route: "/api/v1/worldlines/:id",
        status: 404,
        durationMs: expect.any(Number),
        code: "not-found",
      },
    ]);
    expect(raw).not.toContain(OPERATOR_TOKEN);
    expect(raw).not.toContain("not-logged");
    expect(raw).not.toContain("wl_00000000000000000000000000"); // the pattern, never the raw path
  });

  it("a successful request is logged at info without a code", async () => {
    const { lines } = await logLines(() =>
      directApi("GET", "/healthz?deep=false", { headers: { "x-request-id": "log-trace-2" } }),
    );
    expect(lines.filter((line) => line.requestId === "log-trace-2")).toEqual([
      expect.objectContaining({ level: "info", method: "GET", route: "/healthz", status: 200 }),
    ]);
    expect(lines.find((line) => line.requestId === "log-trace-2")).not.toHaveProperty("code");
  });
});

// The dashboard's two ways in from a browser: CORS on /api (only DM_DASHBOARD_ORIGIN, here
// https://dashboard.test, besides the Worker's own origin) and the live WebSocket (same origins;
// change hints filtered by what the socket proved). Real routes, the real Live Durable Object,
// and real events through the queue.
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, OPERATOR_TOKEN } from "../api.js";
import { liveStub } from "../../src/stubs.js";
import type { LiveFrame } from "../../src/core/live-notification.js";

const DASHBOARD = "https://dashboard.test";
const worker = () => (exports as any).default as { fetch: (request: Request) => Promise<Response> };

describe("CORS on the API", () => {
  it("answers a preflight from the dashboard's origin with the methods and headers the dashboard sends", async () => {
    const response = await worker().fetch(
      new Request("http://localhost/api/v1/worldlines/wl_x/state", {
        method: "OPTIONS",
        headers: {
          origin: DASHBOARD,
          "access-control-request-method": "PATCH",
          "access-control-request-headers": "authorization, content-type, if-match, x-dm-author",
        },
      }),
    );
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(DASHBOARD);
    expect(response.headers.get("access-control-allow-methods")).toContain("PATCH");
    const allowed = response.headers
      .get("access-control-allow-headers")!
      .split(",")
      .map((h) => h.trim());
    expect(allowed).toEqual(
      expect.arrayContaining(["authorization", "content-type", "if-match", "x-dm-author", "x-dm-message"]),
    );
  });

  it("lets the dashboard's origin read answers, ETag included, and refuses every other origin", async () => {
    const created = await api("POST", "/api/v1/worldlines", { body: { name: "cors" }, headers: { origin: DASHBOARD } });
    expect(created.status).toBe(201);
    expect(created.headers.get("access-control-allow-origin")).toBe(DASHBOARD);
    const read = await api("GET", `/api/v1/worldlines/${created.body.id}`, { headers: { origin: DASHBOARD } });
    expect(read.headers.get("access-control-allow-origin")).toBe(DASHBOARD);
    expect(read.headers.get("access-control-expose-headers")).toContain("etag");
    expect(read.headers.get("vary")).toContain("Origin");

    for (const origin of ["https://evil.test", "https://dashboard.test.evil.test", "http://dashboard.test", "null"]) {
      const refused = await api("GET", `/api/v1/worldlines/${created.body.id}`, { headers: { origin } });
      expect(refused.headers.get("access-control-allow-origin"), origin).toBeNull();
      const preflight = await worker().fetch(
        new Request("http://localhost/api/v1/worldlines", {
          method: "OPTIONS",
          headers: { origin, "access-control-request-method": "POST" },
        }),
      );
      expect(preflight.headers.get("access-control-allow-origin"), origin).toBeNull();
    }
  });
});

/** A live socket as a dashboard opens one; frames are collected as they arrive. */
async function connect(headers: Record<string, string> = {}) {
  const response = await worker().fetch(
    new Request("http://localhost/api/v1/live", { headers: { upgrade: "websocket", ...headers } }),
  );
  expect(response.status).toBe(101);
  const socket = response.webSocket!;
  const frames: LiveFrame[] = [];
  const waiters: Array<() => void> = [];
  socket.addEventListener("message", (event) => {
    frames.push(JSON.parse(event.data as string));
    waiters.splice(0).forEach((wake) => wake());
  });
  socket.accept();
  /** The next frame matching `test`, at most `timeout` ms away. */
  const next = async (test: (frame: LiveFrame) => boolean, timeout = 15_000): Promise<LiveFrame> => {
    const deadline = Date.now() + timeout;
    for (;;) {
      const found = frames.find(test);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no such frame; got ${JSON.stringify(frames)}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  };
  return { socket, frames, next, send: (frame: unknown) => socket.send(JSON.stringify(frame)) };
}

const changeOf = (worldline: string) => (frame: LiveFrame) =>
  frame.type === "change" && frame.notification.worldline === worldline;

describe("the live channel", { timeout: 30_000 }, () => {
  it("is a WebSocket: a plain GET gets 426 problem+json", async () => {
    const plain = await api("GET", "/api/v1/live");
    expect(plain.status).toBe(426);
    expect(plain.contentType).toContain("application/problem+json");
    expect(plain.body.code).toBe("upgrade-required");
  });

  it("answers a request that is not an upgrade as problem+json in the Live object too, not as plain text", async () => {
    const plain = await liveStub(env).fetch(new Request("http://localhost/api/v1/live"));
    expect([plain.status, plain.headers.get("content-type")]).toEqual([426, "application/problem+json"]);
    expect(await plain.json()).toMatchObject({ status: 426, code: "upgrade-required", instance: "/api/v1/live" });
  });

  it("is documented where it is served: /api/v1/live in the OpenAPI document", async () => {
    const paths = Object.keys((await api("GET", "/api/openapi.json")).body.paths);
    expect(paths).toContain("/api/v1/live");
    expect(paths.filter((path) => path.includes("live"))).toEqual(["/api/v1/live"]); // was /api/v1/api/v1/live
  });

  it("refuses a browser on any origin but the Worker's own and the dashboard's, before opening anything", async () => {
    const refused = await api("GET", "/api/v1/live", {
      headers: { upgrade: "websocket", origin: "https://evil.test" },
    });
    expect(refused.status).toBe(403);
    expect(refused.contentType).toContain("application/problem+json");
    expect(refused.body).toMatchObject({ code: "origin-not-allowed" });
    expect(refused.body.detail).toContain("DM_DASHBOARD_ORIGIN");
    for (const origin of [DASHBOARD, "http://localhost"]) {
      const live = await connect({ origin });
      expect(await live.next((f) => f.type === "hello")).toEqual({ type: "hello", operator: false });
      live.socket.close(1000);
    }
  });

  it("tells an anonymous dashboard about public world lines only, and without ids", async () => {
    const live = await connect({ origin: DASHBOARD });
    await live.next((f) => f.type === "hello");
    const hidden = await api("POST", "/api/v1/worldlines", { body: { name: "live-private" } });
    const shown = await api("POST", "/api/v1/worldlines", { body: { name: "live-public", privacy: "full-public" } });
    const change = await live.next(changeOf(shown.body.id));
    expect(change).toMatchObject({
      type: "change",
      notification: { type: "worldline.created", audience: "public", topics: ["worldlines"], worldline: shown.body.id },
    });
    expect(change.type === "change" && change.notification.id).toBeUndefined(); // event ids lead to operator-only data
    // Both events went through the same queue and consumer; by the time the public one is here the private one was published too.
    expect(live.frames.some(changeOf(hidden.body.id))).toBe(false);
    live.socket.close(1000);
  });

  it("tells a socket that presented the operator token (as a frame, as browsers must) about everything", async () => {
    const live = await connect({ origin: DASHBOARD });
    await live.next((f) => f.type === "hello");
    live.send({ type: "auth", token: "not-the-token" });
    expect(await live.next((f) => f.type === "error")).toMatchObject({
      detail: expect.stringContaining("not the operator token"),
    });
    live.send({ type: "auth", token: OPERATOR_TOKEN });
    await live.next((f) => f.type === "hello" && f.operator);
    const hidden = await api("POST", "/api/v1/worldlines", { body: { name: "live-private-seen" } });
    const change = await live.next(changeOf(hidden.body.id));
    expect(change).toMatchObject({
      notification: {
        type: "worldline.created",
        audience: "operator",
        topics: ["events", "worldlines"],
        id: expect.stringMatching(/^ev_/),
      },
    });
    live.socket.close(1000);
  });

  it("takes the token from the Authorization header of a non-browser client, and answers garbage frames with an error", async () => {
    const live = await connect({ authorization: `Bearer ${OPERATOR_TOKEN}` });
    expect(await live.next((f) => f.type === "hello")).toEqual({ type: "hello", operator: true });
    live.socket.send("{not json");
    expect(await live.next((f) => f.type === "error")).toMatchObject({ detail: expect.stringContaining("JSON") });
    live.socket.send("x".repeat(5000));
    await live.next((f) => f.type === "error" && f.detail.includes("4096"));
    // The socket is still the operator's after the garbage: a private change still arrives.
    const sent = await liveStub(env).publish([
      { topics: ["tasks"], type: "squad.task.created", audience: "operator", id: "task_1", at: Date.now() },
    ]);
    expect(sent).toBeGreaterThanOrEqual(1);
    expect(await live.next((f) => f.type === "change" && f.notification.id === "task_1")).toMatchObject({
      notification: { topics: ["tasks"] },
    });
    live.socket.close(1000);
  });
});

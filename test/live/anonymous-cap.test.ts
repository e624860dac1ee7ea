// Issue 11: one client address cannot hold the live channel's sockets. Anonymous sockets are
// capped per address (IPv4, or IPv6 by /64) through the real route and the real Live object;
// other addresses and the operator are unaffected.
import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { OPERATOR_TOKEN } from "../api.js";
import { LIVE_CLIENT_HEADER, MAX_ANONYMOUS_SOCKETS_PER_CLIENT } from "../../src/core/live-notification.js";
import type { LiveFrame } from "../../src/core/live-notification.js";

const worker = () => (exports as any).default as { fetch: (request: Request) => Promise<Response> };
const open: WebSocket[] = [];

afterEach(() => {
  for (const socket of open.splice(0)) socket.close(1000);
});

const upgrade = (address: string, headers: Record<string, string> = {}) =>
  worker().fetch(
    new Request("http://localhost/api/v1/live", {
      headers: { upgrade: "websocket", "cf-connecting-ip": address, ...headers },
    }),
  );

/** An accepted socket whose frames are collected; `next` waits for one matching `test`. */
async function connect(address: string, headers: Record<string, string> = {}) {
  const response = await upgrade(address, headers);
  expect(response.status, `${address} should connect`).toBe(101);
  const socket = response.webSocket!;
  const frames: LiveFrame[] = [];
  socket.addEventListener("message", (event) => {
    frames.push(JSON.parse(event.data as string));
  });
  socket.accept();
  open.push(socket);
  const next = async (test: (frame: LiveFrame) => boolean) => {
    for (
      const deadline = Date.now() + 10_000;
      Date.now() < deadline;
      await new Promise((resolve) => setTimeout(resolve, 50))
    ) {
      const found = frames.find(test);
      if (found) return found;
    }
    throw new Error(`no such frame; got ${JSON.stringify(frames)}`);
  };
  return { socket, next };
}

async function fill(addresses: (i: number) => string) {
  const sockets = [];
  for (let i = 0; i < MAX_ANONYMOUS_SOCKETS_PER_CLIENT; i++) sockets.push(await connect(addresses(i)));
  return sockets;
}

async function expectRefused(response: Response) {
  expect(response.status).toBe(429);
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  expect(await response.json()).toMatchObject({
    status: 429,
    code: "too-many-live-sockets",
    detail: expect.stringContaining("operator token"),
  });
  expect(response.webSocket).toBeNull();
}

describe("anonymous live sockets per client address", { timeout: 30_000 }, () => {
  it("refuses one more than the cap from one address, while another address and the operator still connect", async () => {
    await fill(() => "203.0.113.50");
    await expectRefused(await upgrade("203.0.113.50"));
    // The route sets the client key itself: a copy the client sends is overwritten, not believed.
    await expectRefused(await upgrade("203.0.113.50", { [LIVE_CLIENT_HEADER]: "198.51.100.99" }));
    await connect("203.0.113.51");
    const operator = await connect("203.0.113.50", { authorization: `Bearer ${OPERATOR_TOKEN}` });
    expect(await operator.next((f) => f.type === "hello")).toEqual({ type: "hello", operator: true });
  });

  it("counts IPv6 clients by /64: eight addresses of one /64 fill it, the next /64 is free", async () => {
    await fill((i) => `2001:db8:5:6::${i + 1}`);
    await expectRefused(await upgrade("2001:db8:5:6:abcd::1"));
    await connect("2001:db8:5:7::1");
  });

  it("stops counting a socket once it authenticates as the operator with an auth frame", async () => {
    const sockets = await fill(() => "203.0.113.52");
    await expectRefused(await upgrade("203.0.113.52"));
    sockets[0]!.socket.send(JSON.stringify({ type: "auth", token: OPERATOR_TOKEN }));
    await sockets[0]!.next((f) => f.type === "hello" && f.operator);
    await connect("203.0.113.52");
    await expectRefused(await upgrade("203.0.113.52"));
  });

  it("frees a slot when a socket closes", async () => {
    const sockets = await fill(() => "203.0.113.53");
    sockets[0]!.socket.close(1000);
    let response = await upgrade("203.0.113.53");
    for (
      const deadline = Date.now() + 10_000;
      response.status === 429 && Date.now() < deadline;
      response = await upgrade("203.0.113.53")
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100)); // the close reaches the object asynchronously
    }
    expect(response.status).toBe(101);
    response.webSocket!.accept();
    open.push(response.webSocket!);
  });
});

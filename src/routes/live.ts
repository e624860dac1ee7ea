// GET /api/v1/live: a WebSocket of change hints for dashboards (durable-objects/live.ts). The
// operator token may come as the Authorization header (non-browser clients) or, since browsers
// cannot set headers on a WebSocket, as the first frame {"type": "auth", "token": "…"}.
// Browsers are held to the same origins as CORS: this page's own, or DM_DASHBOARD_ORIGIN.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { DomainError } from "../core/problem.js";
import { problemResponses } from "../schemas/common.js";
import type { AppEnv } from "../http/app-env.js";
import { edgeProblems } from "../http/openapi.js";
import { requestClientKey } from "../core/client-address.js";
import {
  LIVE_CLIENT_HEADER,
  LIVE_OPERATOR_HEADER,
  MAX_ANONYMOUS_SOCKETS_PER_CLIENT,
} from "../core/live-notification.js";
import { liveStub } from "../stubs.js";

export const liveRoutes = new OpenAPIHono<AppEnv>();

// The path is relative to where app.ts mounts this router (/api/v1), like every other route's.
liveRoutes.openAPIRegistry.registerPath({
  method: "get",
  path: "/live",
  tags: ["live"],
  summary: "WebSocket of change hints for dashboards",
  description:
    'Upgrade to a WebSocket. The server sends `{"type":"hello","operator":bool}`, then `{"type":"change","notification":{topics,type,audience,worldline?,agent?,id?,at}}` for each change. ' +
    'Send `{"type":"auth","token":"<DM_OPERATOR_TOKEN>"}` to receive private changes; without it only public world lines\' changes arrive. Text `ping` is answered `pong`. ' +
    `One client address (IPv4, or IPv6 by /64) may hold ${MAX_ANONYMOUS_SOCKETS_PER_CLIENT} anonymous sockets at once; more are refused with 429.`,
  responses: {
    101: { description: "switching to the WebSocket protocol", content: { "text/plain": { schema: z.string() } } },
    ...problemResponses(
      ...edgeProblems({ method: "get" }),
      "origin-not-allowed",
      "upgrade-required",
      "too-many-live-sockets",
      "live-full",
    ),
  },
});

liveRoutes.get("/live", async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket")
    throw new DomainError("upgrade-required", "GET /api/v1/live is a WebSocket: connect with Upgrade: websocket");
  const origin = c.req.header("origin");
  if (origin && origin !== new URL(c.req.url).origin && origin !== c.env.DM_DASHBOARD_ORIGIN) {
    throw new DomainError(
      "origin-not-allowed",
      `origin ${origin.slice(0, 200)} may not open the live channel; set DM_DASHBOARD_ORIGIN to the dashboard's origin`,
    );
  }
  const stub = liveStub(c.env);
  const headers = new Headers(c.req.raw.headers);
  headers.set(LIVE_OPERATOR_HEADER, c.get("isOperator") ? "1" : "0");
  headers.set(LIVE_CLIENT_HEADER, requestClientKey(c.req.raw)); // set, not appended: a client's own copy is overwritten
  return stub.fetch(new Request(c.req.raw.url, { method: "GET", headers }));
});

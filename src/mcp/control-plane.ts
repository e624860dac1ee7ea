// POST /mcp: the control plane's MCP endpoint (MCP 2025-11-25, stateless Streamable HTTP through
// src/mcp/serve.ts). Credentials: the operator token opens every tool; no Authorization header is
// an anonymous caller, served the read-only tools over public data; any other token is a 401 with
// `WWW-Authenticate: Bearer` (MCP 2025-11-25 "Authorization" §2.3: an invalid token is a 401), so
// a mistyped token is never silently downgraded to anonymous. GET (a server-to-client stream) and
// DELETE (a session) answer 405: there is nothing to stream and no session (spec "Transports").
// A browser's Origin must be this Worker's advertised origin (DM_PUBLIC_URL) or the dashboard's
// (DM_DASHBOARD_ORIGIN), else 403 (spec "Transports" § Security Warning: against DNS rebinding,
// which is why the request's own Host does not count); clients outside browsers send none.
import type { Context, Handler, Hono } from "hono";
import type { RequestId } from "@modelcontextprotocol/sdk/types.js";
import { bearerToken, isOperatorToken } from "../core/operator-token.js";
import type { AppEnv } from "../http/app-env.js";
import { problem } from "../http/problem.js";
import { publicOrigin } from "../mesh/transport.js";
import { restClient } from "./control-rest.js";
import { controlPlaneServer, type SentArguments } from "./control-server.js";
import { jsonRpcMessages, McpServerPool, readMcpBody, type McpBody } from "./serve.js";

/** The Worker's app, whose /api/v1 routes the tools call in-process. */
type App = Pick<Hono<AppEnv>, "fetch">;

export const controlPlaneMcp = (app: App, version: string): Handler<AppEnv> => {
  const pool = new McpServerPool((key) => controlPlaneServer({ isOperator: key === "operator", version }));
  return async (c) => {
    const origin = c.req.header("origin");
    if (origin !== undefined && origin !== new URL(publicOrigin(c.env)).origin && origin !== c.env.DM_DASHBOARD_ORIGIN)
      return problem(
        c,
        "origin-not-allowed",
        `origin ${origin.slice(0, 200)} may not use this MCP server: browsers may call it from DM_PUBLIC_URL's origin or DM_DASHBOARD_ORIGIN`,
      );
    const authorization = c.req.header("authorization");
    if (authorization !== undefined && !isOperatorToken(bearerToken(authorization), c.env.DM_OPERATOR_TOKEN))
      return problem(
        c,
        "unauthorized",
        "the bearer token is not the operator token: send Authorization: Bearer <DM_OPERATOR_TOKEN>, or no Authorization header for the read-only tools over public data",
        {},
        { "www-authenticate": 'Bearer realm="darkmatter"' },
      );
    // Read here (bounded) rather than by the transport, to keep the tools/call arguments as sent.
    const body = await readMcpBody(c);
    if (body instanceof Response) return body;
    let executionCtx: Context["executionCtx"] | undefined;
    try {
      executionCtx = c.executionCtx;
    } catch {
      executionCtx = undefined; // app.request in a unit test has none; nothing then waits for background work
    }
    const rest = restClient(async (request) => app.fetch(request, c.env, executionCtx), c.req.url, authorization);
    const caller = authorization === undefined ? "anonymous" : "operator";
    return pool.serve(c.req.raw, body, caller, { rest, sent: sentArguments(body) });
  };
};

/**
 * Each tools/call's `arguments` as the client sent them, by request id (one message per POST in
 * 2025-11-25, which dropped JSON-RPC batches; older clients may still batch). JSON.parse keeps a
 * `__proto__` key as an own property, so the REST body check still sees it.
 */
function sentArguments(body: McpBody): SentArguments {
  const sent = new Map<RequestId, Record<string, unknown>>();
  for (const message of jsonRpcMessages(body)) {
    if (!isObject(message) || message.method !== "tools/call") continue;
    if (typeof message.id !== "string" && typeof message.id !== "number") continue;
    const args = isObject(message.params) ? message.params.arguments : undefined;
    sent.set(message.id, isObject(args) ? args : {});
  }
  return (id) => sent.get(id);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

// POST /agents/{name}/mcp: the hosted agent's MCP server over stateless Streamable HTTP (MCP
// 2025-11-25 "Transports"; src/mcp/serve.ts). In order: a name not hosted here is 404 before any
// Agent object is addressed (as the mesh route does); then `Authorization: Bearer` with the
// operator token or the agent's own token (src/mesh/agent-access.ts), else 401 with
// WWW-Authenticate (RFC 6750 §3); a browser Origin other than ours is 403 (the transport spec's
// DNS-rebinding rule); only POST is served (no SSE stream to GET, no session to DELETE: 405).
// The body is read once, bounded (src/mcp/serve.ts), to see whether it lists tools —
// darkmatter_status's description carries the live status then — and handed to the transport.
import type { Context } from "hono";
import { bearerToken, isOperatorToken } from "../core/operator-token.js";
import { unwrap } from "../core/problem.js";
import type { AppEnv } from "../http/app-env.js";
import { problem } from "../http/problem.js";
import { isAgentToken, isHostedAgent } from "../mesh/agent-access.js";
import { publicOrigin } from "../mesh/transport.js";
import { agentMcpServer, agentToolContext } from "./agent-server.js";
import { jsonRpcMessages, McpServerPool, readMcpBody, type McpBody } from "./serve.js";

/** Does this JSON-RPC body (one message or a batch) call tools/list? */
function listsTools(body: McpBody): boolean {
  return jsonRpcMessages(body).some((message) => (message as { method?: unknown } | null)?.method === "tools/list");
}

export const agentMcpEndpoint = (server: { version: string }) => {
  const pool = new McpServerPool((name) => agentMcpServer(name, server.version));
  return async (c: Context<AppEnv>): Promise<Response> => {
    const name = c.req.param("name") ?? "";
    const request = c.req.raw;
    // A refusal leaves the body unread and does not cancel it: under `wrangler dev`, answering
    // after request.body.cancel() turned about one refusal in four into a 503 "Your worker
    // restarted mid-request" (measured: 63 of 240 refusals with the cancel, 0 without).
    if (!(await isHostedAgent(c.env, name)))
      return problem(c, "not-found", `no agent "${name.slice(0, 64)}" is hosted here`);
    const token = bearerToken(c.req.header("authorization"));
    const isAllowed = isOperatorToken(token, c.env.DM_OPERATOR_TOKEN) || (await isAgentToken(c.env, name, token));
    if (!isAllowed)
      return problem(
        c,
        "unauthorized",
        `this MCP server needs Authorization: Bearer <DM_OPERATOR_TOKEN> or the token of agent "${name}"`,
        {},
        { "www-authenticate": `Bearer realm="darkmatter"${token === null ? "" : ', error="invalid_token"'}` },
      );
    const origin = c.req.header("origin");
    if (origin !== undefined && origin !== publicOrigin(c.env) && origin !== c.env.DM_DASHBOARD_ORIGIN)
      return problem(
        c,
        "origin-not-allowed",
        `origin ${origin.slice(0, 200)} may not use this MCP server: browsers may call it from DM_PUBLIC_URL's origin or DM_DASHBOARD_ORIGIN`,
      );
    const body = await readMcpBody(c);
    if (body instanceof Response) return body;
    const context = agentToolContext(c.env, name);
    const liveStatus = listsTools(body) ? unwrap(await (await context.agent()).statusLine()) : undefined;
    return pool.serve(request, body, name, { context, liveStatus });
  };
};

// POST /agents/{name}/mcp: the hosted agent's MCP server over stateless Streamable HTTP (MCP
// 2025-11-25 "Transports"; src/mcp/serve.ts). In order: a name not hosted here is 404 before any
// Agent object is addressed (as the mesh route does); then `Authorization: Bearer` with the
// operator token or the agent's own token (src/mesh/agent-access.ts), else 401 with
// WWW-Authenticate (RFC 6750 §3); a browser Origin other than ours is 403 (the transport spec's
// DNS-rebinding rule); only POST is served (no SSE stream to GET, no session to DELETE: 405).
// The body is read once, bounded, to see whether it lists tools — darkmatter_status's
// description carries the live status then — and handed on to the transport.
import type { Context } from "hono";
import { requestBodyTooLargeMessage, readRequestBody } from "@modelcontextprotocol/sdk/server/requestBody.js";
import { bearerToken, isOperatorToken } from "../core/operator-token.js";
import { unwrap } from "../core/problem.js";
import type { AppEnv } from "../http/app-env.js";
import { problem } from "../http/problem.js";
import { isAgentToken, isHostedAgent } from "../mesh/agent-access.js";
import { publicOrigin } from "../mesh/transport.js";
import { agentMcpServer, agentToolContext } from "./agent-server.js";
import { MAX_MCP_BODY_BYTES, serveMcp } from "./serve.js";

/** A JSON-RPC error answered over HTTP before any server exists (the transport answers the same shape). */
function jsonRpcError(status: number, message: string, headers: Record<string, string> = {}): Response {
  return Response.json({ jsonrpc: "2.0", error: { code: -32000, message }, id: null }, { status, headers });
}

/** Does this JSON-RPC body (one message or a batch) call tools/list? */
function listsTools(text: string): boolean {
  try {
    const body: unknown = JSON.parse(text);
    return (Array.isArray(body) ? body : [body]).some(
      (message) => (message as { method?: unknown } | null)?.method === "tools/list",
    );
  } catch {
    return false; // not JSON: the transport answers the parse error
  }
}

export const agentMcpEndpoint =
  (server: { version: string }) =>
  async (c: Context<AppEnv>): Promise<Response> => {
    const name = c.req.param("name") ?? "";
    const request = c.req.raw;
    /** A refusal leaves the body unread (the Agent object never sees this request). */
    const refuse = async (response: Response) => {
      await request.body?.cancel();
      return response;
    };
    if (!(await isHostedAgent(c.env, name)))
      return refuse(problem(c, "not-found", `no agent "${name.slice(0, 64)}" is hosted here`));
    const token = bearerToken(c.req.header("authorization"));
    const isAllowed = isOperatorToken(token, c.env.DM_OPERATOR_TOKEN) || (await isAgentToken(c.env, name, token));
    if (!isAllowed)
      return refuse(
        problem(
          c,
          "unauthorized",
          `this MCP server needs Authorization: Bearer <DM_OPERATOR_TOKEN> or the token of agent "${name}"`,
          {},
          { "www-authenticate": `Bearer realm="darkmatter"${token === null ? "" : ', error="invalid_token"'}` },
        ),
      );
    const origin = c.req.header("origin");
    if (origin !== undefined && origin !== publicOrigin(c.env) && origin !== c.env.DM_DASHBOARD_ORIGIN)
      return refuse(
        problem(
          c,
          "origin-not-allowed",
          `origin ${origin.slice(0, 200)} may not use this MCP server: browsers may call it from DM_PUBLIC_URL's origin or DM_DASHBOARD_ORIGIN`,
        ),
      );
    if (c.req.method !== "POST")
      return refuse(
        jsonRpcError(405, "Method not allowed: this stateless server answers POST only.", { allow: "POST" }),
      );
    const body = await readRequestBody(request, MAX_MCP_BODY_BYTES);
    if (body.tooLarge) return refuse(jsonRpcError(413, requestBodyTooLargeMessage(MAX_MCP_BODY_BYTES)));
    const context = agentToolContext(c.env, name);
    const liveStatus = listsTools(body.text) ? unwrap(await (await context.agent()).statusLine()) : undefined;
    const forwarded = new Request(request.url, { method: "POST", headers: request.headers, body: body.text });
    return serveMcp(forwarded, () => agentMcpServer(context, { version: server.version, liveStatus }));
  };

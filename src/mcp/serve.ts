// MCP over Streamable HTTP, stateless (MCP 2025-11-25 "Transports"): every POST builds a fresh
// server and transport, answers with one JSON response and forgets both. Workers isolates keep no
// sessions between requests, and nothing here needs server-to-client streams, so there is no
// session id and no SSE (the SDK's web-standard transport with `sessionIdGenerator: undefined`
// and `enableJsonResponse: true`). Official SDK: @modelcontextprotocol/sdk, chosen over
// Cloudflare's `agents` package because a stateless server needs no Durable Object per session.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";

/** The largest JSON-RPC request body read (the largest tool argument, a message's content, is far smaller). */
export const MAX_MCP_BODY_BYTES = 256 * 1024;

/** Serves one MCP HTTP request with the server `build` makes for it. */
export async function serveMcp(request: Request, build: () => McpServer | Promise<McpServer>): Promise<Response> {
  const server = await build();
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
    maxRequestBodySize: MAX_MCP_BODY_BYTES,
  });
  await server.connect(transport);
  try {
    return await transport.handleRequest(request);
  } finally {
    await server.close();
  }
}

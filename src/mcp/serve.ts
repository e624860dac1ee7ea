// MCP over Streamable HTTP, stateless (MCP 2025-11-25 "Transports"): every POST builds a fresh
// server and transport, answers with one JSON response and forgets both. Workers isolates keep no
// sessions between requests, and nothing here needs server-to-client streams, so there is no
// session id and no SSE (the SDK's web-standard transport with `sessionIdGenerator: undefined`
// and `enableJsonResponse: true`). Official SDK: @modelcontextprotocol/sdk, chosen over
// Cloudflare's `agents` package because a stateless server needs no Durable Object per session.
//
// Both endpoints (/mcp and /agents/{name}/mcp) refuse the same way, as problem+json like the rest
// of the API: 405 with `Allow: POST` for anything but POST, 413 over MAX_MCP_BODY_BYTES. The body
// is read and parsed once here and handed to the transport as `parsedBody`.
//
// Per-request cost, profiled in wrangler dev (CPU profile over the inspector, 1 000 tools/call of
// darkmatter_get_identity; issue 14 note): the SDK's Server builds an Ajv instance (meta-schemas,
// formats) in its constructor unless given a validator, and the transport re-read the body
// through a stream reader. The validator is only used to check elicitation answers, which these
// servers never request, so one instance serves the whole isolate; servers are reused through
// McpServerPool.
import type { Context } from "hono";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ServerOptions } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import type { AppEnv } from "../http/app-env.js";
import { readLimited } from "../http/body.js";
import { problem } from "../http/problem.js";

/** The largest JSON-RPC request body read (the largest tool argument, a message's content, is far smaller). */
export const MAX_MCP_BODY_BYTES = 256 * 1024;

/** One POST's body: its text, and its JSON when it parses (else the transport answers -32700). */
export interface McpBody {
  text: string;
  json?: unknown;
}

let sharedValidator: AjvJsonSchemaValidator | undefined;

/** Options for every McpServer built here: one JSON Schema validator per isolate (see above). */
export function mcpServerOptions(options: Omit<ServerOptions, "jsonSchemaValidator">): ServerOptions {
  return { ...options, jsonSchemaValidator: (sharedValidator ??= new AjvJsonSchemaValidator()) };
}

/** The JSON-RPC messages of a body (one, or a batch from a pre-2025-06-18 client). */
export function jsonRpcMessages(body: McpBody): unknown[] {
  if (body.json === undefined) return [];
  return Array.isArray(body.json) ? body.json : [body.json];
}

/**
 * Reads the POST body of an MCP request, bounded; a method other than POST or a body over the
 * limit is answered here (problem+json) and the body left unread.
 */
export async function readMcpBody(c: Context<AppEnv>): Promise<McpBody | Response> {
  const request = c.req.raw;
  if (request.method !== "POST") {
    await request.body?.cancel();
    return problem(
      c,
      "method-not-allowed",
      "this MCP server is stateless: POST each JSON-RPC message; there is no stream to GET and no session to DELETE",
      {},
      { allow: "POST" },
    );
  }
  const declared = Number(c.req.header("content-length") ?? "0");
  const text = declared > MAX_MCP_BODY_BYTES ? null : await readLimited(request, MAX_MCP_BODY_BYTES);
  if (text === null) {
    await request.body?.cancel();
    return problem(c, "body-too-large", `the body exceeds the limit of ${MAX_MCP_BODY_BYTES} bytes`);
  }
  try {
    return { text, json: JSON.parse(text) as unknown };
  } catch {
    return { text }; // not JSON: the transport answers the parse error (after its header checks)
  }
}

/** A server built once and reused, with the per-request state its handlers read. */
export interface PooledServer<C> {
  server: McpServer;
  /** Called before each request it serves: sets the state its tool handlers read (see McpServerPool). */
  prepare(context: C): void;
}

/**
 * Idle MCP servers per isolate, by key. Building a server registers every tool (closures, schema
 * wrappers: about 0.3 ms a request in workerd, the largest part of the SDK's cost once the
 * validator was shared), so a server is reused — but only by one request at a time: a request
 * takes an idle one (or builds one), connects its own fresh transport, and gives the server back
 * after close(). So JSON-RPC ids of concurrent requests never meet in one Protocol (why the SDK's
 * stateless examples build a server per request), and the handlers' state is that request's.
 */
export class McpServerPool<C> {
  private readonly idle = new Map<string, PooledServer<C>[]>();
  private idleCount = 0;

  constructor(
    private readonly build: (key: string) => PooledServer<C>,
    /** At most this many idle servers are kept (the oldest key's are dropped first). */
    private readonly limit = 32,
  ) {}

  /** Serves one MCP HTTP request, whose body `readMcpBody` read, with a server for `key` prepared with `context`. */
  async serve(request: Request, body: McpBody, key: string, context: C): Promise<Response> {
    const pooled = this.take(key) ?? this.build(key);
    pooled.prepare(context);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      maxRequestBodySize: MAX_MCP_BODY_BYTES,
    });
    await pooled.server.connect(transport);
    try {
      if (body.json !== undefined) return await transport.handleRequest(request, { parsedBody: body.json });
      const unparsed = new Request(request.url, { method: "POST", headers: request.headers, body: body.text });
      return await transport.handleRequest(unparsed);
    } finally {
      await pooled.server.close();
      this.give(key, pooled);
    }
  }

  private take(key: string): PooledServer<C> | undefined {
    const servers = this.idle.get(key);
    const pooled = servers?.pop();
    if (pooled) this.idleCount--;
    if (servers?.length === 0) this.idle.delete(key);
    return pooled;
  }

  private give(key: string, pooled: PooledServer<C>): void {
    const servers = this.idle.get(key) ?? [];
    this.idle.delete(key); // re-inserted last: Map order is then least recently used first
    this.idle.set(key, [...servers, pooled]);
    this.idleCount++;
    while (this.idleCount > this.limit) {
      const [oldestKey, oldest] = this.idle.entries().next().value as [string, PooledServer<C>[]];
      oldest.shift();
      this.idleCount--;
      if (oldest.length === 0) this.idle.delete(oldestKey);
    }
  }
}

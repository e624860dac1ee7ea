// An MCP client as an LLM host would run it (the official SDK's Client over Streamable HTTP),
// talking to the Worker's fetch handler in-process: real routes, real Durable Objects.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { exports } from "cloudflare:workers";
import { OPERATOR_TOKEN } from "../api.js";

/** The hub's own token (vitest.config.mts DM_HUB_TOKEN). */
export const HUB_TOKEN = "test-hub-token";

const worker = (exports as unknown as { default: { fetch(request: Request): Promise<Response> } }).default;

/** The Worker's fetch as the SDK's `fetch` option. */
export const workerFetch = (url: string | URL, init?: RequestInit) => worker.fetch(new Request(url, init));

/** A connected client of `/agents/<name>/mcp`, sending `token` (the operator's unless told). */
export async function agentClient(name: string, token: string | null = OPERATOR_TOKEN): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`http://localhost/agents/${name}/mcp`), {
    fetch: workerFetch,
    ...(token !== null && { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
  });
  const client = new Client({ name: "darkmatter-test", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

export interface ToolAnswer {
  isError: boolean;
  text: string;
  /** The text parsed as JSON, when it is JSON. */
  json: any;
  structured: unknown;
}

/** Calls a tool; `params` becomes the single `params` argument (mesh spec §17), omitted when undefined. */
export async function callTool(client: Client, name: string, params?: unknown, rawArguments?: Record<string, unknown>) {
  const result = await client.callTool({
    name,
    arguments: rawArguments ?? (params === undefined ? {} : { params }),
  });
  const text = (result.content as Array<{ type: string; text: string }>).map((part) => part.text).join("");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined; // plain text (darkmatter_status) or an error message
  }
  return { isError: result.isError === true, text, json, structured: result.structuredContent } as ToolAnswer;
}

/** A raw POST to an agent's MCP endpoint (for the HTTP-level answers the SDK client hides). */
export function rawMcp(
  name: string,
  options: { token?: string | null; body?: unknown; method?: string; headers?: Record<string, string> } = {},
) {
  const token = options.token === undefined ? OPERATOR_TOKEN : options.token;
  return workerFetch(`http://localhost/agents/${name}/mcp`, {
    method: options.method ?? "POST",
    headers: {
      accept: "application/json, text/event-stream",
      "content-type": "application/json",
      ...(token !== null && { authorization: `Bearer ${token}` }),
      ...options.headers,
    },
    ...(options.body !== undefined && {
      body: typeof options.body === "string" ? options.body : JSON.stringify(options.body),
    }),
  });
}

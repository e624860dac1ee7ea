// An MCP client of the control plane (/mcp) as an LLM host would run one: the official SDK client
// over Streamable HTTP, its requests going to the Worker's fetch handler (as test/api.ts's do).
import { exports } from "cloudflare:workers";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { OPERATOR_TOKEN } from "../api.js";

/** The Worker's fetch handler as the transport's `fetch`. */
export const workerFetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> =>
  (exports as any).default.fetch(new Request(input, init));

/** A connected client; `token` null is an anonymous caller. */
export async function controlClient(token: string | null = OPERATOR_TOKEN): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL("http://localhost/mcp"), {
    fetch: workerFetch,
    requestInit: token === null ? {} : { headers: { authorization: `Bearer ${token}` } },
  });
  const client = new Client({ name: "darkmatter-test", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

/** Calls a tool and returns its result as the SDK gives it. */
export const call = async (client: Client, name: string, args: Record<string, unknown> = {}) =>
  (await client.callTool({ name, arguments: args })) as CallToolResult;

/** A tool's successful result document (its JSON text), failing loudly on a tool error. */
export async function result(client: Client, name: string, args: Record<string, unknown> = {}): Promise<any> {
  const answer = await call(client, name, args);
  const text = (answer.content[0] as { text: string }).text;
  if (answer.isError) throw new Error(`${name} failed: ${text}`);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A tool error's text, failing loudly when the tool succeeded. */
export async function toolError(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const answer = await call(client, name, args);
  const text = (answer.content[0] as { text: string }).text;
  if (!answer.isError) throw new Error(`${name} succeeded where it should fail: ${text}`);
  return text;
}

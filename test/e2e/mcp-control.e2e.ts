// Issue 14 end to end: the control plane's MCP server at /mcp of a real `wrangler dev`, driven
// by the official SDK client over Streamable HTTP as an LLM host (Claude Code, an agent) drives it.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LATEST_PROTOCOL_VERSION, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, inject, it } from "vitest";
import { baseUrl, http } from "./http.js";

async function connect(token: string | null) {
  const transport = new StreamableHTTPClientTransport(new URL(`${baseUrl()}/mcp`), {
    requestInit: token === null ? {} : { headers: { authorization: `Bearer ${token}` } },
  });
  const client = new Client({ name: "darkmatter-e2e", version: "1.0.0" });
  await client.connect(transport);
  return { client, transport };
}

async function tool(client: Client, name: string, args: Record<string, unknown>) {
  const answer = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = (answer.content[0] as { text: string }).text;
  if (answer.isError) throw new Error(`${name}: ${text}`);
  return JSON.parse(text);
}

describe("the control-plane MCP server against wrangler dev", () => {
  it("initializes on the newest protocol and lists every tool, with valid input schemas", async () => {
    const { client, transport } = await connect(inject("operatorToken"));
    expect(transport.protocolVersion).toBe(LATEST_PROTOCOL_VERSION);
    expect(client.getServerVersion()?.name).toBe("darkmatter-edge-control-plane");
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(23);
    for (const listed of tools) {
      expect(listed.inputSchema.type, listed.name).toBe("object");
      expect(listed.annotations?.openWorldHint, listed.name).toBe(false);
    }
    const names = tools.map((listed) => listed.name);
    for (const human of ["approve", "reject", "sign"]) expect(names.join()).not.toContain(human);
    await client.close();
  });

  it("drives create, patch, fork, merge and propose, and REST reads back what it did", async () => {
    const { client } = await connect(inject("operatorToken"));
    const line = await tool(client, "darkmatter_worldline_create", { name: "e2e-mcp", entities: { sun: { mass: 1 } } });
    await tool(client, "darkmatter_worldline_patch", {
      id: line.id,
      jsonPatch: [{ op: "add", path: "/earth", value: { mass: 0.003 } }],
    });
    const fork = await tool(client, "darkmatter_worldline_fork", { id: line.id, name: "e2e-mcp-fork" });
    await tool(client, "darkmatter_worldline_patch", { id: fork.id, mergePatch: { mars: { mass: 0.0003 } } });
    const merge = await tool(client, "darkmatter_worldline_merge", { id: line.id, source: fork.id });
    const proposal = await tool(client, "darkmatter_promotion_propose", { kind: "promote", worldline: line.id });

    const state = await http("GET", `/api/v1/worldlines/${line.id}/state`);
    expect(state.body.entities).toEqual({ sun: { mass: 1 }, earth: { mass: 0.003 }, mars: { mass: 0.0003 } });
    expect((await http("GET", `/api/v1/worldlines/${line.id}`)).body.head).toBe(merge.commit);
    expect((await http("GET", `/api/v1/worldlines/${fork.id}`)).body.parents).toEqual([line.id]);
    const pending = await http("GET", `/api/v1/promotions/${proposal.id}`);
    expect(pending.body).toMatchObject({ status: "pending", payload: { worldline: line.id, commit: merge.commit } });
    await client.close();
  });

  it("lists no write tool without a token, and answers a wrong token with 401", async () => {
    const { client } = await connect(null);
    const { tools } = await client.listTools();
    expect(tools.length).toBeGreaterThan(0);
    for (const listed of tools) expect(listed.annotations?.readOnlyHint, listed.name).toBe(true);
    expect(tools.map((listed) => listed.name)).not.toContain("darkmatter_worldline_create");
    await client.close();

    const refused = await fetch(`${baseUrl()}/mcp`, {
      method: "POST",
      headers: {
        authorization: "Bearer wrong",
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toMatch(/^Bearer\b/);
  });
});

// A hosted agent's MCP server (issue 14; mesh spec §17): the reference's 22 `darkmatter_*` tools,
// each taking its single `params` argument, answering the reference's result documents as JSON
// text, and calling the Agent Durable Object methods the operator API calls. Stateless Streamable
// HTTP (src/mcp/serve.ts), so the live status that the reference pushes into darkmatter_status's
// description is computed when the tools are listed, and set on the server for that request.
import { McpServer, type RegisteredTool } from "@modelcontextprotocol/sdk/server/mcp.js";
import { MESH_TOOLS, toolArguments } from "../schemas/mesh-tools.js";
import { hostedAgent } from "../mesh/hub.js";
import type { AgentRpc } from "../stubs.js";
import { MESSAGING_TOOLS } from "./agent-messaging-tools.js";
import { NETWORK_TOOLS } from "./agent-network-tools.js";
import { SELF_TOOLS, STATUS_TOOL, statusDescription } from "./agent-self-tools.js";
import type { AgentTool, AgentToolContext } from "./agent-tool.js";
import { TRUST_TOOLS } from "./agent-trust-tools.js";
import { toolCall } from "./results.js";
import { mcpServerOptions, type PooledServer } from "./serve.js";

/** The 22 tools in the spec's order (§17). */
export const AGENT_TOOLS: readonly AgentTool[] = MESH_TOOLS.map((name) => {
  const tool = [...MESSAGING_TOOLS, ...NETWORK_TOOLS, ...SELF_TOOLS, ...TRUST_TOOLS].find((t) => t.name === name);
  if (!tool) throw new Error(`no definition of the tool ${name}`); // a programming error, caught by any test
  return tool;
});

/** Each tool's `{params}` argument schema, made once per isolate rather than per request. */
const TOOL_ARGUMENTS = new Map(AGENT_TOOLS.map((tool) => [tool.name, tool.params && toolArguments(tool.params)]));

const INSTRUCTIONS =
  "You drive one agent of a DarkMatter mesh (a network of AI agents that connect, exchange signed messages and " +
  "answer them through webhooks). Start with darkmatter_status (what needs doing) and darkmatter_get_identity " +
  "(who you are; your url is what peers connect to). Answer inbox messages with darkmatter_respond_message, or " +
  "forward them with darkmatter_send_message and a note; accept or reject connection requests with " +
  "darkmatter_connection; keep your bio true with darkmatter_update_bio. Tools with arguments take one argument " +
  'named "params" (an object), as the reference DarkMatter server does.';

/** What a tool works with, for the agent `name`; its Agent object is reached once per request. */
export function agentToolContext(env: Env, name: string): AgentToolContext {
  let agent: Promise<AgentRpc> | undefined;
  return { env, name, agent: () => (agent ??= hostedAgent(env, name)) };
}

/** One request's state for a pooled agent server: `liveStatus` (for a tools/list) goes into darkmatter_status's description. */
export interface AgentRequest {
  context: AgentToolContext;
  liveStatus?: string;
}

/** The MCP server of agent `name`, reused across requests (src/mcp/serve.ts McpServerPool). */
export function agentMcpServer(name: string, version: string): PooledServer<AgentRequest> {
  const server = new McpServer(
    { name: "darkmatter-edge-agent", title: `DarkMatter agent ${name}`, version },
    mcpServerOptions({ instructions: INSTRUCTIONS }),
  );
  let current: AgentRequest | undefined;
  const context = () => {
    if (!current) throw new Error("an agent MCP server was used outside a request"); // a programming error
    return current.context;
  };
  let status: RegisteredTool | undefined;
  for (const tool of AGENT_TOOLS) {
    const config = {
      title: tool.title,
      description: tool.name === STATUS_TOOL ? statusDescription() : tool.description,
      annotations: { title: tool.title, ...tool.annotations },
    };
    const inputSchema = TOOL_ARGUMENTS.get(tool.name);
    const registered = inputSchema
      ? server.registerTool(tool.name, { ...config, inputSchema }, ({ params }) =>
          toolCall(() => tool.run(context(), params)),
        )
      : server.registerTool(tool.name, config, () => toolCall(() => tool.run(context(), undefined)));
    if (tool.name === STATUS_TOOL) status = registered;
  }
  return {
    server,
    prepare(request) {
      current = request;
      // Before connect(), so no notifications/tools/list_changed is sent (there is no session).
      status?.update({ description: statusDescription(request.liveStatus) });
    },
  };
}

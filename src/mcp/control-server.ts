// The control plane's MCP server (issue 14; DESIGN "MCP"): the tools of
// control-tools.ts a caller may use — all of them with the operator token, the read-only ones over
// public data without a token — and the resources of control-resources.ts. Stateless: one server
// per kind of caller, taken from a pool for each POST (src/mcp/serve.ts), so what it lists is
// decided by that request's credentials alone.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { RequestId } from "@modelcontextprotocol/sdk/types.js";
import { DomainError } from "../core/problem.js";
import { toolCall } from "./results.js";
import type { Rest } from "./control-rest.js";
import { installResources } from "./control-resources.js";
import { CONTROL_TOOLS, type ControlTool } from "./control-tools.js";
import { mcpServerOptions, type PooledServer } from "./serve.js";

export const CONTROL_INSTRUCTIONS = `DarkMatter Edge control plane: world lines (versioned JSON states you create, patch, fork, merge and terminate like branches), the consensus ledger and its promotions, events, squad tasks, the arbiter and HALO. Every tool is one call of the REST API (/api/v1, named in its description) with the same rules, schemas and errors; a refusal is a tool error whose text is the API's problem detail, with the arguments at fault.

Without a token only the read-only tools are listed, and they show public world lines only (public-network, full-public), as the REST API does anonymously; send Authorization: Bearer <DM_OPERATOR_TOKEN> for the rest.

The human stays in the loop: approving or rejecting a squad task, and approving (signing) a promotion, are not tools. A task you create waits in pending-approval until the operator approves it in the dashboard, the CLI or the API; a promotion you propose turns green only when a quorum of ledger authorities signs its digest with their Ed25519 keys (darkmatter approve).

Resources: darkmatter://worldlines/{id} (state at the head), darkmatter://worldlines/{id}/commits/{commit}, darkmatter://worldlines/{id}/green, darkmatter://ledger/checkpoint.`;

/** The JSON-RPC request id → `arguments` exactly as sent, for the tools/call requests of one POST. */
export type SentArguments = (id: RequestId) => Record<string, unknown> | undefined;

/** One request's state for a pooled control-plane server. */
export interface ControlRequest {
  rest: Rest;
  sent: SentArguments;
}

/**
 * The control plane's MCP server for operators or for anonymous callers, reused across requests
 * (src/mcp/serve.ts McpServerPool); its handlers call the REST client of the request it serves.
 */
export function controlPlaneServer(options: { isOperator: boolean; version: string }): PooledServer<ControlRequest> {
  const server = new McpServer(
    { name: "darkmatter-edge-control-plane", title: "DarkMatter Edge control plane", version: options.version },
    mcpServerOptions({ instructions: CONTROL_INSTRUCTIONS }),
  );
  let current: ControlRequest | undefined;
  const request = () => {
    if (!current) throw new Error("a control-plane MCP server was used outside a request"); // a programming error
    return current;
  };
  const rest: Rest = (call) => request().rest(call);
  for (const tool of CONTROL_TOOLS) {
    if (tool.access === "operator" && !options.isOperator) continue; // not listed, so not callable either
    server.registerTool(
      tool.name,
      { title: tool.title, description: tool.description, inputSchema: tool.input, annotations: tool.annotations },
      (args: Record<string, unknown>, extra) =>
        toolCall(() => runTool(tool, rest, args, request().sent(extra.requestId) ?? args)),
    );
  }
  installResources(server, rest);
  return {
    server,
    prepare(next) {
      current = next;
    },
  };
}

/**
 * One tool call: the SDK has validated the arguments with the route's schema; the REST request
 * carries them as the client sent them (not zod's output), so the route applies its body checks
 * (a `__proto__` key, which a zod record would drop silently) and its defaults to the same JSON.
 */
async function runTool(
  tool: ControlTool,
  rest: Rest,
  args: Record<string, unknown>,
  sent: Record<string, unknown>,
): Promise<unknown> {
  try {
    return await rest(tool.request(args, sent));
  } catch (error) {
    const answer = error instanceof DomainError ? tool.asResult?.(error) : undefined;
    if (answer !== undefined) return answer;
    throw error;
  }
}

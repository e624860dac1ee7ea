// Who may reach a hosted agent, and which names are hosted at all. An agent is driven with the
// operator token or with its own token (issue 14): the hub's is the DM_HUB_TOKEN secret, compared
// here like the operator token; any other agent's is checked by its Agent object against the hash
// it stores (src/mesh/agent/credentials.ts). An agent token opens that agent's MCP server
// (/agents/<name>/mcp) and its operator API (/api/v1/agents/<name>/…) and nothing else.
import { isOperatorToken } from "../core/operator-token.js";
import { HUB_AGENT } from "../core/object-names.js";
import { AgentName } from "../schemas/agents.js";
import { agentStub, directoryStub } from "../stubs.js";

// Names known to be hosted, per isolate: agents are never deleted, so a positive answer stays
// true; a negative one is asked again (the agent may have been created since).
const hostedNames = new Set<string>();

/** Is `name` hosted here? Asked of the Directory before any Agent object is addressed (issue 11). */
export async function isHostedAgent(env: Env, name: string): Promise<boolean> {
  if (hostedNames.has(name)) return true;
  const hosted = (name === HUB_AGENT && Boolean(env.DM_HUB_PASSPORT)) || (await directoryStub(env).isHostedAgent(name));
  if (hosted) hostedNames.add(name);
  return hosted;
}

/** Is `token` the credential of the hosted agent `name`? Asks no object for a name that cannot exist. */
export async function isAgentToken(env: Env, name: string, token: string | null): Promise<boolean> {
  if (token === null || !AgentName.safeParse(name).success) return false;
  if (name === HUB_AGENT) return isOperatorToken(token, env.DM_HUB_TOKEN); // unset: no hub token admits anyone
  return agentStub(env, name).hasToken(token);
}

const AGENT_API_PATH = /^\/api\/v1\/agents\/([^/]+)(?:\/|$)/;

/** The agent whose operator API `path` is under (`/api/v1/agents/<name>` and below), if any. */
export function agentOfApiPath(path: string): string | undefined {
  return AGENT_API_PATH.exec(path)?.[1];
}

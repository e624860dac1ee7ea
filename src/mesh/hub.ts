// The hub: the hosted agent every deployment has, made from DM_HUB_PASSPORT the first time anyone
// reaches it and listed with the anchor like any other hosted agent. Squad tasks and arbiter
// broadcasts are sent from it; operators address it as `hub`.
import { HUB_AGENT } from "../core/object-names.js";
import { unwrap } from "../core/problem.js";
import { agentStub, directoryStub, type AgentRpc } from "../stubs.js";

// The registration is idempotent and the hub is never deleted, so once per isolate is enough:
// without this, every hub operation (squad dispatch, arbiter broadcasts) paid two more RPCs.
let registeredInThisIsolate = false;

/** The hub's Agent object, created and registered with the Directory if it is not yet; null without a passport. */
export async function hubAgent(env: Env): Promise<AgentRpc | null> {
  const hub = agentStub(env, HUB_AGENT);
  if (!(await hub.ensureHubAgent())) return null;
  if (registeredInThisIsolate) return hub;
  const identity = unwrap(await hub.info());
  await directoryStub(env).registerHostedAgent({
    name: HUB_AGENT,
    agent_id: identity.agent_id,
    url: identity.url,
    created_at: 0,
  });
  registeredInThisIsolate = true;
  return hub;
}

/**
 * The Agent object of a hosted agent's name, for the operator's tools: the hub is made on first
 * use (so `hub` always answers); any other name is only addressed (a 404 comes from the object).
 */
export async function hostedAgent(env: Env, name: string): Promise<AgentRpc> {
  const agent = agentStub(env, name); // validates the name first
  return name === HUB_AGENT ? ((await hubAgent(env)) ?? agent) : agent;
}

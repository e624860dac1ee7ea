// The agent's own token (issue 14; src/core/agent-token.ts says what it is and why one SHA-256
// suffices): checked here against the stored hash, and rotated — a new token answered once, the
// old one refused from the same write on. The hub has no stored token: its token is the Worker's
// DM_HUB_TOKEN secret, checked where the operator token is (src/mesh/agent-access.ts).
import { issueAgentToken, matchesAgentToken } from "../../core/agent-token.js";
import { HUB_AGENT } from "../../core/object-names.js";
import { capture, type Outcome } from "../../core/problem.js";
import type { AgentToken } from "../../schemas/agents.js";
import { DomainError } from "../../core/problem.js";
import type { MeshNode } from "./mesh-node.js";

/** Is `token` this agent's current token? Never for an agent that does not exist or has none. */
export function hasToken(node: MeshNode, token: string): boolean {
  return matchesAgentToken(token, node.store.profile?.tokenHash);
}

/** A new token for the agent; the one before it stops working with this write. */
export function rotateToken(node: MeshNode): Promise<Outcome<AgentToken>> {
  return capture(async () => {
    const profile = node.profile();
    if (profile.name === HUB_AGENT)
      throw new DomainError(
        "hub-token-is-a-secret",
        "the hub's token is the DM_HUB_TOKEN secret: change it in .dev.vars or with `wrangler secret put DM_HUB_TOKEN`",
      );
    const issued = issueAgentToken();
    const previous = profile.tokenHash;
    profile.tokenHash = issued.hash;
    try {
      await node.store.saveProfile();
    } catch (error) {
      profile.tokenHash = previous; // storage refused: memory stays as storage is (issue 11)
      throw error;
    }
    return { name: profile.name, agent_id: node.passport().agentId, token: issued.token };
  });
}

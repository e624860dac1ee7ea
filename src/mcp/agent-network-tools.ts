// The network tools of a hosted agent's MCP server (mesh spec §10, §13, §17): connections and
// requests, the network as this agent sees it, discovery and replication. What a Worker cannot do
// (LAN and localhost discovery, handing out its own source file) is answered, not hidden.
import { localDiscovery } from "../core/mesh/discovery.js";
import { serverTemplate } from "../core/mesh/server-template.js";
import { unwrap } from "../core/problem.js";
import { ConnectionToolParams, DiscoverDomainToolParams } from "../schemas/mesh-tools.js";
import { discoverDomain } from "../mesh/domain-discovery.js";
import { directoryStub } from "../stubs.js";
import { READS, withoutParams, withParams, type AgentTool } from "./agent-tool.js";

/** Anchor registrations darkmatter_discover_local lists at most (the freshest first). */
const REGISTRATIONS_LISTED = 100;

export const NETWORK_TOOLS: AgentTool[] = [
  withParams({
    name: "darkmatter_connection",
    title: "Manage Connection",
    description:
      "Connect to another agent, or answer and end connections.\n\n" +
      '- `action: "request"` with `target_url` (the peer\'s base URL; …/mcp and …/__darkmatter__ spellings work): ' +
      "ask to connect; the answer is `connected` at once or `pending` until the peer accepts.\n" +
      '- `"request_mutual"`: the same, asking the peer to connect back.\n' +
      '- `"accept"` / `"reject"` with `request_id` from darkmatter_list_pending_requests.\n' +
      '- `"disconnect"` with `agent_id`.',
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    params: ConnectionToolParams,
    run: async (context, params) => unwrap(await (await context.agent()).connection(params)),
  }),
  withoutParams({
    name: "darkmatter_list_connections",
    title: "List Connections",
    description:
      "Your connections: each peer's id, URL, bio, direction, pinned key, message counters, last activity, rate " +
      "limit and your impression of it, with the total and the connection cap.",
    annotations: READS,
    run: async (context) => unwrap(await (await context.agent()).listConnections()),
  }),
  withoutParams({
    name: "darkmatter_list_pending_requests",
    title: "List Pending Requests",
    description:
      "Agents asking to connect to you (at most 50, each kept for an hour): their request_id, id, URL, bio and " +
      'whether they asked for a mutual connection. Answer with darkmatter_connection "accept" or "reject".',
    annotations: READS,
    run: async (context) => unwrap(await (await context.agent()).listPending()),
  }),
  withoutParams({
    name: "darkmatter_network_info",
    title: "Network Info",
    description:
      "Your network_info document (spec §8.9): your id, URL, bio, whether you accept connections, and your peers " +
      "with their URLs and bios (peers see an empty list: connections are private).",
    annotations: READS,
    run: async (context) => unwrap(await (await context.agent()).networkInfo()),
  }),
  withoutParams({
    name: "darkmatter_get_server_template",
    title: "Get Server Template (Replicate)",
    description:
      "How to run another node like this one: the replication recipe of this edge node (npm install && npm start " +
      "from its repository, wrangler deploy) and a summary of the protocol any compatible node must speak. A Worker " +
      "has no source file to hand out, so `server_source` says where the source is instead of holding it.",
    annotations: READS,
    run: async (context) => {
      const identity = unwrap(await (await context.agent()).info());
      return serverTemplate({ agentId: identity.agent_id, url: identity.url });
    },
  }),
  withParams({
    name: "darkmatter_discover_domain",
    title: "Discover Domain",
    description:
      "Does a domain host a DarkMatter node? Fetches https://<domain>/.well-known/darkmatter.json (http after a " +
      "connection error; a URL with a scheme, such as an agent's base URL, is used as given), following redirects " +
      "but never to a private, loopback or link-local host. Answers `{found: true, …document}` or " +
      "`{found: false, error}`.",
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    params: DiscoverDomainToolParams,
    run: (context, params) => discoverDomain(context.env, params.domain),
  }),
  withoutParams({
    name: "darkmatter_discover_local",
    title: "Discover Local Peers",
    description:
      "LAN and localhost discovery do not exist at the edge (a Worker has no LAN to broadcast on), so " +
      "`discovery_enabled` is false; listed instead are the other agents hosted on this node and the agents " +
      "registered with its anchor, each with its URL to connect to.",
    annotations: READS,
    run: async (context) => {
      const directory = directoryStub(context.env);
      const [hosted, registrations] = await Promise.all([
        directory.hostedAgents(),
        directory.registrations(REGISTRATIONS_LISTED),
      ]);
      const self = hosted.find((agent) => agent.name === context.name);
      return localDiscovery({
        selfAgentId: self?.agent_id ?? "",
        hosted: hosted.filter((agent) => agent.name !== context.name),
        registrations,
        now: Date.now(),
      });
    },
  }),
];

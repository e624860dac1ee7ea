// Discovery as an edge node can do it (mesh spec §13). §13.1 (a domain's well-known document) works
// anywhere; §13.2 (localhost port scan) and §13.3 (UDP multicast beacon) need a machine and a LAN,
// which a Worker does not have. So `darkmatter_discover_local` says so and lists what an edge node
// does know about: the agents hosted beside this one and the agents registered with its anchor.
import type { AnchorEntry } from "../../schemas/mesh-state.js";
import { isTruthy, pyStrip } from "./python-semantics.js";

const WELL_KNOWN_PATH = "/.well-known/darkmatter.json";

/**
 * §13.1: `domain` stripped of whitespace and trailing `/`; without a scheme it is
 * `https://<domain>/.well-known/darkmatter.json`, with `http://` as the one retry after a
 * connection error. Given a scheme (`https://host:port`, or an agent's base URL), the path is
 * appended to it as written.
 */
export function wellKnownUrls(domain: string): { url: string; retryUrl?: string } {
  const base = pyStrip(domain).replace(/\/+$/, "");
  if (base.includes("://")) return { url: base + WELL_KNOWN_PATH };
  return { url: `https://${base}${WELL_KNOWN_PATH}`, retryUrl: `http://${base}${WELL_KNOWN_PATH}` };
}

export type DiscoveryResult = ({ found: true } & Record<string, unknown>) | { found: false; error: string };

/** §13.1: found only on HTTP 200 with a JSON object whose `darkmatter` is truthy. */
export function discoveryResult(status: number, body: unknown): DiscoveryResult {
  if (status !== 200) return { found: false, error: `HTTP ${status}` };
  if (body === null || typeof body !== "object" || Array.isArray(body))
    return { found: false, error: "Response is not a JSON object." };
  const document = body as Record<string, unknown>;
  if (!isTruthy(document.darkmatter)) return { found: false, error: "Response missing 'darkmatter: true'." };
  return { ...document, found: true };
}

/** The §17 `darkmatter_discover_local` document, for an edge node. */
export function localDiscovery(input: {
  selfAgentId: string;
  hosted: ReadonlyArray<{ name: string; agent_id: string; url: string }>;
  registrations: ReadonlyArray<AnchorEntry & { agent_id: string }>;
  now: number;
}) {
  const seen = new Set([input.selfAgentId]);
  const peers: Array<{ agent_id: string; url: string; source: "hosted" | "anchor"; name?: string; last_seen: number }> =
    [];
  for (const agent of input.hosted) {
    if (seen.has(agent.agent_id)) continue;
    seen.add(agent.agent_id);
    // hosted agents are here whenever asked: seen now
    peers.push({
      agent_id: agent.agent_id,
      url: agent.url,
      source: "hosted",
      name: agent.name,
      last_seen: input.now / 1000,
    });
  }
  for (const entry of input.registrations) {
    if (seen.has(entry.agent_id)) continue;
    seen.add(entry.agent_id);
    peers.push({ agent_id: entry.agent_id, url: entry.url, source: "anchor", last_seen: entry.last_seen });
  }
  return {
    discovery_enabled: false,
    note:
      "LAN and localhost discovery (UDP multicast beacons, port scans) do not exist at the edge: a Worker has no LAN. " +
      "Listed instead: the agents hosted on this node (source: hosted) and the agents registered with its anchor " +
      "(source: anchor). Bio and status of any of them: darkmatter_discover_domain with its url.",
    total: peers.length,
    peers,
  };
}

// Delivery and healing (mesh spec §11.2, §14): delivering a message to a connection, finding a
// peer that moved (peer_lookup through anchors and connections), recovering a webhook whose
// sender moved, and telling everyone when this agent's own URL changed.
import { deliveryOutcome, type DeliveryOutcome } from "../../core/mesh/forwarding.js";
import {
  TIMEOUTS_SECONDS,
  WEBHOOK_RECOVERY_BUDGET_SECONDS,
  WEBHOOK_RECOVERY_MAX_ATTEMPTS,
} from "../../core/mesh/limits.js";
import { signedPeerUpdate } from "../../core/mesh/message-signing.js";
import { lookedUpUrl, lookupFanOut, peerUpdateTargets } from "../../core/mesh/peer-update.js";
import { formatMeshTimestamp } from "../../core/mesh/timestamp.js";
import { anchorEndpointUrl, graftWebhookPath, meshBaseUrl, meshEndpointUrl } from "../../core/mesh/url.js";
import type { InboxMessage } from "../../schemas/mesh-state.js";
import { seconds, type MeshNode } from "./mesh-node.js";

/** §11.2: deliver to one connection; on a transport failure look the peer up and, if its URL changed, retry once. */
export async function deliver(node: MeshNode, agentId: string, body: unknown): Promise<DeliveryOutcome> {
  const connection = node.store.connections.get(agentId)!;
  const attempt = async (url: string) => {
    const call = await node.transport(meshEndpointUrl(url, "message"), {
      method: "POST",
      body,
      timeoutMs: seconds(TIMEOUTS_SECONDS.messageDelivery),
    });
    return call.ok ? deliveryOutcome(call.status, call.body) : ({ kind: "unreachable" } as const);
  };
  let outcome = await attempt(connection.agent_url);
  if (outcome.kind === "unreachable") {
    // §14.4 stores the URL a lookup found; an unsigned lookup answer is no proof of identity,
    // so here it is used for this one retry only (issue 11): a stored URL moves only by a
    // signed peer_update. The SSRF rule is checked now and again by the transport.
    const found = await peerLookup(node, agentId);
    if (found && meshBaseUrl(found) !== meshBaseUrl(connection.agent_url) && !node.urlRefusal(found))
      outcome = await attempt(found);
  }
  if (outcome.kind === "delivered") {
    connection.messages_sent++;
    connection.last_activity = node.now();
    node.store.saveConnections([connection]);
  }
  return outcome;
}

/** §14.3: anchors first (DM_ANCHORS), then up to 50 other connections; the first URL found wins. */
async function peerLookup(node: MeshNode, agentId: string): Promise<string | undefined> {
  const ask = async (url: string, timeoutMs: number) => {
    const call = await node.transport(url, { method: "GET", timeoutMs });
    const found = call.ok ? lookedUpUrl(call.status, call.body) : undefined;
    if (!found) throw new Error("not found");
    return found;
  };
  const fromAnchors = await Promise.any(
    node.settings.anchors.map((anchor) => ask(anchorEndpointUrl(anchor, "peer_lookup", agentId), 2000)),
  ).catch(() => undefined);
  if (fromAnchors) return fromAnchors;
  const peers = lookupFanOut([...node.store.connections.values()], agentId);
  return Promise.any(peers.map((peer) => ask(meshEndpointUrl(peer.agent_url, "peer_lookup", agentId), 5000))).catch(
    () => undefined,
  );
}

/** §14.5: a webhook call; on a connection-level failure, up to 3 lookups of the sender within 30 s, grafting the webhook path onto the URL found. */
export async function callWebhook(
  node: MeshNode,
  held: InboxMessage,
  method: "GET" | "POST",
  url: string,
  body: unknown,
  timeoutSeconds: number,
) {
  const deadline = node.now() + seconds(WEBHOOK_RECOVERY_BUDGET_SECONDS);
  let call = await node.transport(url, { method, body, timeoutMs: seconds(timeoutSeconds) });
  const tried = new Set([url]);
  for (let attempt = 0; !call.ok && attempt < WEBHOOK_RECOVERY_MAX_ATTEMPTS && node.now() < deadline; attempt++) {
    const found = await peerLookup(node, held.from_agent_id);
    const next = found && graftWebhookPath(url, found);
    if (!next || tried.has(next) || !node.webhookAllowed(next)) break;
    tried.add(next);
    call = await node.transport(next, {
      method,
      body,
      timeoutMs: Math.max(1000, Math.min(seconds(timeoutSeconds), deadline - node.now())),
    });
  }
  return call;
}

/** §14.2 on Workers: when DM_PUBLIC_URL changed since the last announcement, tell every connection and anchor, signed. */
export function announceIfMoved(node: MeshNode): void {
  const profile = node.profile();
  const current = node.publicUrl();
  if (profile.advertisedUrl === current) return;
  profile.advertisedUrl = current;
  const targets = peerUpdateTargets(
    [...node.store.connections.values()].map((c) => c.agent_url),
    node.settings.anchors,
  );
  node.effects.background(
    (async () => {
      await node.store.saveProfile();
      const update = await signedPeerUpdate(node.passport(), current, formatMeshTimestamp(node.now()));
      for (const target of targets)
        await node.transport(target, {
          method: "POST",
          body: update,
          timeoutMs: seconds(TIMEOUTS_SECONDS.peerUpdateBroadcast),
        }); // replies ignored (§14.2)
    })(),
  );
}

// The mesh endpoints of a node (mesh spec §8, under /agents/<name>): routing a request to its
// endpoint, reading the body with a byte cap, and the receive path of each endpoint — the pure
// decision from src/core/mesh, then what the node stores and emits because of it. The handlers
// answer MeshReplies; only serveMeshRequest speaks HTTP. The §20 checklist tests
// (test/core/mesh) call the handlers on a real store, exactly as serveMeshRequest does.
import { CLIENT_KEY_HEADER, UNKNOWN_CLIENT } from "../../core/client-address.js";
import { receiveConnectionAccepted, receiveConnectionRequest } from "../../core/mesh/connection.js";
import { MAX_MESH_BODY_BYTES, MAX_MESSAGE_BODY_BYTES } from "../../core/mesh/limits.js";
import { matchNodePath, WELL_KNOWN_PATH } from "../../core/mesh/mesh-paths.js";
import { meshErrors, parseJsonBody, type MeshReply } from "../../core/mesh/mesh-reply.js";
import { receiveMessage } from "../../core/mesh/message-receipt.js";
import {
  impressionFor,
  networkInfoDocument,
  nodePeerLookupReply,
  nodeStatusDocument,
  nodeWellKnown,
  webrtcOfferReply,
} from "../../core/mesh/node-documents.js";
import { receivePeerUpdate } from "../../core/mesh/peer-update.js";
import { applyWebhookUpdate, webhookStatusReply } from "../../core/mesh/sent-message.js";
import { meshJson, meshMethodNotAllowed, meshNotFound, meshResponse, readMeshBody } from "../../http/mesh-response.js";
import { acceptPending, learnConnection } from "./handshake.js";
import type { MeshNode } from "./mesh-node.js";
import { routeAfterReply } from "./router.js";
import { reactivateIfDue, scheduleAlarm } from "./timers.js";

/** One mesh request to an existing agent; `path` is the part after /agents/<name>. */
export async function serveMeshRequest(node: MeshNode, request: Request, path: string): Promise<Response> {
  const isHead = request.method === "HEAD";
  const respond = (response: Response) =>
    isHead ? new Response(null, { status: response.status, headers: response.headers }) : response;
  const isOperator = () => node.isOperator(request.headers.get("authorization"));
  const store = node.store;
  if (path === WELL_KNOWN_PATH) {
    if (request.method !== "GET" && !isHead) return meshMethodNotAllowed("GET, HEAD");
    return respond(
      meshJson(
        nodeWellKnown(node.self(), {
          base: node.publicUrl(),
          connectionCount: store.connections.size,
          maxConnections: node.maxConnections(),
        }),
      ),
    );
  }
  const match = matchNodePath(request.method, path);
  if (match.kind === "not-found") return meshNotFound();
  if (match.kind === "method-not-allowed") return meshMethodNotAllowed(match.allow);
  const client = request.headers.get(CLIENT_KEY_HEADER) ?? UNKNOWN_CLIENT;
  reactivateIfDue(node, node.now());
  switch (match.endpoint) {
    case "webrtc_offer":
      await request.body?.cancel(); // §8.13: answered before the body is read; release it
      return meshResponse(webrtcOfferReply());
    case "status":
      return respond(meshJson(nodeStatusDocument(node.self(), store.connections.size, node.maxConnections())));
    case "network_info":
      return respond(
        meshJson(
          networkInfoDocument(
            node.self(),
            [...store.connections.values()],
            { isOperator: isOperator() },
            node.maxConnections(),
          ),
        ),
      );
    case "peer_lookup":
      return respond(meshResponse(nodePeerLookupReply(match.param!, store.connections.get(match.param!))));
    case "impression": {
      const limited = node.admitAnonymous(client);
      if (limited) return meshResponse(limited);
      return respond(
        meshJson(
          impressionFor(match.param!, store.impressions.get(match.param!), {
            isOperator: isOperator(),
            isConnection: store.connections.has(match.param!),
          }),
        ),
      );
    }
    case "webhook":
      if (request.method !== "POST")
        return respond(meshResponse(webhookStatusReply(match.param!, node.sentRecord(match.param!))));
      if (!node.sentRecord(match.param!)) {
        await request.body?.cancel(); // unknown message: answered unread and uncounted (issue 11)
        return meshResponse(meshErrors.noSentMessage(match.param!));
      }
      return withBody(node, request, MAX_MESSAGE_BODY_BYTES, (text) => handleWebhookUpdate(node, match.param!, text));
    case "connection_request":
      return withBody(node, request, MAX_MESH_BODY_BYTES, (text) => handleConnectionRequest(node, text, client));
    case "connection_accepted":
      return withBody(node, request, MAX_MESH_BODY_BYTES, (text) => handleConnectionAccepted(node, text, client));
    case "accept_pending":
      // ⚠ unauthenticated in the reference (§8.4); here only the operator may accept over HTTP.
      if (!isOperator()) {
        await request.body?.cancel();
        return meshJson({ error: "accept_pending requires the operator token (Authorization: Bearer)" }, 401);
      }
      {
        // Not serialised: every write of an acceptance happens before its first await (the notification).
        const body = await readMeshBody(request, MAX_MESH_BODY_BYTES);
        return body.ok ? meshResponse((await acceptPending(node, parseJsonBody(body.text))).reply) : body.response;
      }
    case "message":
      return withBody(node, request, MAX_MESSAGE_BODY_BYTES, (text) => handleMessage(node, text, client));
    case "peer_update":
      return withBody(node, request, MAX_MESH_BODY_BYTES, (text) => handlePeerUpdate(node, text, client));
  }
}

/**
 * A mesh POST: the body read with a byte cap before anything parses it (413 otherwise), then
 * the handler run alone. Handlers await (signature checks, storage), and between the check of
 * a capacity or a window and the write that uses it another request must not slip in, so every
 * mesh write is serialised here (issue 11).
 */
async function withBody(
  node: MeshNode,
  request: Request,
  limit: number,
  handle: (text: string) => Promise<MeshReply<unknown>>,
): Promise<Response> {
  const body = await readMeshBody(request, limit);
  if (!body.ok) return body.response;
  return meshResponse(await node.exclusive(() => handle(body.text)));
}

/** §8.5 POST /__darkmatter__/message. */
export async function handleMessage(node: MeshNode, text: string, client: string): Promise<MeshReply<unknown>> {
  const now = node.now();
  const body = parseJsonBody(text);
  const receipt = await receiveMessage(body, {
    now,
    isActive: node.isActive(),
    inboxLength: node.store.inbox.length,
    globalRateLimit: node.profile().globalRateLimit,
    globalWindow: node.windows.global,
    replaySeenAt: (id) => node.store.replaySeenAt(id),
    connection: (id) => {
      const connection = node.store.connections.get(id);
      return connection && { ...connection, window: node.windows.connections.get(id) ?? [] };
    },
    admitClient: () => node.admitAnonymous(client),
  });
  const senderId = body.ok ? (body.value as { from_agent_id?: unknown } | null)?.from_agent_id : undefined;
  const sender = typeof senderId === "string" ? node.store.connections.get(senderId) : undefined;
  // Storage first, memory after: a write that fails leaves both as they were.
  if (receipt.recordMessageId !== undefined) node.store.recordMessageId(receipt.recordMessageId, now);
  if (sender && (receipt.isDeclined || receipt.pinKey || receipt.queued)) {
    node.store.putConnection({
      ...sender,
      messages_declined: sender.messages_declined + (receipt.isDeclined ? 1 : 0),
      agent_public_key_hex: receipt.pinKey ?? sender.agent_public_key_hex,
      messages_received: sender.messages_received + (receipt.queued ? 1 : 0),
      last_activity: receipt.queued ? now : sender.last_activity,
    });
  }
  if (receipt.queued) node.store.addToInbox(receipt.queued);
  if (receipt.windows) {
    node.windows.global = receipt.windows.global;
    if (sender) node.windows.connections.set(sender.agent_id, receipt.windows.connection);
  }
  if (receipt.queued) {
    node.emit({
      type: "mesh.message.received",
      data: {
        messageId: receipt.queued.message_id,
        fromAgent: receipt.queued.from_agent_id,
        hopsRemaining: receipt.queued.hops_remaining,
        bytes: new TextEncoder().encode(receipt.queued.content).length,
        signed: receipt.queued.verified,
      },
    });
    node.profile().messagesHandled++;
    await node.store.saveProfile();
    await scheduleAlarm(node);
    routeAfterReply(node, receipt.queued.message_id);
  }
  return receipt.reply;
}

/** §8.2 POST /__darkmatter__/connection_request. */
export async function handleConnectionRequest(
  node: MeshNode,
  text: string,
  client: string,
): Promise<MeshReply<unknown>> {
  const now = node.now();
  node.store.expirePending(now);
  const outcome = receiveConnectionRequest(parseJsonBody(text), {
    now,
    isActive: node.isActive(),
    self: node.self(),
    admitClient: () => node.admitAnonymous(client),
    connection: (id) => node.store.connections.get(id),
    pendingCount: node.store.pending.size,
    pendingFromClient: node.store.pendingFrom(client),
    urlRefusal: node.urlRefusal,
  });
  if (outcome.pinKey) {
    const existing = node.store.connections.get(outcome.pinKey.agentId)!;
    node.store.putConnection({
      ...existing,
      agent_public_key_hex: outcome.pinKey.publicKeyHex,
      agent_display_name: outcome.pinKey.displayName,
    });
  }
  if (outcome.pending) {
    node.store.putPending({ request: outcome.pending, client, expiresAt: outcome.expiresAt! });
    node.connectionChanged(outcome.pending.from_agent_id, "requested", "inbound", outcome.pending.from_agent_url);
    await scheduleAlarm(node);
  }
  return outcome.reply;
}

/** §8.3 POST /__darkmatter__/connection_accepted. */
export async function handleConnectionAccepted(
  node: MeshNode,
  text: string,
  client: string,
): Promise<MeshReply<unknown>> {
  const limited = node.admitAnonymous(client); // the reference has no limit here; a public node charges the client
  if (limited) return limited;
  const outcome = receiveConnectionAccepted(parseJsonBody(text), {
    now: node.now(),
    pendingOutbound: node.store.pendingOutbound,
    urlRefusal: node.urlRefusal,
  });
  if (outcome.connection) {
    const learned = learnConnection(node, outcome.connection);
    if (!learned.ok) return learned; // a different key for a known agent: refused, the request still pending
    node.connectionChanged(outcome.connection.agent_id, "accepted", "outbound", learned.connection.agent_url);
  }
  if (outcome.consumed) node.store.setPendingOutbound(node.store.pendingOutbound.filter((p) => p !== outcome.consumed));
  if (outcome.connection) await scheduleAlarm(node);
  return outcome.reply;
}

/** §8.6 POST /__darkmatter__/webhook/{message_id}: a holder's update on one of our sent messages. */
export async function handleWebhookUpdate(
  node: MeshNode,
  messageId: string,
  text: string,
): Promise<MeshReply<unknown>> {
  const now = node.now();
  const limited = node.admitGlobal(now); // knowing the message ID is what makes this a peer's request
  if (limited) return limited;
  const outcome = applyWebhookUpdate(messageId, node.sentRecord(messageId), parseJsonBody(text), now);
  if (outcome.record) node.store.saveSent(outcome.record);
  if (outcome.record?.response) node.effects.responseReceived(messageId, text);
  return outcome.reply;
}

/** §8.11 POST /__darkmatter__/peer_update. */
export async function handlePeerUpdate(node: MeshNode, text: string, client: string): Promise<MeshReply<unknown>> {
  const outcome = await receivePeerUpdate(parseJsonBody(text), {
    now: node.now(),
    admitClient: () => node.admitAnonymous(client),
    connection: (id) => node.store.connections.get(id),
    urlRefusal: node.urlRefusal,
  });
  if (outcome.newUrl) {
    const existing = node.store.connections.get(outcome.newUrl.agentId)!;
    node.store.putConnection({ ...existing, agent_url: outcome.newUrl.url });
  }
  return outcome.reply;
}

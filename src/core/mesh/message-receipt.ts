// POST /__darkmatter__/message (mesh spec §8.5) as one pure decision. The processing order is
// the reference's, exactly, because it decides which error a peer sees and whether the message
// ID is consumed (§19.4): the replay cache records the ID at step 4, before the size, URL,
// connection, rate-limit and signature checks, so a rejected message still burns its ID.
//
// The caller (the Agent Durable Object) reads the state through `MessageReceiptContext`, then
// applies every effect in the returned `MessageReceipt` — including `recordMessageId` on a
// refusal — and sends `reply`. The same function serves WebRTC frames (§15), minus the reply.
import type { MessageQueuedReply, ReceivedMessageBody } from "../../schemas/mesh.js";
import type { InboxMessage } from "../../schemas/mesh-state.js";
import { ReceivedMessageBody as ReceivedMessageBodySchema } from "../../schemas/mesh.js";
import { receivedHops } from "./forwarding.js";
import { isInboxFull } from "./inbox.js";
import {
  MAX_AGENT_ID_CODE_POINTS,
  MAX_CONTENT_CODE_POINTS,
  MAX_STORED_MESSAGE_ID_CODE_POINTS,
} from "./limits.js";
import { isJsonObject, meshErrors, success, type MeshRejection, type MeshReply, type ParsedBody } from "./mesh-reply.js";
import { verifyMessageSignature } from "./message-signing.js";
import { codePointLength, isTruthy, truncateCodePoints } from "./python-semantics.js";
import { checkMeshRateLimit, type SlidingWindow } from "./rate-limit.js";
import { isReplay, isTimestampFresh } from "./replay.js";
import { formatMeshTimestamp } from "./timestamp.js";
import { validateMeshUrl } from "./url.js";

/** The sender's connection as far as receipt is concerned. */
export interface ReceivingConnection {
  /** Pinned key (§5.6); null or absent when none is stored yet. */
  agent_public_key_hex?: string | null;
  /** 0 = default 30, −1 = unlimited, n > 0 (§10.1). */
  rate_limit: number;
  /** Admissions of this connection's messages in the last 60 s. */
  window: SlidingWindow;
}

export interface MessageReceiptContext {
  /** Wall clock, epoch ms. */
  now: number;
  isActive: boolean;
  inboxLength: number;
  /** Node-wide rate-limit setting (0 = default 200, −1 = unlimited) and its window. */
  globalRateLimit: number;
  globalWindow: SlidingWindow;
  /** When this exact message ID was last recorded (§6.5), if at all. */
  replaySeenAt(messageId: string): number | undefined;
  connection(agentId: string): ReceivingConnection | undefined;
}

export interface MessageReceipt {
  reply: MeshReply<MessageQueuedReply>;
  /** §6.5: record this ID with `now`, whatever `reply` says. */
  recordMessageId?: string;
  /** §12.2: the windows after admission (only set when the request passed the rate limits). */
  windows?: { global: SlidingWindow; connection: SlidingWindow };
  /** §8.5 step 9: increment the sender connection's `messages_declined`. */
  isDeclined?: true;
  /** §5.6 last row: pin this key on the sender's connection (first valid signature from a key-less connection). */
  pinKey?: string;
  /** §8.5 step 13: append to the inbox; also bump `messages_received` / `last_activity` of the connection and the node's `messages_handled`. */
  queued?: InboxMessage;
}

/** Mesh spec §8.5 steps 1–13. */
export async function receiveMessage(body: ParsedBody, ctx: MessageReceiptContext): Promise<MessageReceipt> {
  // The handler parses the body before anything else (invalid JSON → 400 first).
  if (!body.ok) return { reply: meshErrors.invalidJsonBody() };
  if (!isJsonObject(body.value)) return { reply: meshErrors.notAnObject() };
  const raw = body.value;

  if (!ctx.isActive) return { reply: meshErrors.inactive() }; // 1
  if (isInboxFull(ctx.inboxLength)) return { reply: meshErrors.messageQueueFull() }; // 2
  if (!isTruthy(raw.message_id) || !isTruthy(raw.content) || !isTruthy(raw.webhook)) {
    return { reply: meshErrors.missingRequiredFields() }; // 3
  }
  // Wrong types crash the reference (500); refusing them here, before the replay check, keeps
  // malformed requests from consuming IDs (a new node SHOULD answer 400, §4.2).
  const parsed = ReceivedMessageBodySchema.safeParse(raw);
  if (!parsed.success) return { reply: meshErrors.invalidFields(parsed.error) };
  const message: ReceivedMessageBody = parsed.data;

  if (isReplay(ctx.replaySeenAt(message.message_id), ctx.now)) return { reply: meshErrors.duplicateMessage() }; // 4
  const recordMessageId = message.message_id;
  const refuse = (reply: MeshRejection, extra: Partial<MessageReceipt> = {}): MessageReceipt => ({ reply, recordMessageId, ...extra });

  if (codePointLength(message.content) > MAX_CONTENT_CODE_POINTS) return refuse(meshErrors.contentTooLong()); // 5
  const fromAgentId = message.from_agent_id;
  if (fromAgentId && codePointLength(fromAgentId) > MAX_AGENT_ID_CODE_POINTS) return refuse(meshErrors.fromAgentIdTooLong()); // 6
  const webhookError = validateMeshUrl(message.webhook);
  if (webhookError) return refuse(meshErrors.invalidWebhook(webhookError)); // 7
  const connection = fromAgentId ? ctx.connection(fromAgentId) : undefined;
  if (!fromAgentId || !connection) return refuse(meshErrors.notConnected()); // 8

  const rate = checkMeshRateLimit(
    { global: { setting: ctx.globalRateLimit, window: ctx.globalWindow }, connection: { setting: connection.rate_limit, window: connection.window } },
    ctx.now,
  ); // 9
  if (!rate.allowed) {
    const reply = rate.scope === "global" ? meshErrors.globalRateLimit(rate.limit) : meshErrors.connectionRateLimit(rate.limit);
    return refuse(reply, { isDeclined: true });
  }
  const windows = { global: rate.global, connection: rate.connection! };
  const admitted = (reply: MeshRejection): MessageReceipt => refuse(reply, { windows });

  const hops = receivedHops(message.hops_remaining); // 10

  // 11: signatures (§6.1). Presence is Python truthiness throughout.
  const signatureHex = message.signature_hex;
  const timestamp = message.timestamp;
  const presentedKey = message.from_public_key_hex;
  const storedKey = connection.agent_public_key_hex;
  const signed = { fromAgentId, messageId: message.message_id, timestamp: timestamp ?? "", content: message.content };
  let isVerified = false;
  let pinKey: string | undefined;
  if (storedKey) {
    if (presentedKey && presentedKey !== storedKey) return admitted(meshErrors.messageKeyMismatch());
    if (!signatureHex || !timestamp) return admitted(meshErrors.messageSignatureRequired());
    if (!(await verifyMessageSignature(storedKey, signed, signatureHex))) return admitted(meshErrors.messageSignatureInvalid());
    isVerified = true;
  } else if (presentedKey && signatureHex && timestamp) {
    if (!(await verifyMessageSignature(presentedKey, signed, signatureHex))) return admitted(meshErrors.messageSignatureInvalid());
    isVerified = true;
    pinKey = presentedKey; // pinned verbatim; compared case-sensitively from now on (§2)
  }
  // Otherwise: accepted unverified and nothing pinned (§8.5 step 11, last two cases).

  if (isVerified && !isTimestampFresh(timestamp!, ctx.now)) return admitted(meshErrors.messageStale()); // 12

  const queued: InboxMessage = {
    // §8.5 step 13 QUIRK: stored ID truncated; the replay cache used the full one.
    message_id: truncateCodePoints(message.message_id, MAX_STORED_MESSAGE_ID_CODE_POINTS),
    content: message.content,
    webhook: message.webhook,
    hops_remaining: hops,
    metadata: Object.hasOwn(raw, "metadata") ? message.metadata : {},
    from_agent_id: fromAgentId,
    verified: isVerified,
    received_at: formatMeshTimestamp(ctx.now),
  };
  return {
    reply: success({ success: true, queued: true, queue_position: ctx.inboxLength + 1 }),
    recordMessageId,
    windows,
    ...(pinKey !== undefined && { pinKey }),
    queued,
  };
}

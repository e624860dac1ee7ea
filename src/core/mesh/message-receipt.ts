// POST /__darkmatter__/message (mesh spec §8.5) as one pure decision. The reference's order
// decides which error a peer sees; a public node changes it in one place (issue 11): the replay
// cache records a message ID only once the message is known to come from a connected peer —
// verified against its pinned key, or from a key-less connection that cannot be verified — and
// from then on the ID is consumed even when the message is refused (rate limit, stale
// timestamp), as §6.5/§19.4 require. Messages from strangers and forgeries cost no durable
// storage and cannot burn a real peer's IDs; they are charged to the client's anonymous budget
// instead of the node-wide window, so a flood cannot get a connected peer refused.
//
// The caller (the Agent Durable Object) reads the state through `MessageReceiptContext`, then
// applies every effect in the returned `MessageReceipt` — including `recordMessageId` on a
// refusal — and sends `reply`. The same function serves WebRTC frames (§15), minus the reply.
import type { MessageQueuedReply, ReceivedMessageBody } from "../../schemas/mesh.js";
import type { InboxMessage } from "../../schemas/mesh-state.js";
import { ReceivedMessageBody as ReceivedMessageBodySchema } from "../../schemas/mesh.js";
import { receivedHops } from "./forwarding.js";
import { isInboxFull } from "./inbox.js";
import { canonicalBytes } from "../canonical-json.js";
import {
  MAX_AGENT_ID_CODE_POINTS,
  MAX_CONTENT_CODE_POINTS,
  MAX_MESSAGE_ID_CODE_POINTS,
  MAX_METADATA_BYTES,
  MAX_STORED_MESSAGE_ID_CODE_POINTS,
  MAX_TIMESTAMP_CODE_POINTS,
  SIGNATURE_HEX_CHARS,
} from "./limits.js";
import { checkClaimedIdentity, checkPresentedKey } from "./peer-identity.js";
import {
  isJsonObject,
  meshErrors,
  success,
  type MeshRejection,
  type MeshReply,
  type ParsedBody,
} from "./mesh-reply.js";
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
  /** Charge the client's anonymous budget (issue 11); a refusal when it is spent. */
  admitClient(): MeshRejection | undefined;
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
  const bounds = messageBoundsError(message, raw);
  if (bounds) return { reply: bounds }; // 5–7, and the bounds a public node adds

  // 8: who sent it. Nothing below is stored for a stranger or a forgery.
  const fromAgentId = message.from_agent_id;
  const connection = fromAgentId ? ctx.connection(fromAgentId) : undefined;
  const anonymous = (reply: MeshRejection): MessageReceipt => ({ reply: ctx.admitClient() ?? reply });
  if (!fromAgentId || !connection) return anonymous(meshErrors.notConnected());

  // 11 (before the replay cache, see above): signatures (§6.1). Presence is Python truthiness throughout.
  const signatureHex = message.signature_hex;
  const timestamp = message.timestamp;
  const presentedKey = message.from_public_key_hex;
  const storedKey = connection.agent_public_key_hex;
  const signed = { fromAgentId, messageId: message.message_id, timestamp: timestamp ?? "", content: message.content };
  let isVerified = false;
  let pinKey: string | undefined;
  if (storedKey) {
    if (presentedKey && presentedKey !== storedKey) return anonymous(meshErrors.messageKeyMismatch());
    if (!signatureHex || !timestamp) return anonymous(meshErrors.messageSignatureRequired());
    if (!(await verifyMessageSignature(storedKey, signed, signatureHex)))
      return anonymous(meshErrors.messageSignatureInvalid());
    isVerified = true;
  } else if (presentedKey && signatureHex && timestamp) {
    const identity = checkClaimedIdentity({ agentId: fromAgentId, keyField: "from_public_key_hex", key: presentedKey });
    if (!identity.ok) return anonymous(identity);
    if (!(await verifyMessageSignature(presentedKey, signed, signatureHex)))
      return anonymous(meshErrors.messageSignatureInvalid());
    isVerified = true;
    pinKey = presentedKey; // pinned verbatim; compared case-sensitively from now on (§2)
  } else {
    // Accepted unverified and nothing pinned (§8.5 step 11, last two cases) — but anyone can
    // claim a key-less connection, so it is charged like any unauthenticated request.
    const limited = ctx.admitClient();
    if (limited) return { reply: limited };
  }

  if (isReplay(ctx.replaySeenAt(message.message_id), ctx.now)) return { reply: meshErrors.duplicateMessage() }; // 4
  const recordMessageId = message.message_id;
  const refuse = (reply: MeshRejection, extra: Partial<MessageReceipt> = {}): MessageReceipt => ({
    reply,
    recordMessageId,
    ...extra,
  });

  const rate = checkMeshRateLimit(
    {
      global: { setting: ctx.globalRateLimit, window: ctx.globalWindow },
      connection: { setting: connection.rate_limit, window: connection.window },
    },
    ctx.now,
  ); // 9
  if (!rate.allowed) {
    const reply =
      rate.scope === "global" ? meshErrors.globalRateLimit(rate.limit) : meshErrors.connectionRateLimit(rate.limit);
    return refuse(reply, { isDeclined: true });
  }
  const windows = { global: rate.global, connection: rate.connection! };
  const admitted = (reply: MeshRejection): MessageReceipt => refuse(reply, { windows });

  const hops = receivedHops(message.hops_remaining); // 10

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

/**
 * §8.5 steps 5–7 and the bounds a public node adds (issue 11): every string bounded, metadata at
 * most MAX_METADATA_BYTES of canonical JSON, a presented key well-formed. Checked before the
 * sender is looked at, so nothing oversized is ever held or stored.
 */
function messageBoundsError(message: ReceivedMessageBody, raw: Record<string, unknown>): MeshRejection | undefined {
  if (codePointLength(message.message_id) > MAX_MESSAGE_ID_CODE_POINTS) return meshErrors.fieldTooLong("message_id");
  if (codePointLength(message.content) > MAX_CONTENT_CODE_POINTS) return meshErrors.contentTooLong(); // 5
  if (message.from_agent_id && codePointLength(message.from_agent_id) > MAX_AGENT_ID_CODE_POINTS)
    return meshErrors.fromAgentIdTooLong(); // 6
  const webhookError = validateMeshUrl(message.webhook);
  if (webhookError) return meshErrors.invalidWebhook(webhookError); // 7
  const key = checkPresentedKey("from_public_key_hex", message.from_public_key_hex);
  if (!key.ok) return key;
  if (message.signature_hex && message.signature_hex.length > SIGNATURE_HEX_CHARS)
    return meshErrors.fieldTooLong("signature_hex");
  if (message.timestamp && codePointLength(message.timestamp) > MAX_TIMESTAMP_CODE_POINTS)
    return meshErrors.fieldTooLong("timestamp");
  if (Object.hasOwn(raw, "metadata") && !isMetadataBounded(message.metadata))
    return meshErrors.fieldTooLong("metadata");
  return undefined;
}

/** `metadata` of a message or webhook response: at most MAX_METADATA_BYTES as canonical JSON. */
export function isMetadataBounded(metadata: unknown): boolean {
  try {
    return canonicalBytes(metadata ?? null).byteLength <= MAX_METADATA_BYTES;
  } catch {
    return false; // not representable as canonical JSON (lone surrogates, nesting past the stack)
  }
}

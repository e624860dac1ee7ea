// What an originator keeps about the messages it sent and what its webhook does with updates
// (mesh spec §8.6, §8.7, §11.1, §11.6). Records are plain data in their wire shape; every
// function returns a new record instead of mutating one.
import type {
  ReceivedWebhookUpdate,
  WebhookRecordedReply,
  WebhookStatusDocument,
  WebhookUpdateRecord,
} from "../../schemas/mesh.js";
import type { SentMessage } from "../../schemas/mesh-state.js";
import { ReceivedWebhookUpdate as ReceivedWebhookUpdateSchema } from "../../schemas/mesh.js";
import {
  MAX_AGENT_ID_CODE_POINTS,
  MAX_CONTENT_CODE_POINTS,
  MAX_NOTE_CODE_POINTS,
  MAX_WEBHOOK_UPDATES_PER_MESSAGE,
  SENT_MESSAGES_CAPACITY,
} from "./limits.js";
import { isMetadataBounded } from "./message-receipt.js";
import { abbreviate, codePointLength } from "./python-semantics.js";
import { isJsonObject, meshErrors, success, type MeshReply, type ParsedBody } from "./mesh-reply.js";
import { formatMeshTimestamp, parseMeshTimestamp } from "./timestamp.js";
import { bytesToHex, concatBytes, hexToBytes, sha3 } from "../hash.js";

/** Appendix A, §11.1: `msg-` + the first 12 hex characters of a random UUID4 (all 12 are random bits). */
export function newMessageId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return `msg-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * The same shape as `newMessageId`, but the same id every time for the same idempotency key, so a
 * retried send finds the record of the first one. Keyed by the sender's private key (SHA3 is a
 * sound MAC as secret ‖ message, having no length extension): a peer cannot predict the id and
 * spend it in a receiver's replay cache (§6.5) first.
 */
export function keyedMessageId(privateKeyHex: string, key: string): string {
  const digest = sha3(concatBytes(hexToBytes(privateKeyHex), new TextEncoder().encode(key)));
  return `msg-${bytesToHex(digest.subarray(0, 6))}`;
}

/** §11.1: the record created for a send, even if every delivery fails. */
export function newSentMessage(input: {
  message_id: string;
  content: string;
  initial_hops: number;
  routed_to: string[];
  now: number;
}): SentMessage {
  return {
    message_id: input.message_id,
    content: input.content,
    status: "active",
    initial_hops: input.initial_hops,
    routed_to: input.routed_to,
    created_at: formatMeshTimestamp(input.now),
    updates: [],
    response: null,
  };
}

/**
 * §11.1: at most 100 records are kept; adding one beyond that evicts the oldest `created_at`.
 * Records never expire by time. Returns the kept list and what was evicted.
 */
export function rememberSentMessage(
  records: readonly SentMessage[],
  record: SentMessage,
): { records: SentMessage[]; evicted: SentMessage[] } {
  const kept = [...records.filter((r) => r.message_id !== record.message_id), record];
  const evicted: SentMessage[] = [];
  while (kept.length > SENT_MESSAGES_CAPACITY) {
    let oldest = 0;
    for (let i = 1; i < kept.length; i++) if (createdAt(kept[i]!) < createdAt(kept[oldest]!)) oldest = i;
    evicted.push(...kept.splice(oldest, 1));
  }
  return { records: kept, evicted };
}

function createdAt(record: SentMessage): number {
  return parseMeshTimestamp(record.created_at) ?? Number.NEGATIVE_INFINITY; // unreadable dates go first
}

/** §8.7: the status document, exactly `message_id, status, initial_hops, created_at, updates`. */
export function webhookStatusDocument(record: SentMessage): WebhookStatusDocument {
  return {
    message_id: record.message_id,
    status: record.status,
    initial_hops: record.initial_hops,
    created_at: record.created_at,
    updates: record.updates,
  };
}

/** §8.7 GET `/__darkmatter__/webhook/{message_id}`: unknown → 404 (not rate-limited, no auth). */
export function webhookStatusReply(
  messageId: string,
  record: SentMessage | undefined,
): MeshReply<WebhookStatusDocument> {
  return record ? success(webhookStatusDocument(record)) : meshErrors.noSentMessage(messageId);
}

export interface WebhookUpdateOutcome {
  reply: MeshReply<WebhookRecordedReply>;
  /** The record to store when the update was recorded. */
  record?: SentMessage;
}

/**
 * §8.6 POST `/__darkmatter__/webhook/{message_id}`, after the global rate limit (§12.2), in the
 * reference's order: unknown message → 404, then invalid JSON → 400, then dispatch on `type`.
 * The stored timestamp is always the receiver's clock. Unauthenticated by design of the
 * protocol: a `response` is recorded even after expiry, and a later one overwrites it.
 */
export function applyWebhookUpdate(
  messageId: string,
  record: SentMessage | undefined,
  body: ParsedBody,
  now: number,
): WebhookUpdateOutcome {
  if (!record) return { reply: meshErrors.noSentMessage(messageId) };
  if (!body.ok) return { reply: meshErrors.invalidJsonBody() };
  if (!isJsonObject(body.value)) return { reply: meshErrors.notAnObject() };
  const parsed = ReceivedWebhookUpdateSchema.safeParse(body.value);
  if (!parsed.success) return { reply: meshErrors.invalidFields(parsed.error) };
  const update: ReceivedWebhookUpdate = parsed.data;
  const has = (key: string) => Object.hasOwn(body.value as object, key);
  const bounds = webhookBoundsError(update, has("metadata"));
  if (bounds) return { reply: bounds };
  if (
    (update.type === "forwarded" || update.type === "expired") &&
    record.updates.length >= MAX_WEBHOOK_UPDATES_PER_MESSAGE
  ) {
    return {
      reply: {
        ok: false,
        status: 429,
        code: "too-many-updates",
        error: `Too many updates for this message (${MAX_WEBHOOK_UPDATES_PER_MESSAGE})`,
      },
    };
  }
  // `.get(key, default)`: the default applies only when the key is absent; an explicit null stays null.
  const agentId = has("agent_id") ? (update.agent_id ?? null) : "unknown";
  const timestamp = formatMeshTimestamp(now);
  switch (update.type) {
    case "forwarded": {
      const entry: WebhookUpdateRecord = {
        type: "forwarded",
        agent_id: agentId,
        target_agent_id: has("target_agent_id") ? (update.target_agent_id ?? null) : "",
        note: update.note ?? null,
        timestamp,
      };
      return {
        reply: success({ success: true, recorded: "forwarded" }),
        record: { ...record, updates: [...record.updates, entry] },
      };
    }
    case "response":
      return {
        reply: success({ success: true, recorded: "response" }),
        record: {
          ...record,
          status: "responded",
          response: {
            agent_id: agentId,
            response: has("response") ? (update.response ?? null) : "",
            metadata: has("metadata") ? update.metadata : {},
            timestamp,
          },
        },
      };
    case "expired": {
      // §11.6, §18 #8: recorded only; the status is NOT changed.
      const entry: WebhookUpdateRecord = { type: "expired", agent_id: agentId, note: update.note ?? null, timestamp };
      return {
        reply: success({ success: true, recorded: "expired" }),
        record: { ...record, updates: [...record.updates, entry] },
      };
    }
    default:
      return { reply: meshErrors.unknownUpdateType(has("type") ? update.type : "") };
  }
}

/**
 * Issue 11: every field of an update bounded before it is recorded, so a sent-message record
 * (at most MAX_WEBHOOK_UPDATES_PER_MESSAGE updates and one response) stays far below the
 * storage row limit. The spec names content's limit; a response gets the same.
 */
function webhookBoundsError(update: ReceivedWebhookUpdate, hasMetadata: boolean): MeshReply<never> | undefined {
  const tooLong = meshErrors.fieldTooLong;
  for (const field of ["agent_id", "target_agent_id"] as const) {
    const value = update[field];
    if (typeof value === "string" && codePointLength(value) > MAX_AGENT_ID_CODE_POINTS) return tooLong(field);
  }
  if (typeof update.note === "string" && codePointLength(update.note) > MAX_NOTE_CODE_POINTS) return tooLong("note");
  if (typeof update.response === "string" && codePointLength(update.response) > MAX_CONTENT_CODE_POINTS)
    return tooLong("response");
  if (hasMetadata && !isMetadataBounded(update.metadata)) return tooLong("metadata");
  return undefined;
}

/** §11.6: only the originator expires a message; holders learn it on their next pre-forward GET. */
export function expireSentMessage(record: SentMessage): { record: SentMessage; wasAlreadyExpired: boolean } {
  if (record.status === "expired") return { record, wasAlreadyExpired: true };
  return { record: { ...record, status: "expired" }, wasAlreadyExpired: false };
}

/** §17 `darkmatter_list_messages` / `get_sent_message`: number of recorded forwards. */
export function forwardingCount(record: SentMessage): number {
  return record.updates.filter((update) => update.type === "forwarded").length;
}

/** §17 `darkmatter_list_messages` entry: content cut to 200 code points plus "...", with its counts. */
export function sentSummary(record: SentMessage) {
  return {
    message_id: record.message_id,
    content: abbreviate(record.content, 200),
    status: record.status,
    initial_hops: record.initial_hops,
    forwarding_count: forwardingCount(record),
    updates_count: record.updates.length,
    created_at: record.created_at,
  };
}

/** §17 `darkmatter_get_sent_message`: the whole record with its forwarding count. */
export function sentDetail(record: SentMessage) {
  return {
    message_id: record.message_id,
    content: record.content,
    status: record.status,
    initial_hops: record.initial_hops,
    forwarding_count: forwardingCount(record),
    routed_to: record.routed_to,
    created_at: record.created_at,
    updates: record.updates,
    response: record.response,
  };
}

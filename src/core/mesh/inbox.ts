// The inbox: messages received and not yet answered, forwarded or dropped (mesh spec §8.5,
// §11.3). Observable rules a new node keeps even if it persists the inbox (§19.12): at most 50
// entries (the 51st message is refused with 429, never an older one evicted) and entries older
// than an hour disappear silently.
import type { InboxMessage } from "../../schemas/mesh-state.js";
import { INBOX_CAPACITY, INBOX_MAX_AGE_SECONDS } from "./limits.js";
import { abbreviate } from "./python-semantics.js";
import { parseMeshTimestamp } from "./timestamp.js";

/** §8.5 step 2. */
export function isInboxFull(length: number): boolean {
  return length >= INBOX_CAPACITY;
}

/**
 * §11.3: drop entries whose `received_at` is more than 3600 s old. The reference sweeps every
 * ~30 s; a Durable Object should sweep on an alarm at least once a minute (§20: "within a
 * minute"), or filter on read. Entries with an unreadable `received_at` are kept.
 */
export function purgeInbox(
  inbox: readonly InboxMessage[],
  now: number,
): { inbox: InboxMessage[]; purged: InboxMessage[] } {
  const cutoff = now - INBOX_MAX_AGE_SECONDS * 1000;
  const kept: InboxMessage[] = [];
  const purged: InboxMessage[] = [];
  for (const message of inbox) {
    const receivedAt = parseMeshTimestamp(message.received_at);
    (receivedAt !== undefined && receivedAt < cutoff ? purged : kept).push(message);
  }
  return { inbox: kept, purged };
}

/** When the next sweep is due: the moment the oldest entry turns one hour old (for a DO alarm). */
export function nextInboxExpiry(inbox: readonly InboxMessage[]): number | undefined {
  let oldest: number | undefined;
  for (const message of inbox) {
    const receivedAt = parseMeshTimestamp(message.received_at);
    if (receivedAt !== undefined && (oldest === undefined || receivedAt < oldest)) oldest = receivedAt;
  }
  return oldest === undefined ? undefined : oldest + INBOX_MAX_AGE_SECONDS * 1000;
}

/** Remove one message by ID (respond, forward and drop all take the message out, §11.4, §11.5). */
export function takeFromInbox(
  inbox: readonly InboxMessage[],
  messageId: string,
): { message?: InboxMessage; inbox: InboxMessage[] } {
  const index = inbox.findIndex((message) => message.message_id === messageId);
  if (index < 0) return { inbox: [...inbox] };
  return { message: inbox[index], inbox: [...inbox.slice(0, index), ...inbox.slice(index + 1)] };
}

/** §17 `darkmatter_list_inbox` entry: content cut to 200 code points plus "...", and `can_forward`. */
export function inboxSummary(message: InboxMessage) {
  return {
    message_id: message.message_id,
    content: abbreviate(message.content, 200),
    webhook: message.webhook,
    hops_remaining: message.hops_remaining,
    can_forward: message.hops_remaining > 0,
    from_agent_id: message.from_agent_id,
    verified: message.verified,
    metadata: message.metadata,
    received_at: message.received_at,
  };
}

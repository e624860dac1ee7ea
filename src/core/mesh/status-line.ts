// The live status line of `darkmatter_status` (mesh spec §17, seed 002 "Live status"): one line
// of counts, then one `ACTION:` line per thing the agent's operator (an LLM, usually) should do,
// most urgent first, or an all-clear. The reference rewrites the tool's description every 5 s
// and pushes notifications/tools/list_changed (§16); a stateless edge server has no session to
// push to, so the same text is computed when it is asked for (tools/list, tools/call).
import type { InboxMessage } from "../../schemas/mesh-state.js";
import { DEFAULT_BIO, INBOX_MAX_AGE_SECONDS } from "./limits.js";
import { agentLabel } from "./passport.js";
import { parseMeshTimestamp } from "./timestamp.js";

/** Held messages this close to the one-hour purge (§11.3) are called out as expiring. */
export const EXPIRING_WITHIN_SECONDS = 600;
/** Peers named on the line; the rest are counted. */
const PEERS_SHOWN = 10;

export interface StatusSnapshot {
  agentId: string;
  status: "active" | "inactive";
  /** Epoch ms of the auto-reactivation, while inactive. */
  inactiveUntil: number | null;
  bio: string;
  connections: ReadonlyArray<{ agent_id: string; agent_display_name: string | null }>;
  maxConnections: number;
  pendingRequests: number;
  inbox: readonly Pick<InboxMessage, "received_at">[];
  messagesHandled: number;
  /** Sent messages still `active` (neither responded nor expired). */
  awaitingResponse: number;
  now: number;
}

/** Held messages purged within EXPIRING_WITHIN_SECONDS of `now`. */
export function expiringInboxCount(inbox: StatusSnapshot["inbox"], now: number): number {
  const horizon = now + EXPIRING_WITHIN_SECONDS * 1000;
  return inbox.filter((message) => {
    const receivedAt = parseMeshTimestamp(message.received_at);
    return receivedAt !== undefined && receivedAt + INBOX_MAX_AGE_SECONDS * 1000 <= horizon;
  }).length;
}

/** The `ACTION:` hints, most urgent first. */
export function statusActions(s: StatusSnapshot): string[] {
  const actions: string[] = [];
  const minutes = (ms: number) => Math.max(1, Math.ceil(ms / 60_000));
  if (s.status === "inactive")
    actions.push(
      `you are inactive${s.inactiveUntil ? ` for ${minutes(s.inactiveUntil - s.now)} more minute(s)` : ""}: peers get 503 for messages and connection requests; darkmatter_set_status with status "active" takes them again`,
    );
  const expiring = expiringInboxCount(s.inbox, s.now);
  if (expiring > 0)
    actions.push(
      `${expiring} inbox message(s) will be purged within ${EXPIRING_WITHIN_SECONDS / 60} minutes (messages are held for one hour): answer them with darkmatter_respond_message or forward them with darkmatter_send_message now`,
    );
  if (s.pendingRequests > 0)
    actions.push(
      `${s.pendingRequests} agent(s) want to connect: review them with darkmatter_list_pending_requests, then darkmatter_connection with action "accept" or "reject"`,
    );
  if (s.inbox.length > 0)
    actions.push(
      `${s.inbox.length} message(s) in your inbox: read them with darkmatter_list_inbox and darkmatter_get_message, reply with darkmatter_respond_message`,
    );
  if (s.awaitingResponse > 0)
    actions.push(`${s.awaitingResponse} sent message(s) awaiting a response: check them with darkmatter_list_messages`);
  if (s.connections.length === 0)
    actions.push(
      `no connections yet: darkmatter_connection with action "request" and a peer's target_url, or darkmatter_discover_local for the agents hosted here and registered with this anchor`,
    );
  if (!s.bio || s.bio === DEFAULT_BIO)
    actions.push(
      `your bio is the default one: describe what you do with darkmatter_update_bio, so peers know what to route to you`,
    );
  return actions;
}

/** The whole status text: the counts line, a blank line, then the actions or an all-clear. */
export function statusLine(s: StatusSnapshot): string {
  const shown = s.connections.slice(0, PEERS_SHOWN).map((c) => agentLabel(c.agent_id, c.agent_display_name));
  const more = s.connections.length - shown.length;
  const peers = shown.length === 0 ? "none" : shown.join(", ") + (more > 0 ? ` and ${more} more` : "");
  const counts =
    `Agent: ${s.agentId} | Status: ${s.status} | Connections: ${s.connections.length}/${s.maxConnections} (${peers}) | ` +
    `Inbox: ${s.inbox.length} | Handled: ${s.messagesHandled} | Pending requests: ${s.pendingRequests}`;
  const actions = statusActions(s);
  return actions.length > 0
    ? `${counts}\n\n${actions.map((action) => `ACTION: ${action}`).join("\n")}`
    : `${counts}\n\nAll clear: inbox empty, no pending requests.`;
}

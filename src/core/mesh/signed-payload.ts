// The exact bytes each signed mesh artefact covers (mesh spec §6.1, §6.2, Appendix B). Nothing
// is signed over JSON (§4.2): the signed text is a few strings joined by a single LF (0x0A),
// with no trailing LF and no escaping, encoded as UTF-8. Canonical JSON (src/core/canonical-json)
// does not apply here and is deliberately not used.
import { utf8 } from "../canonical-json.js";
import { isWellFormedText } from "./python-semantics.js";

/** §6.1: what a message, a forwarded message and a webhook response are signed over. */
export interface MessageSigningFields {
  /** The signer's own agent ID: for a forward, the forwarder; for a response, the responder. */
  fromAgentId: string;
  /** The message ID exactly as carried in the body (for a response: the message being answered). */
  messageId: string;
  /** The exact `timestamp` string of the body, signed verbatim (§6.4). */
  timestamp: string;
  /** The message text; for a webhook `response` update, the response text. */
  content: string;
}

/** §6.2: what a `peer_update` (node or anchor) is signed over. */
export interface PeerUpdateSigningFields {
  agentId: string;
  newUrl: string;
  timestamp: string;
}

/** `<from_agent_id> LF <message_id> LF <timestamp> LF <content>` (§6.1). */
export function messageSigningText(fields: MessageSigningFields): string {
  return [fields.fromAgentId, fields.messageId, fields.timestamp, fields.content].join("\n");
}

/** `peer_update LF <agent_id> LF <new_url> LF <timestamp>` (§6.2). */
export function peerUpdateSigningText(fields: PeerUpdateSigningFields): string {
  return ["peer_update", fields.agentId, fields.newUrl, fields.timestamp].join("\n");
}

export function messageSigningBytes(fields: MessageSigningFields): Uint8Array {
  return encodeSigned(messageSigningText(fields));
}

export function peerUpdateSigningBytes(fields: PeerUpdateSigningFields): Uint8Array {
  return encodeSigned(peerUpdateSigningText(fields));
}

/**
 * UTF-8 of the signed text. A lone surrogate (possible after JSON.parse of `"\ud800"`) has no
 * UTF-8 form: Python's `.encode()` raises, while TextEncoder would quietly sign U+FFFD — a
 * different byte string than any Python peer could produce or check. So it is an error here.
 */
function encodeSigned(text: string): Uint8Array {
  if (!isWellFormedText(text)) throw new TypeError("signed text contains a lone surrogate and has no UTF-8 encoding");
  return utf8(text);
}

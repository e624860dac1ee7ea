// Signing and verifying mesh artefacts (mesh spec §6.1, §6.2, §6.6) with the system's single
// Ed25519 module. The wire uses hex for keys and signatures (§5.1), like src/core/signing.ts,
// but the reference PARSES hex leniently (`bytes.fromhex`: upper case, spaces between pairs),
// so verification decodes with that rule before handing raw bytes to the signer.
import { bytesToHex } from "@noble/hashes/utils.js";
import { signHex, verify } from "../signing.js";
import type { MessageBody, PeerUpdateBody, ResponseUpdateBody } from "../../schemas/mesh.js";
import type { Passport } from "./passport.js";
import { fromHex } from "./python-semantics.js";
import {
  messageSigningBytes,
  peerUpdateSigningBytes,
  type MessageSigningFields,
  type PeerUpdateSigningFields,
} from "./signed-payload.js";

/** §6.1: signature hex (128 lowercase characters) of a message, forward or webhook response. */
export function signMessage(privateKeyHex: string, fields: MessageSigningFields): Promise<string> {
  return signHex(privateKeyHex, messageSigningBytes(fields));
}

/** §6.2: signature hex of a peer_update. */
export function signPeerUpdate(privateKeyHex: string, fields: PeerUpdateSigningFields): Promise<string> {
  return signHex(privateKeyHex, peerUpdateSigningBytes(fields));
}

/** §6.1 verification: any decoding problem (key, signature, unencodable text) is simply "invalid". */
export function verifyMessageSignature(
  publicKeyHex: string,
  fields: MessageSigningFields,
  signatureHex: string,
): Promise<boolean> {
  return verifyEncoded(publicKeyHex, signatureHex, () => messageSigningBytes(fields));
}

/** §6.2 verification, same rules. */
export function verifyPeerUpdateSignature(
  publicKeyHex: string,
  fields: PeerUpdateSigningFields,
  signatureHex: string,
): Promise<boolean> {
  return verifyEncoded(publicKeyHex, signatureHex, () => peerUpdateSigningBytes(fields));
}

async function verifyEncoded(publicKeyHex: string, signatureHex: string, bytes: () => Uint8Array): Promise<boolean> {
  const key = fromHex(publicKeyHex);
  const signature = fromHex(signatureHex);
  if (!key || key.length !== 32 || !signature || signature.length !== 64) return false;
  let message: Uint8Array;
  try {
    message = bytes();
  } catch {
    return false; // a lone surrogate cannot be UTF-8 encoded: the reference fails verification too
  }
  // §6.6: strict RFC 8032 verification (WebCrypto in workerd, noble elsewhere) via the one signer.
  return verify(bytesToHex(key), message, signature);
}

export interface OutgoingMessage {
  message_id: string;
  content: string;
  /** The originator's webhook; a forward keeps the original one (§11.5 step 6). */
  webhook: string;
  hops_remaining: number;
  metadata: Record<string, unknown>;
  /** The exact string to sign and send (`formatMeshTimestamp(now)`). */
  timestamp: string;
}

/**
 * §11.1 / §11.5: the body POSTed to a peer's `/__darkmatter__/message`, signed by `signer`,
 * who is also `from_agent_id` — for a forward, the forwarder, not the original author.
 */
export async function signedMessageBody(signer: Passport, message: OutgoingMessage): Promise<MessageBody> {
  const signature_hex = await signMessage(signer.privateKeyHex, {
    fromAgentId: signer.agentId,
    messageId: message.message_id,
    timestamp: message.timestamp,
    content: message.content,
  });
  return {
    message_id: message.message_id,
    content: message.content,
    webhook: message.webhook,
    hops_remaining: message.hops_remaining,
    from_agent_id: signer.agentId,
    metadata: message.metadata,
    timestamp: message.timestamp,
    from_public_key_hex: signer.publicKeyHex,
    signature_hex,
  };
}

/** §8.6, §11.4: the `response` update a holder POSTs to the originator's webhook, signed over the response text. */
export async function signedResponseUpdate(
  responder: Passport,
  answer: { message_id: string; response: string; metadata: unknown; timestamp: string },
): Promise<ResponseUpdateBody> {
  const signature_hex = await signMessage(responder.privateKeyHex, {
    fromAgentId: responder.agentId,
    messageId: answer.message_id,
    timestamp: answer.timestamp,
    content: answer.response,
  });
  return {
    type: "response",
    agent_id: responder.agentId,
    response: answer.response,
    metadata: answer.metadata,
    timestamp: answer.timestamp,
    from_public_key_hex: responder.publicKeyHex,
    signature_hex,
  };
}

/**
 * Checks a received `response` update. The reference never does (§8.6 QUIRK); a new node MAY,
 * since every 99e0f0b responder signs. True when the signature verifies under the presented key
 * and that key is the responder's agent ID.
 */
export function verifyResponseUpdate(messageId: string, update: ResponseUpdateBody): Promise<boolean> {
  if (update.agent_id !== update.from_public_key_hex) return Promise.resolve(false);
  return verifyMessageSignature(
    update.from_public_key_hex,
    { fromAgentId: update.agent_id, messageId, timestamp: update.timestamp, content: update.response },
    update.signature_hex,
  );
}

/** §14.2: the signed announcement of a node's current URL, for its connections and anchors. */
export async function signedPeerUpdate(node: Passport, newUrl: string, timestamp: string): Promise<PeerUpdateBody> {
  const signature = await signPeerUpdate(node.privateKeyHex, { agentId: node.agentId, newUrl, timestamp });
  return { agent_id: node.agentId, new_url: newUrl, timestamp, public_key_hex: node.publicKeyHex, signature };
}

// SHA3-256 everywhere (DESIGN: canonical bytes). Neither WebCrypto nor workerd's node:crypto has
// SHA-3, so this is @noble/hashes in every runtime (workerd, Node CLI, browser).
import { sha3_256 } from "@noble/hashes/sha3.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { canonicalBytes } from "./canonical-json.js";

export { bytesToHex, hexToBytes };

export function sha3(bytes: Uint8Array): Uint8Array {
  return sha3_256(bytes);
}

/** Lowercase hex SHA3-256 of the RFC 8785 bytes of `value`. */
export function hashJson(value: unknown): string {
  return bytesToHex(sha3_256(canonicalBytes(value)));
}

export const HEX64 = /^[0-9a-f]{64}$/;

/** The `previous hash` of a hash chain's first entry, 64 zero hex digits: the ledger's genesis entry and the arbiter journal's (seed 001 §6: "previous_hash: str (64 hex)"). */
export const GENESIS_PREVIOUS_HASH = "0".repeat(64);

export function concatBytes(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

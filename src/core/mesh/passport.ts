// An agent's passport: its Ed25519 identity (mesh spec §5). The agent ID IS the public key hex —
// identical, not a hash or a prefix (§5.2) — so an identity is fully determined by its seed.
// Key generation and derivation are the system's single signer (src/core/signing.ts).
import { bytesToHex } from "@noble/hashes/utils.js";
import { generateKeyPair, publicKeyOf } from "../signing.js";
import { fromHex, pyStrip } from "./python-semantics.js";

export interface Passport {
  /** = publicKeyHex (§5.2). */
  agentId: string;
  /** 32-byte Ed25519 public key, 64 lowercase hex characters (§5.1). */
  publicKeyHex: string;
  /** 32-byte RFC 8032 seed, 64 lowercase hex characters (§5.1). Secret. */
  privateKeyHex: string;
}

const LOWER_HEX_64 = /^[0-9a-f]{64}$/;
const LOWER_HEX_128 = /^[0-9a-f]{128}$/;

/** §5.1, §20: keys and agent IDs a node emits are exactly 64 lowercase hex characters. */
export function isPublicKeyHex(text: string): boolean {
  return LOWER_HEX_64.test(text);
}

/** §5.1, §20: signatures a node emits are exactly 128 lowercase hex characters. */
export function isSignatureHex(text: string): boolean {
  return LOWER_HEX_128.test(text);
}

export function newPassport(): Passport {
  const { privateKey, publicKey } = generateKeyPair();
  return { agentId: publicKey, publicKeyHex: publicKey, privateKeyHex: privateKey };
}

/**
 * The passport of a seed. Parsed like the reference's passport file (§5.3): surrounding
 * whitespace stripped, hex read leniently (upper case accepted) and re-emitted lowercase.
 * Undefined when the text is not 32 bytes of hex.
 */
export function passportFromSeed(seedHex: string): Passport | undefined {
  const seed = fromHex(pyStrip(seedHex));
  if (!seed || seed.length !== 32) return undefined;
  const privateKeyHex = bytesToHex(seed);
  const publicKeyHex = publicKeyOf(privateKeyHex);
  return { agentId: publicKeyHex, publicKeyHex, privateKeyHex };
}

/** §5.3 passport file content: the seed hex followed by one `\n`. */
export function passportFileText(passport: Passport): string {
  return `${passport.privateKeyHex}\n`;
}

/**
 * §5.2: every 99e0f0b node presents `agent_id == public_key_hex`. A receiver MAY insist on it
 * (it refuses pre-passport nodes); a Worker anchor SHOULD (§19.7). Exact, case-sensitive
 * comparison, as the reference compares hex strings (§2).
 */
export function isSelfCertifying(agentId: string, publicKeyHex: string | null | undefined): boolean {
  return typeof publicKeyHex === "string" && agentId === publicKeyHex;
}

/** §5.5: `DARKMATTER_DISPLAY_NAME`, falling back to `DARKMATTER_AGENT_ID`; empty → null. */
export function displayNameFromSettings(displayName: string | undefined, legacyAgentId?: string): string | null {
  const name = displayName || legacyAgentId || "";
  return name === "" ? null : name;
}

/** A short form for logs and UIs, as the spec abbreviates IDs (`9c126e8d…c3df`, Appendix C). */
export function abbreviateAgentId(agentId: string): string {
  return agentId.length <= 13 ? agentId : `${agentId.slice(0, 8)}…${agentId.slice(-4)}`;
}

/** What a person sees for a peer: its display name when it has one, else the short ID. */
export function agentLabel(agentId: string, displayName: string | null | undefined): string {
  return displayName ? displayName : abbreviateAgentId(agentId);
}

// A hosted agent's own credential (issue 14): a bearer token (RFC 6750 §2.1) that opens that
// agent's MCP server (/agents/<name>/mcp) and its operator API (/api/v1/agents/<name>/…) and
// nothing else. It is shown once — in the 201 of POST /api/v1/agents and in the answer of
// POST /api/v1/agents/<name>/token — and the Agent object keeps only its SHA-256.
//
// Why one SHA-256 and no slow KDF (bcrypt, scrypt, Argon2): a KDF makes each guess expensive so
// that a low-entropy secret (a password a person chose) survives an offline search of a leaked
// hash. This token is 256 bits from the platform's CSPRNG; no search of that space is feasible
// whatever a guess costs, so a preimage-resistant hash is all a leaked hash needs (work factors
// are a password measure: OWASP Password Storage Cheat Sheet). The hash is @noble/hashes'
// synchronous SHA-256 rather than WebCrypto's promise, so the Agent object checks and rotates a
// token without an await between its read and its write.
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { utf8 } from "./canonical-json.js";
import { secretsEqual } from "./constant-time.js";

/** Marks the secret as a DarkMatter agent token (for people, logs and secret scanners). */
export const AGENT_TOKEN_PREFIX = "dmagent_";
/** 256 bits of randomness. */
const TOKEN_BYTES = 32;

/** The stored form of a token: lowercase hex SHA-256 of its UTF-8 bytes. */
export function agentTokenHash(token: string): string {
  return bytesToHex(sha256(utf8(token)));
}

/** A fresh token and the hash to store in its place. */
export function issueAgentToken(): { token: string; hash: string } {
  const token = AGENT_TOKEN_PREFIX + bytesToHex(crypto.getRandomValues(new Uint8Array(TOKEN_BYTES)));
  return { token, hash: agentTokenHash(token) };
}

/** Is `token` the one whose hash is stored? Constant time; never when no hash is stored. */
export function matchesAgentToken(token: string | null, storedHash: string | null | undefined): boolean {
  return token !== null && Boolean(storedHash) && secretsEqual(agentTokenHash(token), storedHash!);
}

// The rules for learning who a peer is (issue 11, mesh spec §5.2, §5.6). A handshake (request,
// acceptance, auto-accept reply) is unsigned (§6.3), so what it may teach us is narrow:
//  - a presented key must be a 64-hex Ed25519 key and, since 0.2, the agent ID *is* the key
//    (§5.2): a presented key that differs from the presented agent_id is refused;
//  - where we know whom we asked (the agent_id of the well-known document fetched before
//    dialling, §19.1), the answer must name that agent;
//  - a key once stored is never replaced, and a stored URL is never replaced by a handshake: only
//    a signed peer_update verified against the pinned key, or an operator action, moves it.
// The reference checks none of this (§5.2 QUIRK, §5.6); every 99e0f0b node satisfies it, which
// is why it costs no interop.
import { MAX_DISPLAY_NAME_CODE_POINTS, PUBLIC_KEY_HEX_PATTERN } from "./limits.js";
import { meshErrors, type MeshRejection } from "./mesh-reply.js";
import { truncateCodePoints } from "./python-semantics.js";

/** A key as presented on the wire: absent (null), or a well-formed key (refused otherwise). */
export function checkPresentedKey(
  field: string,
  key: string | null | undefined,
): { ok: true; key: string | null } | MeshRejection {
  if (key === null || key === undefined || key === "") return { ok: true, key: null };
  return PUBLIC_KEY_HEX_PATTERN.test(key) ? { ok: true, key } : meshErrors.malformedHex(field, 64);
}

/**
 * What a handshake claims: `agentId` with an optional key. Refused when the key is malformed,
 * when it is not the agent ID (§5.2), or when `expectedAgentId` is known and differs.
 */
export function checkClaimedIdentity(claim: {
  agentId: string;
  keyField: string;
  key: string | null | undefined;
  expectedAgentId?: string;
}): { ok: true; key: string | null } | MeshRejection {
  const key = checkPresentedKey(claim.keyField, claim.key);
  if (!key.ok) return key;
  if (key.key !== null && key.key !== claim.agentId) return meshErrors.identityMismatch();
  if (claim.expectedAgentId !== undefined && claim.expectedAgentId !== claim.agentId)
    return meshErrors.unexpectedAgent();
  return key;
}

/**
 * A handshake about a peer we already have a record of: a different key is refused (reported as
 * for messages); the same key, or none, changes nothing; a key for a key-less record is pinned.
 */
export function reconcileWithStoredKey(
  storedKey: string | null,
  presentedKey: string | null,
): { ok: true; pinKey?: string } | MeshRejection {
  if (storedKey && presentedKey && storedKey !== presentedKey) return meshErrors.publicKeyMismatch();
  return !storedKey && presentedKey ? { ok: true, pinKey: presentedKey } : { ok: true };
}

/** Display names have no limit in the spec; we keep the first 128 code points (like bios, §12.1). */
export function boundedDisplayName(name: string | null | undefined): string | null {
  return name ? truncateCodePoints(name, MAX_DISPLAY_NAME_CODE_POINTS) : null;
}

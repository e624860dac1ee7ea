// The anchor: a directory of agent_id → current URL (mesh spec §9, §12.3, §19.7–§19.8). Unlike
// a node's peer_update, registration here always requires a fresh signature and pins the first
// key per agent ID. Python nodes ignore the anchor's replies, so the stricter checks a Worker
// anchor SHOULD/MAY add (§19.7) are invisible to them; they are options here, on by default
// where the spec says SHOULD.
import type { AnchorPeerLookupReply, AnchorRegisteredReply, AnchorWellKnown } from "../../schemas/mesh.js";
import type { AnchorEntry } from "../../schemas/mesh-state.js";
import { AnchorRegistrationBody } from "../../schemas/mesh.js";
import {
  ANCHOR_DIRECTORY_CAPACITY,
  ANCHOR_ENTRY_MAX_AGE_SECONDS,
  ANCHOR_RATE_LIMIT_PER_IP,
  ANCHOR_RATE_TRACKED_IPS,
  MAX_AGENT_ID_CODE_POINTS,
  MAX_TIMESTAMP_CODE_POINTS,
  PROTOCOL_VERSION,
  PUBLIC_KEY_HEX_PATTERN,
  SIGNATURE_HEX_PATTERN,
} from "./limits.js";
import { isJsonObject, meshErrors, success, type MeshReply, type ParsedBody } from "./mesh-reply.js";
import { verifyPeerUpdateSignature } from "./message-signing.js";
import { isSelfCertifying } from "./passport.js";
import { codePointLength, isTruthy, pyStrip } from "./python-semantics.js";
import { admitClient, type SlidingWindow } from "./rate-limit.js";
import { isTimestampFresh } from "./replay.js";
import { isPrivateUrl } from "./ssrf.js";
import { validateMeshUrl } from "./url.js";

/** §9.1 step 1, counted before any validation: 10 registrations per client address per sliding 60 s, at most `capacity` clients tracked (`admitClient`). */
export function admitAnchorClient(
  windows: Map<string, SlidingWindow>,
  client: string,
  now: number,
  capacity = ANCHOR_RATE_TRACKED_IPS,
): boolean {
  return admitClient(windows, client, ANCHOR_RATE_LIMIT_PER_IP, now, capacity);
}

/** §9.4: an entry unseen for MORE than 24 h is gone (exactly 24 h is still served). */
export function isAnchorEntryStale(entry: AnchorEntry, now: number): boolean {
  return now / 1000 - entry.last_seen > ANCHOR_ENTRY_MAX_AGE_SECONDS;
}

export interface AnchorRegistrationContext {
  now: number;
  /** The current entry for an agent ID (stale or not; staleness is pruned separately). */
  entry(agentId: string): AnchorEntry | undefined;
  /** Number of entries that are not stale (§9.1 step 11 counts after pruning). */
  freshEntryCount(): number;
  /** §19.7 SHOULD: refuse `agent_id ≠ public_key_hex`. Default true. */
  requireSelfCertifyingId?: boolean;
  /** §19.7 MAY: refuse loopback/private `new_url`s (literal IPs and localhost names). Default false. */
  refusePrivateUrls?: boolean;
}

export interface AnchorRegistrationOutcome {
  reply: MeshReply<AnchorRegisteredReply>;
  /** Store this entry; then prune stale entries (§9.4). */
  store?: { agentId: string; entry: AnchorEntry };
}

/**
 * §9.1 POST /__darkmatter__/peer_update on an anchor, steps 2–12 (the per-IP limit of step 1
 * is `admitAnchorClient`, applied by the caller first). Fields are whitespace-stripped
 * (Python `str.strip`) before anything, including signature verification. A Worker anchor is
 * lenient about Content-Type (§19.7): Python nodes always send application/json.
 */
export async function registerWithAnchor(
  body: ParsedBody,
  ctx: AnchorRegistrationContext,
): Promise<AnchorRegistrationOutcome> {
  if (!body.ok || !isTruthy(body.value)) return { reply: meshErrors.anchorJsonRequired() }; // 2
  if (!isJsonObject(body.value)) return { reply: meshErrors.notAnObject() };
  const parsed = AnchorRegistrationBody.safeParse(body.value); // 3: null/non-strings crash the reference; 400 here
  if (!parsed.success) return { reply: meshErrors.invalidFields(parsed.error) };
  const agentId = pyStrip(parsed.data.agent_id ?? "");
  const newUrl = pyStrip(parsed.data.new_url ?? "");
  const publicKeyHex = pyStrip(parsed.data.public_key_hex ?? "");
  const signature = pyStrip(parsed.data.signature ?? "");
  const timestamp = pyStrip(parsed.data.timestamp ?? "");

  if (!agentId || !newUrl) return { reply: meshErrors.missingPeerUpdateFields() }; // 4
  const urlError = validateMeshUrl(newUrl, "anchor"); // 5
  if (urlError) return { reply: meshErrors.invalidUrl(urlError) };
  if (codePointLength(agentId) > MAX_AGENT_ID_CODE_POINTS) return { reply: meshErrors.agentIdTooLong() }; // 6
  if (!publicKeyHex || !signature || !timestamp) return { reply: meshErrors.anchorMissingProof() }; // 7
  // Issue 11: shapes no Ed25519 key or signature can have are refused before any parsing or
  // verification. Python's bytes.fromhex would also skip inner whitespace, but reference nodes
  // send `bytes.hex()` output, and they ignore the anchor's replies (§19.7).
  if (!PUBLIC_KEY_HEX_PATTERN.test(publicKeyHex)) return { reply: meshErrors.malformedHex("public_key_hex", 64) };
  if (!SIGNATURE_HEX_PATTERN.test(signature)) return { reply: meshErrors.malformedHex("signature", 128) };
  if (codePointLength(timestamp) > MAX_TIMESTAMP_CODE_POINTS) return { reply: meshErrors.anchorTimestampInvalid() }; // never fresh (§6.4)
  if (!isTimestampFresh(timestamp, ctx.now)) return { reply: meshErrors.anchorTimestampInvalid() }; // 8
  if (!(await verifyPeerUpdateSignature(publicKeyHex, { agentId, newUrl, timestamp }, signature))) {
    return { reply: meshErrors.invalidSignature() }; // 9
  }
  if ((ctx.requireSelfCertifyingId ?? true) && !isSelfCertifying(agentId, publicKeyHex))
    return { reply: meshErrors.identityMismatch() };
  if (ctx.refusePrivateUrls && isPrivateUrl(newUrl)) return { reply: meshErrors.anchorPrivateUrl() };

  const existing = ctx.entry(agentId);
  if (existing?.public_key_hex && existing.public_key_hex !== publicKeyHex)
    return { reply: meshErrors.publicKeyMismatch() }; // 10
  if (!existing && ctx.freshEntryCount() >= ANCHOR_DIRECTORY_CAPACITY) return { reply: meshErrors.directoryFull() }; // 11
  return {
    reply: success({ success: true, registered: existing === undefined }), // 12
    store: { agentId, entry: { url: newUrl, public_key_hex: publicKeyHex, last_seen: ctx.now / 1000 } },
  };
}

/** §9.2 GET /__darkmatter__/peer_lookup/{agent_id} (unlimited). A stale entry is answered 404 and should be deleted. */
export function anchorLookup(
  agentId: string,
  entry: AnchorEntry | undefined,
  now: number,
): { reply: MeshReply<AnchorPeerLookupReply>; isStale: boolean } {
  if (!entry) return { reply: meshErrors.unknownAgent(), isStale: false };
  if (isAnchorEntryStale(entry, now)) return { reply: meshErrors.unknownAgent(), isStale: true };
  return { reply: success({ agent_id: agentId, url: entry.url, last_seen: entry.last_seen }), isStale: false };
}

/** §9.3: an anchor's well-known document has no `agent_id`, so node discovery ignores it. */
export function anchorWellKnown(agentsRegistered: number): AnchorWellKnown {
  return { darkmatter: true, anchor: true, protocol_version: PROTOCOL_VERSION, agents_registered: agentsRegistered };
}

/** §9.4 for an in-memory directory: drop entries unseen for more than 24 h. */
export function pruneAnchorDirectory(
  directory: ReadonlyMap<string, AnchorEntry>,
  now: number,
): Map<string, AnchorEntry> {
  const kept = new Map<string, AnchorEntry>();
  for (const [agentId, entry] of directory) if (!isAnchorEntryStale(entry, now)) kept.set(agentId, entry);
  return kept;
}

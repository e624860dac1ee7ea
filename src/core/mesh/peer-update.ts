// Mesh healing on a node (mesh spec §8.11, §14.2, §14.3): receiving a connected peer's URL
// change, announcing our own, and reading peer-lookup replies. The anchor's stricter version of
// the same endpoint is in anchor.ts.
import type { PeerUpdatedReply, ReceivedPeerUpdate } from "../../schemas/mesh.js";
import type { MeshConnection } from "../../schemas/mesh-state.js";
import { PeerLookupResult, ReceivedPeerUpdate as ReceivedPeerUpdateSchema } from "../../schemas/mesh.js";
import {
  isJsonObject,
  meshErrors,
  success,
  type MeshRejection,
  type MeshReply,
  type ParsedBody,
} from "./mesh-reply.js";
import { verifyPeerUpdateSignature } from "./message-signing.js";
import { MAX_AGENT_ID_CODE_POINTS, MAX_TIMESTAMP_CODE_POINTS, SIGNATURE_HEX_CHARS } from "./limits.js";
import { checkPresentedKey } from "./peer-identity.js";
import { codePointLength, isTruthy } from "./python-semantics.js";
import { isTimestampFresh } from "./replay.js";
import { anchorEndpointUrl, meshEndpointUrl, validateMeshUrl } from "./url.js";

export interface PeerUpdateContext {
  now: number;
  /** Charge the client's anonymous budget (issue 11); a refusal when it is spent. Replaces the reference's global limit here. */
  admitClient(): MeshRejection | undefined;
  connection(agentId: string): Pick<MeshConnection, "agent_public_key_hex"> | undefined;
  /** Would this node fetch the URL (the SSRF rule)? An error text when not. */
  urlRefusal?: (url: string) => string | undefined;
}

export interface PeerUpdateOutcome {
  reply: MeshReply<PeerUpdatedReply>;
  /** Store `url` verbatim as the connection's `agent_url`. A key is never pinned by a peer_update (§5.6). */
  newUrl?: { agentId: string; url: string };
}

/**
 * §8.11 POST /__darkmatter__/peer_update on a node, steps 1–11, with what a public node adds
 * (issue 11): a stored URL moves only when the update is signed by the pinned key. The
 * reference accepts an unsigned update for a key-less connection (⚠ §18 #11) — here it is
 * refused, since anyone could otherwise redirect that peer's traffic. The new URL must be one
 * this node would fetch (SSRF rule), and the proof fields are bounded before verification.
 */
export async function receivePeerUpdate(body: ParsedBody, ctx: PeerUpdateContext): Promise<PeerUpdateOutcome> {
  const limited = ctx.admitClient(); // 1
  if (limited) return { reply: limited };
  const fail = (reply: MeshRejection): PeerUpdateOutcome => ({ reply });

  if (!body.ok) return fail(meshErrors.invalidJson()); // 2
  if (!isJsonObject(body.value)) return fail(meshErrors.notAnObject());
  if (!isTruthy(body.value.agent_id) || !isTruthy(body.value.new_url))
    return fail(meshErrors.missingPeerUpdateFields()); // 3
  const parsed = ReceivedPeerUpdateSchema.safeParse(body.value);
  if (!parsed.success) return fail(meshErrors.invalidFields(parsed.error));
  const update: ReceivedPeerUpdate = parsed.data;
  if (codePointLength(update.agent_id) > MAX_AGENT_ID_CODE_POINTS) return fail(meshErrors.agentIdTooLong());
  const urlError = validateMeshUrl(update.new_url) ?? ctx.urlRefusal?.(update.new_url); // 4
  if (urlError) return fail(meshErrors.invalidUrl(urlError));
  const presented = checkPresentedKey("public_key_hex", update.public_key_hex);
  if (!presented.ok) return fail(presented);
  const { timestamp, signature } = update;
  if (
    (signature && signature.length > SIGNATURE_HEX_CHARS) ||
    (timestamp && codePointLength(timestamp) > MAX_TIMESTAMP_CODE_POINTS)
  )
    return fail(meshErrors.invalidSignature());
  const connection = ctx.connection(update.agent_id); // 5
  if (!connection) return fail(meshErrors.unknownAgent());
  if (timestamp && !isTimestampFresh(timestamp, ctx.now)) return fail(meshErrors.peerUpdateTimestampExpired()); // 6
  const storedKey = connection.agent_public_key_hex;
  const presentedKey = presented.key;
  if (presentedKey && storedKey && presentedKey !== storedKey) return fail(meshErrors.publicKeyMismatch()); // 7
  if (!storedKey) return fail(meshErrors.peerUpdateSignatureRequired()); // 9: no pinned key, nothing to verify against
  if (!signature || !timestamp) return fail(meshErrors.peerUpdateSignatureRequired()); // 8
  const signed = { agentId: update.agent_id, newUrl: update.new_url, timestamp };
  if (!(await verifyPeerUpdateSignature(storedKey, signed, signature))) return fail(meshErrors.invalidSignature());
  return {
    reply: success({ success: true, updated: true }),
    newUrl: { agentId: update.agent_id, url: update.new_url }, // 11
  };
}

/**
 * §14.2: where a node announces its URL — every connection's `/__darkmatter__/peer_update`
 * (base normalised by §7.2) and every configured anchor's, sequentially, 5 s each, replies
 * ignored. Triggered at start-up when an anchor is configured, and on an IP change.
 */
export function peerUpdateTargets(connectionUrls: readonly string[], anchors: readonly string[]): string[] {
  return [
    ...connectionUrls.map((url) => meshEndpointUrl(url, "peer_update")),
    ...anchors.map((anchor) => anchorEndpointUrl(anchor, "peer_update")),
  ];
}

/**
 * §14.3: read a lookup reply from an anchor or a peer. Only a 200 with a non-empty string `url`
 * that is not excluded counts; the URL may end in /mcp, callers normalise (§7.2).
 */
export function lookedUpUrl(
  status: number,
  body: unknown,
  exclude: ReadonlySet<string> = new Set(),
): string | undefined {
  if (status !== 200 || !isJsonObject(body)) return undefined;
  const parsed = PeerLookupResult.safeParse(body);
  if (!parsed.success) return undefined;
  const url = parsed.data.url;
  return typeof url === "string" && url !== "" && !exclude.has(url) ? url : undefined;
}

/** §14.3 step 2: the peers asked when anchors know nothing — up to 50 connections other than the one sought. */
export function lookupFanOut<T extends { agent_id: string }>(
  connections: readonly T[],
  soughtAgentId: string,
  max = 50,
): T[] {
  return connections.filter((connection) => connection.agent_id !== soughtAgentId).slice(0, max);
}

// Mesh healing on a node (mesh spec §8.11, §14.2, §14.3): receiving a connected peer's URL
// change, announcing our own, and reading peer-lookup replies. The anchor's stricter version of
// the same endpoint is in anchor.ts.
import type { PeerUpdatedReply, ReceivedPeerUpdate } from "../../schemas/mesh.js";
import type { MeshConnection } from "../../schemas/mesh-state.js";
import { PeerLookupResult, ReceivedPeerUpdate as ReceivedPeerUpdateSchema } from "../../schemas/mesh.js";
import { isJsonObject, meshErrors, success, type MeshRejection, type MeshReply, type ParsedBody } from "./mesh-reply.js";
import { verifyPeerUpdateSignature } from "./message-signing.js";
import { isTruthy } from "./python-semantics.js";
import { checkMeshRateLimit, type SlidingWindow } from "./rate-limit.js";
import { isTimestampFresh } from "./replay.js";
import { anchorEndpointUrl, meshEndpointUrl, validateMeshUrl } from "./url.js";

export interface PeerUpdateContext {
  now: number;
  globalRateLimit: number;
  globalWindow: SlidingWindow;
  connection(agentId: string): Pick<MeshConnection, "agent_public_key_hex"> | undefined;
}

export interface PeerUpdateOutcome {
  reply: MeshReply<PeerUpdatedReply>;
  /** The global window after admission (malformed requests consume quota, §12.2). */
  globalWindow?: SlidingWindow;
  /** Store `url` verbatim as the connection's `agent_url`. A key is never pinned by a peer_update (§5.6). */
  newUrl?: { agentId: string; url: string };
}

/**
 * §8.11 POST /__darkmatter__/peer_update on a node, steps 1–11. ⚠ Without a stored key the
 * update is accepted unsigned (§18 #11); a signature presented with no stored key is checked
 * but not pinned. No per-connection limit and no agent_id length check.
 */
export async function receivePeerUpdate(body: ParsedBody, ctx: PeerUpdateContext): Promise<PeerUpdateOutcome> {
  const rate = checkMeshRateLimit({ global: { setting: ctx.globalRateLimit, window: ctx.globalWindow } }, ctx.now); // 1
  if (!rate.allowed) return { reply: meshErrors.globalRateLimit(rate.limit) };
  const globalWindow = rate.global;
  const fail = (reply: MeshRejection): PeerUpdateOutcome => ({ reply, globalWindow });

  if (!body.ok) return fail(meshErrors.invalidJson()); // 2
  if (!isJsonObject(body.value)) return fail(meshErrors.notAnObject());
  if (!isTruthy(body.value.agent_id) || !isTruthy(body.value.new_url)) return fail(meshErrors.missingPeerUpdateFields()); // 3
  const parsed = ReceivedPeerUpdateSchema.safeParse(body.value);
  if (!parsed.success) return fail(meshErrors.invalidFields(parsed.error));
  const update: ReceivedPeerUpdate = parsed.data;
  const urlError = validateMeshUrl(update.new_url); // 4
  if (urlError) return fail(meshErrors.invalidUrl(urlError));
  const connection = ctx.connection(update.agent_id); // 5
  if (!connection) return fail(meshErrors.unknownAgent());
  const { timestamp, public_key_hex: presentedKey, signature } = update;
  if (timestamp && !isTimestampFresh(timestamp, ctx.now)) return fail(meshErrors.peerUpdateTimestampExpired()); // 6
  const storedKey = connection.agent_public_key_hex;
  if (presentedKey && storedKey && presentedKey !== storedKey) return fail(meshErrors.publicKeyMismatch()); // 7
  const signed = { agentId: update.agent_id, newUrl: update.new_url, timestamp: timestamp ?? "" };
  if (storedKey) {
    if (!signature || !timestamp) return fail(meshErrors.peerUpdateSignatureRequired()); // 8
    if (!(await verifyPeerUpdateSignature(storedKey, signed, signature))) return fail(meshErrors.invalidSignature());
  } else if (presentedKey && signature && timestamp) {
    if (!(await verifyPeerUpdateSignature(presentedKey, signed, signature))) return fail(meshErrors.invalidSignature()); // 9
  }
  return {
    reply: success({ success: true, updated: true }),
    globalWindow,
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
export function lookedUpUrl(status: number, body: unknown, exclude: ReadonlySet<string> = new Set()): string | undefined {
  if (status !== 200 || !isJsonObject(body)) return undefined;
  const parsed = PeerLookupResult.safeParse(body);
  if (!parsed.success) return undefined;
  const url = parsed.data.url;
  return typeof url === "string" && url !== "" && !exclude.has(url) ? url : undefined;
}

/** §14.3 step 2: the peers asked when anchors know nothing — up to 50 connections other than the one sought. */
export function lookupFanOut<T extends { agent_id: string }>(connections: readonly T[], soughtAgentId: string, max = 50): T[] {
  return connections.filter((connection) => connection.agent_id !== soughtAgentId).slice(0, max);
}

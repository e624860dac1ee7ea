// Every observable number of the DarkMatter mesh protocol, named once (mesh spec §12, §16,
// Appendix A). Lengths are in Unicode code points (§2); durations are in seconds, as the spec
// states them — functions that take a `now` in epoch milliseconds convert with `* 1000`.

/** §1, Appendix A: the `protocol_version` string of well-known documents and beacons. */
export const PROTOCOL_VERSION = "0.2";

// ---- §12.1 input limits (code points) -------------------------------------------------

/** §12.1: message `content`; longer → 413 on `/message`. */
export const MAX_CONTENT_CODE_POINTS = 65_536;
/** §12.1: agent IDs, where checked (connection_request, connection_accepted, message, anchor). */
export const MAX_AGENT_ID_CODE_POINTS = 128;
/** §12.1: bios are truncated to this on receipt; the bio tool rejects longer ones. */
export const MAX_BIO_CODE_POINTS = 1000;
/** §12.1, §13.3: the LAN beacon carries only the first 100 code points of the bio. */
export const MAX_BEACON_BIO_CODE_POINTS = 100;
/** §7.1: longer URLs are invalid. */
export const MAX_URL_CODE_POINTS = 2048;
/** §12.1: forwarding note (send tool only). */
export const MAX_NOTE_CODE_POINTS = 1000;
/** §12.1: impression text (tool only). */
export const MAX_IMPRESSION_CODE_POINTS = 2000;
/** §8.5 step 13: a queued message's stored ID is cut to this length after the replay check. */
export const MAX_STORED_MESSAGE_ID_CODE_POINTS = 128;
// ---- limits a public node adds (issue 11; the spec names none, so these are ours) ----------

/** Every mesh request body is read with this byte cap before parsing; larger → 413. */
export const MAX_MESH_BODY_BYTES = 256 * 1024;
/**
 * `/message` and webhook POST bodies may be larger: 65 536 code points of content (or response)
 * that a Python peer sends with `ensure_ascii` (up to 12 bytes per astral code point) plus
 * metadata and the other fields.
 */
export const MAX_MESSAGE_BODY_BYTES = 1024 * 1024;
/** Display names, where the spec names no limit. */
export const MAX_DISPLAY_NAME_CODE_POINTS = 128;
/** Message IDs: the replay cache and the sent-message table never hold longer ones. */
export const MAX_MESSAGE_ID_CODE_POINTS = 128;
/** `metadata` of a message or response, as RFC 8785 canonical JSON, in UTF-8 bytes. */
export const MAX_METADATA_BYTES = 16 * 1024;
/** Webhook updates recorded on one sent message (forwards and expiries); later ones are refused. */
export const MAX_WEBHOOK_UPDATES_PER_MESSAGE = 100;
/** Ed25519 public keys on the wire: 32 bytes as hex. */
export const PUBLIC_KEY_HEX_PATTERN = /^[0-9a-fA-F]{64}$/;
/** Ed25519 signatures on the wire: 64 bytes as hex (reference nodes send `bytes.hex()`). */
export const SIGNATURE_HEX_CHARS = 128;
export const SIGNATURE_HEX_PATTERN = /^[0-9a-fA-F]{128}$/;
/** §6.4 timestamps are ISO 8601 (`2026-11-22T10:56:03.449844+00:00` is 32); a longer one is never fresh. */
export const MAX_TIMESTAMP_CODE_POINTS = 64;
/** Pending connection requests expire after this (the reference keeps them until restart). */
export const PENDING_REQUEST_TTL_SECONDS = 3600;
/** Pending connection requests one client address may hold at once. */
export const PENDING_REQUESTS_PER_CLIENT = 5;
/** Unauthenticated requests one client address may make to one agent per window. */
export const ANONYMOUS_REQUESTS_PER_CLIENT = 30;
/** Per-client windows an agent tracks; idle ones are dropped first, then the oldest. */
export const TRACKED_CLIENTS = 1000;
/** Replay-cache rows an agent keeps at most (the reference prunes lazily past 10 000, §6.5). */
export const REPLAY_CACHE_CAPACITY = 10_000;

/** §12.1: WebRTC frames longer than this (in characters) go over HTTP instead. */
export const MAX_WEBRTC_ENVELOPE_CHARS = 16_384;

// ---- §12.1 capacities -----------------------------------------------------------------

/** §8.5 step 2: inbox capacity; a full inbox answers 429 `Message queue full`. */
export const INBOX_CAPACITY = 50;
/** §8.2 step 9: pending incoming connection requests; the 51st answers 429. */
export const PENDING_REQUESTS_CAPACITY = 50;
/** §11.1: sent-message records kept; the oldest `created_at` is evicted. */
export const SENT_MESSAGES_CAPACITY = 100;
/** §10.6: default `DARKMATTER_MAX_CONNECTIONS`. */
export const DEFAULT_MAX_CONNECTIONS = 50;
/** The largest connection cap `DM_MAX_CONNECTIONS` may set: each connection is a record in every message fan-out. */
export const MAX_CONFIGURABLE_CONNECTIONS = 10_000;

/**
 * The connection cap in force: `DM_MAX_CONNECTIONS` (our `DARKMATTER_MAX_CONNECTIONS`) when it
 * is a whole number from 1 to MAX_CONFIGURABLE_CONNECTIONS, else the default. A cap below the
 * current count refuses new connections and keeps the existing ones (§10.6 checks on request).
 */
export function maxConnectionsFrom(configured: string | undefined): number {
  const value = configured === undefined || configured.trim() === "" ? Number.NaN : Number(configured);
  return Number.isInteger(value) && value >= 1 && value <= MAX_CONFIGURABLE_CONNECTIONS
    ? value
    : DEFAULT_MAX_CONNECTIONS;
}
/** §9.1 step 11: anchor directory entries; a new entry beyond this answers 429 `Directory full`. */
export const ANCHOR_DIRECTORY_CAPACITY = 10_000;

// ---- §12.2, §12.3 rate limits ---------------------------------------------------------

/** §12.2: sliding window length for every rate limit. */
export const RATE_WINDOW_SECONDS = 60;
/** §12.2: default per-connection limit (messages from one agent per window). */
export const DEFAULT_CONNECTION_RATE_LIMIT = 30;
/** §12.2: default global limit (counted requests per window, all callers together). */
export const DEFAULT_GLOBAL_RATE_LIMIT = 200;
/** §10.1, §12.2: a rate-limit setting of 0 means "the default". */
export const RATE_LIMIT_DEFAULT_SETTING = 0;
/** §10.1, §12.2: a rate-limit setting of −1 means "unlimited". */
export const RATE_LIMIT_UNLIMITED_SETTING = -1;
/** §9.1 step 1, §12.3: anchor `peer_update`s per client IP per window. */
export const ANCHOR_RATE_LIMIT_PER_IP = 10;
/** anchor.py: idle per-IP windows are dropped once more than this many IPs are tracked. */
export const ANCHOR_RATE_TRACKED_IPS = 1000;

// ---- §6, §16 windows and ages ---------------------------------------------------------

/** §6.5: a message ID is remembered this long; a repeat within it answers 409. */
export const REPLAY_WINDOW_SECONDS = 300;
/** §6.5: the replay cache is pruned lazily once it holds more than this many IDs. */
export const REPLAY_CACHE_PRUNE_THRESHOLD = 10_000;
/** §6.4: a timestamp is fresh iff |now − t| ≤ this (both directions: clock-skew tolerance). */
export const TIMESTAMP_WINDOW_SECONDS = 300;
/** §11.3: inbox entries older than this (by `received_at`) are purged silently. */
export const INBOX_MAX_AGE_SECONDS = 3600;
/** §11.3, §16: the reference purges the inbox every ~30 s (every 6th 5-second tick). */
export const INBOX_PURGE_INTERVAL_SECONDS = 30;
/** §9.4: anchor entries unseen for longer than this are pruned / answered 404. */
export const ANCHOR_ENTRY_MAX_AGE_SECONDS = 86_400;
/** §13.4: discovered peers older than this are dropped (lazily). */
export const DISCOVERED_PEER_MAX_AGE_SECONDS = 90;

// ---- §11 hops ---------------------------------------------------------------------------

/** §8.5 step 10, §11.1: hops when absent, negative or not an integer. */
export const DEFAULT_HOPS = 10;
/** §11.1: the send tool accepts 1–50 hops; receivers enforce no upper cap (§18 #9). */
export const MIN_SEND_HOPS = 1;
export const MAX_SEND_HOPS = 50;

// ---- §16 status --------------------------------------------------------------------------

/** §16: going inactive without a duration reactivates after 60 minutes; tool range 1–1440. */
export const DEFAULT_INACTIVE_MINUTES = 60;
export const MIN_INACTIVE_MINUTES = 1;
export const MAX_INACTIVE_MINUTES = 1440;

// ---- §14 healing and timeouts (seconds) --------------------------------------------------

export const HEALTH_CHECK_INTERVAL_SECONDS = 60;
export const STALE_CONNECTION_AGE_SECONDS = 300;
export const HEALTH_FAILURE_WARNING_THRESHOLD = 3;
export const IP_CHECK_INTERVAL_SECONDS = 300;
export const ANCHOR_LOOKUP_TIMEOUT_SECONDS = 2;
export const ANCHOR_LOOKUP_GRACE_SECONDS = 0.5;
export const PEER_LOOKUP_TIMEOUT_SECONDS = 5;
export const PEER_LOOKUP_GRACE_SECONDS = 1;
export const PEER_LOOKUP_MAX_PEERS = 50;
export const WEBHOOK_RECOVERY_MAX_ATTEMPTS = 3;
export const WEBHOOK_RECOVERY_BUDGET_SECONDS = 30;
export const WEBHOOK_RECOVERY_MIN_TIMEOUT_SECONDS = 1;

/** Per-call HTTP timeouts the reference uses (§8.4, §10.2, §11, §14). */
export const TIMEOUTS_SECONDS = {
  connectionRequest: 30,
  acceptanceNotification: 15,
  messageDelivery: 30,
  webhookStatusCheck: 10,
  webhookForwardedUpdate: 10,
  webhookResponse: 30,
  peerUpdateBroadcast: 5,
  healthStatus: 10,
  wellKnownDiscovery: 10,
} as const;

// ---- identity and configuration defaults ------------------------------------------------

/** §5.5: bio when `DARKMATTER_BIO` is unset. */
export const DEFAULT_BIO = "A DarkMatter mesh agent.";
/** §9, §14.6: anchor list when `DARKMATTER_ANCHOR_NODES` is unset. */
export const DEFAULT_ANCHOR = "https://loseylabs.ai";
/** Appendix A: `msg-` + 12 hex and `req-` + 8 hex. */
export const MESSAGE_ID_PATTERN = /^msg-[0-9a-f]{12}$/;
export const REQUEST_ID_PATTERN = /^req-[0-9a-f]{8}$/;

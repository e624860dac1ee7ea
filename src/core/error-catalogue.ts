// Every problem the management API (/api/v1) can answer: one code → one HTTP status, one `title`
// and a one-line description for the OpenAPI document (RFC 9457 §3.1.3: the title is the same for
// every occurrence of the type; `detail` says what happened this time). DomainError takes a code
// from here (src/core/problem.ts), so a code missing from this list does not compile, and each
// route lists the codes it can answer (src/schemas/common.ts `problemResponses`). The mesh
// protocol's own `{"error": …}` replies (src/core/mesh/mesh-reply.ts) are not problems: their
// statuses are the reference protocol's (docs/protocol/darkmatter-mesh.md).
//
// Statuses follow RFC 9110 §15: 404 for a target resource (the URI, query included) that does not
// exist or is hidden; 409 for a request that conflicts with the target's current state; 422 for a
// well-formed body that names something unusable; 410 only where the world line itself refuses
// writes for good (README: "every write answers 410").

export interface CatalogueEntry {
  readonly status: number;
  readonly title: string;
  readonly description: string;
}

export const CATALOGUE = {
  // ---- 400: the request itself is malformed -------------------------------------------------
  "validation-failed": {
    status: 400,
    title: "Invalid request",
    description: "the body, query, path or headers do not match the schema; `errors` names each field (JSON Pointer)",
  },
  "malformed-request": {
    status: 400,
    title: "Malformed request",
    description: "the HTTP layer could not read the request",
  },
  "invalid-json": {
    status: 400,
    title: "Invalid JSON",
    description: "the body is not JSON, or is empty while Content-Type says JSON",
  },
  "json-too-deep": { status: 400, title: "JSON too deep", description: "the body nests deeper than the limit" },
  "invalid-unicode": {
    status: 400,
    title: "Ill-formed Unicode",
    description: "a string in the body holds a lone surrogate, which has no UTF-8 form",
  },
  "invalid-cursor": {
    status: 400,
    title: "Invalid cursor",
    description: "the paging cursor was not issued here or has expired: start again without it",
  },
  "invalid-if-match": {
    status: 400,
    title: "Invalid If-Match",
    description: "If-Match is not a version of this resource (a commit hash for a world line, a number for a router)",
  },
  "invalid-event": {
    status: 400,
    title: "Invalid event",
    description: "a system event's data does not match its type's schema",
  },
  "index-out-of-range": {
    status: 400,
    title: "Index out of range",
    description: "the ledger index is not below the tree size",
  },
  "size-out-of-range": {
    status: 400,
    title: "Size out of range",
    description: "the tree size is not between 1 and the ledger's size (or `from` is past `to`)",
  },
  "invalid-tree-size": {
    status: 400,
    title: "Invalid tree size",
    description: "a Merkle tree size is not a non-negative safe integer",
  },
  "invalid-hash": { status: 400, title: "Invalid hash", description: "a Merkle hash is not 32 bytes" },
  "proof-out-of-range": {
    status: 400,
    title: "Proof out of range",
    description: "the Merkle proof asks about a leaf or size outside the tree",
  },
  "invalid-key": {
    status: 400,
    title: "Invalid verifier key",
    description: "not an Ed25519 note verifier key (C2SP signed-note), or its ID does not match",
  },
  "malformed-note": { status: 400, title: "Malformed note", description: "not a C2SP signed note" },
  "malformed-checkpoint": {
    status: 400,
    title: "Malformed checkpoint",
    description: "the note's text is not a C2SP tlog checkpoint",
  },

  // ---- 401 / 403: who is asking -------------------------------------------------------------
  unauthorized: {
    status: 401,
    title: "Operator token required",
    description: "send Authorization: Bearer <DM_OPERATOR_TOKEN>",
  },
  forbidden: { status: 403, title: "Wrong operator token", description: "the bearer token is not the operator token" },
  "origin-not-allowed": {
    status: 403,
    title: "Origin not allowed",
    description: "a browser on another origin than this one or DM_DASHBOARD_ORIGIN",
  },
  "not-an-authority": {
    status: 403,
    title: "Not an authority",
    description: "the key is not one of the ledger's current authorities",
  },
  "bad-signature": {
    status: 403,
    title: "Bad signature",
    description: "the Ed25519 signature over the proposal's digest does not verify",
  },

  // ---- 404: the target does not exist (or is not visible to the caller) ---------------------
  "not-found": {
    status: 404,
    title: "Not found",
    description: "no such resource, or not visible to you (private world lines look missing without the token)",
  },
  "no-route": { status: 404, title: "No such route", description: "no operation at this method and path" },
  "unknown-entity": { status: 404, title: "Unknown entity", description: "no entity with this id at the commit" },
  "unknown-commit": {
    status: 404,
    title: "Unknown commit",
    description: "the commit is not in this world line's history (or not stored)",
  },
  "no-green-commit": {
    status: 404,
    title: "No green commit",
    description: "the world line has no promoted (green) commit yet",
  },
  "no-arbiter": { status: 404, title: "No arbiter", description: "this world line's arbiter has not run yet" },
  "unknown-message": {
    status: 404,
    title: "Unknown message",
    description: "no such message in this agent's inbox or sent messages",
  },
  "unknown-request": {
    status: 404,
    title: "Unknown connection request",
    description: "no pending connection request with this id",
  },
  "unknown-connection": {
    status: 404,
    title: "Unknown connection",
    description: "the connection to act on does not exist: this agent is not connected to that agent",
  },

  // ---- 409: conflicts with the current state ------------------------------------------------
  "hub-token-is-a-secret": {
    status: 409,
    title: "Hub token is a secret",
    description: "the hub's token is the DM_HUB_TOKEN secret: rotate it where the secret is set, not through the API",
  },
  "already-exists": { status: 409, title: "Already exists", description: "a world line with this id exists" },
  "agent-exists": { status: 409, title: "Agent exists", description: "an agent with this name exists" },
  "squad-exists": { status: 409, title: "Squad name taken", description: "a squad with this name exists" },
  "merge-conflict": {
    status: 409,
    title: "Merge conflict",
    description: "the three-way merge found conflicting changes (`conflicts`); nothing was merged",
  },
  "not-quarantined": {
    status: 409,
    title: "Not quarantined",
    description: "only a quarantined world line can be released",
  },
  "target-worldline-terminated": {
    status: 409,
    title: "World line terminated",
    description: "the world line this request names is terminated: nothing can be promoted on or grafted onto it",
  },
  "already-green": {
    status: 409,
    title: "Already green",
    description: "a rollback must name an earlier green commit, not the current one",
  },
  "proposal-decided": { status: 409, title: "Proposal decided", description: "the proposal was already decided" },
  "proposal-stale": {
    status: 409,
    title: "Proposal stale",
    description: "the world line was terminated or the commit left its history",
  },
  "connection-limit": {
    status: 409,
    title: "Connection limit reached",
    description: "the agent holds its maximum number of connections (DM_MAX_CONNECTIONS)",
  },
  "connection-refused": {
    status: 409,
    title: "Connection refused",
    description: "the peer refused the connection request",
  },
  "key-mismatch": {
    status: 409,
    title: "Peer key mismatch",
    description: "the peer presented a public key other than the one pinned for it; nothing was changed",
  },
  "illegal-transition": {
    status: 409,
    title: "Illegal task transition",
    description: "the task's status does not allow this step",
  },
  "no-member": {
    status: 409,
    title: "No reachable member",
    description: "no member of a squad taking the task is connected to the hub",
  },
  "spore-draft": {
    status: 409,
    title: "Spore is a draft",
    description: "only a published spore can do this (publish it first)",
  },
  "spore-published": {
    status: 409,
    title: "Spore is published",
    description: "a published version never changes: create the next version",
  },
  "spore-retired": { status: 409, title: "Spore is retired", description: "a retired spore deploys no more" },
  "spore-version-race": {
    status: 409,
    title: "Spore version race",
    description: "versions of this spore were created concurrently; retry",
  },
  "illegal-graft-transition": {
    status: 409,
    title: "Illegal graft transition",
    description: "the graft's status does not allow this step",
  },
  "graft-install-failed": {
    status: 409,
    title: "Graft install failed",
    description:
      "the world line refused the install (`reason` is its code); the graft is failed, the world line unchanged",
  },
  "graft-conflict": {
    status: 409,
    title: "Graft conflict",
    description: "entities the graft installed were changed since; nothing was reverted",
  },
  "forward-refused-loop": {
    status: 409,
    title: "Forward would loop",
    description: "a target already received this message (send `force` to forward anyway)",
  },
  "forward-refused-expired": {
    status: 409,
    title: "Message expired",
    description: "the originator expired the message; it was dropped",
  },
  "forward-refused-responded": {
    status: 409,
    title: "Message answered",
    description: "the originator already got its answer; the message was dropped",
  },
  "message-being-routed": {
    status: 409,
    title: "Message being routed",
    description: "a handler call for this message is running; wait for its outcome",
  },
  "message-expired": {
    status: 409,
    title: "No hops left",
    description: "the message has no hops left; it was dropped",
  },
  "already-replayed": {
    status: 409,
    title: "Already replayed",
    description:
      "this dead letter was put back on the queue once already (`replayedAt`); a dead letter is replayed once",
  },
  "not-dead-lettered": {
    status: 409,
    title: "Not dead-lettered",
    description:
      "only a dead letter is replayed: a retrying message is still on the queue, a recovered one went through",
  },

  // ---- 405, 410, 412, 413, 415, 422, 423, 426, 429 -------------------------------------------
  "method-not-allowed": {
    status: 405,
    title: "Method not allowed",
    description: "the MCP endpoints are stateless: POST each JSON-RPC message (no stream to GET, no session to DELETE)",
  },
  "worldline-terminated": {
    status: 410,
    title: "World line terminated",
    description: "the world line is terminated: its history stays readable, it takes no more writes",
  },
  "stale-head": {
    status: 412,
    title: "Stale head",
    description: "If-Match does not name the current head (`head`); re-read and retry",
  },
  "stale-router": {
    status: 412,
    title: "Stale router",
    description: "If-Match does not name the router's current version (`version`); re-read and retry",
  },
  "body-too-large": { status: 413, title: "Body too large", description: "the body is over the size limit" },
  "entity-too-large": {
    status: 413,
    title: "Entity too large",
    description: "an entity is over 1 MiB of canonical JSON",
  },
  "event-too-large": {
    status: 413,
    title: "Event too large",
    description: "an event's data is over 64 KiB of JSON",
  },
  "unsupported-media-type": {
    status: 415,
    title: "Unsupported media type",
    description: "the body's Content-Type is not one this operation reads",
  },
  "not-replayable": {
    status: 422,
    title: "Not replayable",
    description:
      "the dead letter is not a valid event (its payload can never be stored), so replaying it cannot succeed",
  },
  "replay-window-too-large": {
    status: 422,
    title: "Replay window too large",
    description: "the window holds more stored events than one replay takes; narrow the window or the types",
  },
  "forbidden-key": {
    status: 422,
    title: "Forbidden key",
    description: "`__proto__` (or a constructor/prototype path) as an entity id, field name or pointer",
  },
  "invalid-router": {
    status: 422,
    title: "Invalid router",
    description: "the router configuration cannot be used; `errors` names each field (JSON Pointer)",
  },
  "patch-failed": {
    status: 422,
    title: "Patch failed",
    description: "the patch cannot be applied to the current entities; nothing changed",
  },
  "invalid-entity-id": {
    status: 422,
    title: "Invalid entity id",
    description: "entity ids are 1–256 characters of A–Z a–z 0–9 . _ : / -",
  },
  "invalid-authority": {
    status: 422,
    title: "Invalid authority",
    description: "an authority is not an Ed25519 public key, or there are none",
  },
  "invalid-quorum": {
    status: 422,
    title: "Invalid quorum",
    description: "the quorum is not between 1 and the number of authorities",
  },
  "privacy-looser-than-parent": {
    status: 422,
    title: "Privacy looser than parent",
    description: "a fork is at least as strict as its parent",
  },
  "privacy-stricter-source": {
    status: 422,
    title: "Source stricter than target",
    description: 'merging would expose a stricter world line\'s history; merge with "squash": true',
  },
  "merge-into-self": {
    status: 422,
    title: "Merge into self",
    description: "a world line cannot be merged into itself",
  },
  "not-an-earlier-green": {
    status: 422,
    title: "Not an earlier green",
    description: "a rollback must name a commit that was green before",
  },
  "unknown-worldline": {
    status: 422,
    title: "Unknown world line",
    description: "the world line the body names does not exist",
  },
  "unknown-squad": { status: 422, title: "Unknown squad", description: "the squad the body names does not exist" },
  "unknown-member": {
    status: 422,
    title: "Unreachable member",
    description: "a member is neither connected to the hub nor hosted here",
  },
  "not-a-member": {
    status: 422,
    title: "Not a member",
    description: "the agent is not a member of a squad that takes this task",
  },
  "not-connected": {
    status: 422,
    title: "Not connected",
    description: "the agent the body names is not one of this agent's connections",
  },
  "no-connections": { status: 422, title: "No connections", description: "this agent has no connections to send to" },
  "no-target": {
    status: 422,
    title: "No target",
    description: "name target_agent_id or target_agent_ids to forward a message",
  },
  "webhook-blocked": {
    status: 422,
    title: "Webhook blocked",
    description: "the message's webhook is not a URL this node may call; the message was dropped",
  },
  "unstable-pulse": { status: 422, title: "Unstable pulse", description: "T_Λ needs k > 0, p > 0 and k·p > 1" },
  "invalid-tunables": {
    status: 422,
    title: "Invalid tunables",
    description: "the arbiter tunables are not usable (k·p must be greater than 1)",
  },
  "invalid-injection": {
    status: 422,
    title: "Invalid injection",
    description: "inject_data rejected its input",
  },
  "invalid-features": { status: 422, title: "Invalid beat input", description: "the beat's input is not usable" },
  "invalid-training": {
    status: 422,
    title: "Invalid training input",
    description: "the entropy model cannot be trained on these samples or settings",
  },
  "training-diverged": {
    status: 422,
    title: "Training diverged",
    description: "training produced a non-finite model; lower the learning rate",
  },
  "invalid-journal": {
    status: 422,
    title: "Invalid journal",
    description: "a journal leaf is not a 64-hex SHA3-256 hash",
  },
  "worldline-quarantined": {
    status: 423,
    title: "World line quarantined",
    description: "the arbiter quarantined the world line; release it before writing",
  },
  "upgrade-required": {
    status: 426,
    title: "WebSocket upgrade required",
    description: "connect with Upgrade: websocket",
  },
  "too-many-live-sockets": {
    status: 429,
    title: "Too many live sockets",
    description: "this address holds its maximum of anonymous live sockets; close one or send the operator token",
  },

  // ---- 5xx: the server or a peer failed -----------------------------------------------------
  "internal-error": {
    status: 500,
    title: "Internal error",
    description: "the server failed while handling the request; it has been logged",
  },
  "merkle-node-missing": {
    status: 500,
    title: "Merkle node missing",
    description: "a stored Merkle node is missing (the ledger's storage is damaged)",
  },
  "invalid-frontier": {
    status: 500,
    title: "Invalid frontier",
    description: "a stored Merkle frontier does not match its size",
  },
  "bad-passport": {
    status: 500,
    title: "Bad passport",
    description: "the configured passport is not a 32-byte Ed25519 seed",
  },
  "peer-unreachable": { status: 502, title: "Peer unreachable", description: "the peer did not answer" },
  "peer-refused": { status: 502, title: "Peer refused", description: "the peer answered with an error" },
  "not-darkmatter": {
    status: 502,
    title: "Not a DarkMatter node",
    description: "the URL did not answer like a DarkMatter node",
  },
  "member-connect-failed": {
    status: 502,
    title: "Member connection failed",
    description: "the hub could not connect to a hosted member",
  },
  "no-hub": { status: 503, title: "No hub", description: "the hub agent does not exist: set DM_HUB_PASSPORT" },
  "ledger-not-configured": {
    status: 503,
    title: "Ledger not configured",
    description: "DM_LEDGER_KEY or DM_AUTHORITIES is not set",
  },
  "ledger-key-mismatch": {
    status: 503,
    title: "Ledger key mismatch",
    description: "DM_LEDGER_KEY is not the key recorded in the ledger's genesis entry",
  },
  "queue-unavailable": {
    status: 503,
    title: "Queue unavailable",
    description: "the event queue refused the events; retry (with your own ids for idempotence)",
  },
  "live-full": {
    status: 503,
    title: "Live channel full",
    description: "the live channel holds its maximum of sockets; dashboards fall back to polling",
  },
} as const satisfies Record<string, CatalogueEntry>;

export type ProblemCode = keyof typeof CATALOGUE;

export const PROBLEM_CODES = Object.keys(CATALOGUE) as ProblemCode[];

export const isProblemCode = (code: string): code is ProblemCode => Object.hasOwn(CATALOGUE, code);

export const statusOf = (code: ProblemCode): number => CATALOGUE[code].status;

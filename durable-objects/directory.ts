// The anchor (mesh spec §9) behind the Worker's root `/__darkmatter__/peer_update` and
// `/__darkmatter__/peer_lookup/{agent_id}`: agent_id → {url, public_key_hex, last_seen}, with
// mandatory signatures, first-key pinning, 10 registrations per minute per client address (IPv6
// by /64) and a 24 h TTL pruned by an alarm. It also keeps the list of agents this Worker hosts, for the root
// well-known document and GET /api/v1/agents. Its tables are src/stores/directory-store.ts.
import { DurableObject } from "cloudflare:workers";
import { CLIENT_KEY_HEADER, INTERNAL_CLIENT, requestClientKey } from "../src/core/client-address.js";
import { admitAnchorClient, anchorLookup, anchorWellKnown, registerWithAnchor } from "../src/core/mesh/anchor.js";
import { ANCHOR_ENTRY_MAX_AGE_SECONDS, MAX_MESH_BODY_BYTES } from "../src/core/mesh/limits.js";
import { meshErrors, parseJsonBody } from "../src/core/mesh/mesh-reply.js";
import { matchAnchorPath } from "../src/core/mesh/mesh-paths.js";
import type { SlidingWindow } from "../src/core/mesh/rate-limit.js";
import type { AnchorEntry } from "../src/schemas/mesh-state.js";
import type { HostedAgent } from "../src/schemas/agents.js";
import { meshMethodNotAllowed, meshNotFound, meshResponse, readMeshBody } from "../src/http/mesh-response.js";
import { DirectoryStore } from "../src/stores/directory-store.js";

export class Directory extends DurableObject<Env> {
  private readonly store: DirectoryStore;
  // Per-address sliding windows live in memory, like the reference's (§9.1); an evicted object
  // forgets them. Updated in place and bounded by admitAnchorClient.
  private readonly windows = new Map<string, SlidingWindow>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new DirectoryStore(ctx.storage.sql);
  }

  /** The anchor's two mesh endpoints; `path` is relative to the Worker root. */
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const match = matchAnchorPath(request.method, url.pathname);
    if (match.kind === "not-found") return meshNotFound();
    if (match.kind === "method-not-allowed") return meshMethodNotAllowed(match.allow);
    if (match.isMcpAlias) return meshNotFound();
    const now = Date.now();
    if (match.endpoint === "peer_lookup") {
      const agentId = match.param!;
      const { reply, isStale } = anchorLookup(agentId, this.store.entry(agentId), now);
      if (isStale) this.store.deleteEntry(agentId);
      return meshResponse(reply);
    }
    // §19.8: keyed on CF-Connecting-IP alone, which the edge sets (and wrangler dev sets to the
    // socket's address); the mesh route puts the key in CLIENT_KEY_HEADER, overwriting any copy a
    // client sent. The reference's X-Forwarded-For fallback is gone: any client can write that
    // header. This Worker's own agents registering in-process (src/mesh/transport.ts) are not
    // anonymous clients and are not charged, so many of them can re-register at once.
    const client = request.headers.get(CLIENT_KEY_HEADER) ?? requestClientKey(request);
    if (client !== INTERNAL_CLIENT && !admitAnchorClient(this.windows, client, now)) {
      await request.body?.cancel(); // refused unread, as anchor.py refuses before parsing (§9.1 step 1)
      return meshResponse(meshErrors.anchorRateLimited());
    }
    const body = await readMeshBody(request, MAX_MESH_BODY_BYTES);
    if (!body.ok) return body.response;
    const outcome = await registerWithAnchor(parseJsonBody(body.text), {
      now,
      entry: (agentId) => this.store.entry(agentId),
      freshEntryCount: () => this.store.freshEntryCount(now),
    });
    if (outcome.store) {
      const { agentId, entry } = outcome.store;
      this.store.putEntry(agentId, entry);
      this.store.prune(now);
      await this.scheduleExpiry();
    }
    return meshResponse(outcome.reply);
  }

  /** §9.3, plus the agents hosted here so a visitor can find them. */
  async wellKnown(): Promise<ReturnType<typeof anchorWellKnown> & { agents: HostedAgent[] }> {
    this.store.prune(Date.now());
    return { ...anchorWellKnown(this.store.entryCount()), agents: this.store.hostedAgents() };
  }

  hostedAgents(): HostedAgent[] {
    return this.store.hostedAgents();
  }

  /** The freshest `limit` registrations with this anchor (darkmatter_discover_local lists them, §17). */
  registrations(limit: number): Array<AnchorEntry & { agent_id: string }> {
    this.store.prune(Date.now());
    return this.store.freshest(limit);
  }

  /** Registrations within the last 24 h (GET /metrics). */
  registrationCount(): number {
    return this.store.freshEntryCount(Date.now());
  }

  /** Is `name` one of the agents hosted here? Mesh requests for other names never reach an Agent object. */
  isHostedAgent(name: string): boolean {
    return this.store.isHostedAgent(name);
  }

  /** Records a hosted agent; false when the name is taken. */
  registerHostedAgent(agent: HostedAgent): boolean {
    return this.store.addHostedAgent(agent);
  }

  /** The 24 h TTL (§9.4), applied even when nobody registers or looks anything up. */
  override async alarm(): Promise<void> {
    this.store.prune(Date.now());
    await this.scheduleExpiry();
  }

  private async scheduleExpiry(): Promise<void> {
    const oldest = this.store.oldestLastSeen();
    if (oldest === null) return;
    await this.ctx.storage.setAlarm(Math.ceil((oldest + ANCHOR_ENTRY_MAX_AGE_SECONDS) * 1000) + 1000);
  }
}

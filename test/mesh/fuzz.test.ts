// Property tests of the public mesh surface (issue 11): random and mutated bodies and path
// parameters against every endpoint of a hosted agent and the anchor. Whatever arrives, the
// answer is never a 5xx, always a JSON object (errors exactly `{"error": …}`, mesh spec §4.3),
// and a refusal leaves the agent — as its operator sees it — and the anchor as they were.
import fc from "fast-check";
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import worker from "../../src/index.js";
import { signedMessageBody, signedPeerUpdate, signedResponseUpdate } from "../../src/core/mesh/message-signing.js";
import { newPassport, type Passport } from "../../src/core/mesh/passport.js";
import { formatMeshTimestamp } from "../../src/core/mesh/timestamp.js";
import { OPERATOR_TOKEN, type Call } from "../api.js";
import {
  bodyText,
  CaseCounter,
  directApi as api,
  freshAddress,
  param,
  paramText,
  percentEncode,
  plan,
  type Param,
  type Plan,
} from "../fuzz.js";
import { agentUrl } from "./mesh-helpers.js";

// Huge and deeply nested bodies take a while on a 2-core box; every property is bounded by numRuns.
vi.setConfig({ testTimeout: 30_000, hookTimeout: 30_000 });

const connection = (name: string, body: Record<string, unknown>) =>
  api("POST", `/api/v1/agents/${name}/connections`, { body });
const send = (name: string, body: Record<string, unknown>) => api("POST", `/api/v1/agents/${name}/messages`, { body });

async function createAgent(name: string) {
  const created = await api("POST", "/api/v1/agents", { body: { name, bio: `agent ${name}` } });
  if (created.status !== 201) throw new Error(`create ${name}: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body as { name: string; agent_id: string };
}

/** mesh-helpers connect(): a requests, b accepts (spec §10.2). */
async function connect(a: string, b: string) {
  const requested = await connection(a, { action: "request", target_url: agentUrl(b) });
  const accepted = await connection(b, {
    action: "accept",
    request_id: (await api("GET", `/api/v1/agents/${b}/connections/pending`)).body.requests[0].request_id,
  });
  if (requested.status !== 200 || accepted.status !== 200)
    throw new Error(`connect ${a} → ${b}: ${JSON.stringify(accepted.body)}`);
}

// ---- the world each property runs against ----------------------------------------------------

interface Fixture {
  name: string;
  agentId: string;
  /** A connection of the target whose key is pinned and whose private key we hold: it can sign. */
  peer: Passport;
  /** A hosted agent connected to the target through the operator API (mesh-helpers connect()). */
  hosted: { name: string; agent_id: string };
  /** A hosted agent the target asked to connect to, still pending: a `connection_accepted` can match it. */
  awaited: { name: string; agent_id: string };
  /** A message the target sent: its webhook path is live. */
  sentId: string;
}

const tag = () => crypto.randomUUID().slice(0, 8);

async function fixture(label: string): Promise<Fixture> {
  const target = await createAgent(`fz-${label}-${tag()}`);
  const hosted = await createAgent(`fzh-${label}-${tag()}`);
  const awaited = await createAgent(`fzo-${label}-${tag()}`);
  await connect(hosted.name, target.name);
  const peer = newPassport();
  const requested = await call(
    "POST",
    `/agents/${target.name}/__darkmatter__/connection_request`,
    JSON.stringify({
      from_agent_id: peer.agentId,
      from_agent_url: "https://peer.fuzz.example",
      from_agent_public_key_hex: peer.publicKeyHex,
    }),
    "192.0.2.200",
  );
  const accepted = await connection(target.name, { action: "accept", request_id: requested.body.request_id });
  if (accepted.status !== 200)
    throw new Error(`fixture accept: ${JSON.stringify(requested.body)} then ${JSON.stringify(accepted.body)}`);
  expect((await connection(target.name, { action: "request", target_url: agentUrl(awaited.name) })).body.status).toBe(
    "pending",
  );
  const sent = await send(target.name, { content: "fuzz me", target_agent_id: hosted.agent_id });
  // Limits that are not under test here are lifted, so that a refusal is about the body.
  await api("PUT", `/api/v1/agents/${target.name}/rate-limits`, { body: { limit: -1 } });
  await api("PUT", `/api/v1/agents/${target.name}/rate-limits`, { body: { agent_id: peer.agentId, limit: -1 } });
  await api("PUT", `/api/v1/agents/${target.name}/rate-limits`, { body: { agent_id: hosted.agent_id, limit: -1 } });
  return { name: target.name, agentId: target.agent_id, peer, hosted, awaited, sentId: sent.body.message_id };
}

/** What the operator sees of an agent (the operator API, never its storage). */
async function agentState(name: string) {
  const paths = ["", "/connections", "/connections/pending", "/inbox", "/sent"].map(
    (p) => `/api/v1/agents/${name}${p}`,
  );
  const [identity, connections, pending, inbox, sent] = await Promise.all(
    paths.map(async (p) => (await api("GET", p)).body),
  );
  return { identity, connections, pending, inbox, sent };
}
type AgentState = Awaited<ReturnType<typeof agentState>>;

const pinnedKeys = (state: AgentState) =>
  Object.fromEntries(
    state.connections.connections.map((c: { agent_id: string; agent_public_key_hex: string | null }) => [
      c.agent_id,
      c.agent_public_key_hex,
    ]),
  );

/** Keeps inbox and pending queue below their caps (§12.1) so later cases reach deeper than "full". */
async function makeRoom(fx: Fixture, state: AgentState): Promise<AgentState> {
  let changed = false;
  if (state.inbox.items.length >= 40) {
    await api("DELETE", `/api/v1/agents/${fx.name}/inbox`);
    changed = true;
  }
  if (state.pending.requests.length >= 40) {
    for (const request of state.pending.requests)
      await connection(fx.name, { action: "reject", request_id: request.request_id });
    changed = true;
  }
  return changed ? agentState(fx.name) : state;
}

// ---- requests ---------------------------------------------------------------------------------

async function call(
  method: string,
  path: string,
  text: string | undefined,
  ip: string,
  headers: Record<string, string> = {},
): Promise<Call> {
  return api(method, path, {
    token: null,
    headers: { "cf-connecting-ip": ip, ...(text !== undefined && { "content-type": "application/json" }), ...headers },
    ...(text !== undefined && { raw: text }),
  });
}

// ---- the endpoints ----------------------------------------------------------------------------

interface Endpoint {
  name: string;
  method: "GET" | "POST";
  /** Path under /agents/<name>; `param` is already percent-encoded. */
  path: (param: string) => string;
  hasParam?: boolean;
  /** Also answered under /mcp/__darkmatter__/… (§7.2). */
  hasMcpAlias?: boolean;
  /** The parameter that reaches furthest (a live sent message for webhooks), tried in 3 cases of 5. */
  focus?: (fx: Fixture) => string;
  /** A body a well-behaved peer would send (POST only). */
  valid?: (fx: Fixture) => Promise<Record<string, unknown>>;
  headers?: Record<string, string>;
}

const now = () => formatMeshTimestamp(Date.now());
const freshMessageId = () => `msg-${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;

const ENDPOINTS: Endpoint[] = [
  { name: "well-known", method: "GET", path: () => "/.well-known/darkmatter.json" },
  { name: "status", method: "GET", path: () => "/__darkmatter__/status" },
  { name: "network_info", method: "GET", path: () => "/__darkmatter__/network_info" },
  {
    name: "impression/{id}",
    method: "GET",
    path: (p) => `/__darkmatter__/impression/${p}`,
    hasParam: true,
    hasMcpAlias: true,
    focus: (fx) => fx.peer.agentId,
  },
  {
    name: "peer_lookup/{id}",
    method: "GET",
    path: (p) => `/__darkmatter__/peer_lookup/${p}`,
    hasParam: true,
    focus: (fx) => fx.hosted.agent_id,
  },
  {
    name: "webhook/{id} GET",
    method: "GET",
    path: (p) => `/__darkmatter__/webhook/${p}`,
    hasParam: true,
    focus: (fx) => fx.sentId,
  },
  {
    name: "webhook/{id} POST",
    method: "POST",
    path: (p) => `/__darkmatter__/webhook/${p}`,
    hasParam: true,
    focus: (fx) => fx.sentId,
    valid: async (fx) =>
      Math.random() < 0.5
        ? { type: "forwarded", agent_id: fx.hosted.agent_id, target_agent_id: fx.peer.agentId, note: "passing it on" }
        : {
            ...(await signedResponseUpdate(fx.peer, {
              message_id: fx.sentId,
              response: "an answer",
              metadata: {},
              timestamp: now(),
            })),
          },
  },
  {
    name: "connection_request",
    method: "POST",
    path: () => "/__darkmatter__/connection_request",
    valid: async (fx) => {
      const who = Math.random() < 0.2 ? fx.peer : newPassport(); // sometimes a connected peer asking again
      return {
        from_agent_id: who.agentId,
        from_agent_url: `https://node-${tag()}.example.com`,
        from_agent_bio: "a fuzzing peer",
        from_agent_public_key_hex: who.publicKeyHex,
        from_agent_display_name: "fuzzer",
        mutual: false,
      };
    },
  },
  {
    name: "connection_accepted",
    method: "POST",
    path: () => "/__darkmatter__/connection_accepted",
    hasMcpAlias: true,
    valid: async (fx) => ({
      agent_id: fx.awaited.agent_id,
      agent_url: agentUrl(fx.awaited.name),
      agent_bio: `agent ${fx.awaited.name}`,
      agent_public_key_hex: fx.awaited.agent_id,
      agent_display_name: fx.awaited.name,
    }),
  },
  {
    name: "accept_pending",
    method: "POST",
    path: () => "/__darkmatter__/accept_pending",
    valid: async () => ({ request_id: "req-0000abcd" }),
  },
  {
    name: "message",
    method: "POST",
    path: () => "/__darkmatter__/message",
    valid: async (fx) => ({
      ...(await signedMessageBody(fx.peer, {
        message_id: freshMessageId(),
        content: "hello from the fuzzer",
        webhook: "https://peer.fuzz.example/__darkmatter__/webhook/x",
        hops_remaining: 3,
        metadata: { n: 1 },
        timestamp: now(),
      })),
    }),
  },
  {
    name: "peer_update",
    method: "POST",
    path: () => "/__darkmatter__/peer_update",
    valid: async (fx) => ({ ...(await signedPeerUpdate(fx.peer, `https://moved-${tag()}.example.com`, now())) }),
  },
  {
    name: "webrtc_offer",
    method: "POST",
    path: () => "/__darkmatter__/webrtc_offer",
    hasMcpAlias: true,
    valid: async (fx) => ({ from_agent_id: fx.peer.agentId, sdp: "v=0\r\n", type: "offer" }),
  },
];

const counter = new CaseCounter();
const count = (endpoint: string, status: number) => counter.count(endpoint, status);

/** One case against one endpoint, with every invariant checked. Returns the state after it. */
async function runCase(
  fx: Fixture,
  before: AgentState,
  endpoint: Endpoint,
  p: Plan,
  prm: Param,
  options: { ip: string; isAlias: boolean; wrongMethod?: string; label: string },
) {
  const raw = endpoint.path(
    paramText(
      [
        endpoint.focus?.(fx) ?? fx.peer.agentId,
        fx.peer.agentId,
        fx.hosted.agent_id,
        fx.sentId,
        fx.agentId,
        "f".repeat(64),
        "msg-000000000000",
      ],
      prm,
    ),
  );
  const path = `/agents/${fx.name}${options.isAlias && endpoint.hasMcpAlias ? raw.replace("/__darkmatter__/", "/mcp/__darkmatter__/") : raw}`;
  if (!URL.canParse(`http://localhost${path}`)) return before;
  const method = options.wrongMethod ?? endpoint.method;
  const text =
    method === "POST" || method === "PUT" || method === "PATCH"
      ? bodyText(endpoint.valid ? await endpoint.valid(fx) : {}, p)
      : undefined;
  const reply = await call(method, path, text, options.ip, endpoint.headers);
  count(options.label, reply.status);

  if (endpoint.name === "webrtc_offer" && !options.wrongMethod && reply.status === 501) {
    expect(reply.body).toEqual({ error: "WebRTC not available (aiortc not installed)" }); // §8.13: the one 5xx the protocol prescribes
  } else {
    expect(
      reply.status,
      `${method} ${path.slice(0, 200)} → ${reply.status} ${JSON.stringify(reply.body).slice(0, 300)}`,
    ).toBeLessThan(500);
  }
  expect(reply.contentType).toBe("application/json");
  expect(
    reply.body !== null && typeof reply.body === "object" && !Array.isArray(reply.body),
    `reply is a JSON object: ${String(reply.body).slice(0, 200)}`,
  ).toBe(true);
  if (reply.status >= 400) expect(Object.keys(reply.body)).toEqual(["error"]);
  if (reply.status >= 400) expect(typeof reply.body.error).toBe("string");

  const after = await agentState(fx.name);
  if (reply.status >= 400 && reply.status < 500)
    expect(after, `a ${reply.status} to ${method} ${endpoint.name} changed the agent`).toEqual(before);
  // Identity is never rewritten (issue 11): keys pinned before the case are still pinned after it.
  const pinnedBefore = pinnedKeys(before);
  const pinnedAfter = pinnedKeys(after);
  for (const [agentId, key] of Object.entries(pinnedBefore)) if (key) expect(pinnedAfter[agentId]).toBe(key);
  return makeRoom(fx, after);
}

// ---- properties -------------------------------------------------------------------------------

const RUNS_PER_ENDPOINT = 100;
const focused: fc.Arbitrary<Param> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: "focus" as const }) },
  { weight: 2, arbitrary: param },
);
/** One case in eight uses a method the endpoint does not take (405, §4.1). */
const wrongMethods = (endpoint: Endpoint) =>
  fc.oneof(
    { weight: 7, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom("PUT", "DELETE", "PATCH", endpoint.method === "GET" ? "POST" : "GET") },
  );
const PARAMS = { numRuns: RUNS_PER_ENDPOINT, endOnFailure: true } as const;

// Each property gets its own agents: the §14.1 health check runs a minute after a connection is
// made and changes counters on its own, so a fixture must not outlive one property.
describe("the mesh endpoints of a hosted agent under random and mutated input", () => {
  for (const endpoint of ENDPOINTS) {
    it(`${endpoint.method} ${endpoint.name}: never a 5xx, always a JSON object, nothing changed by a refusal`, async () => {
      const fx = await fixture(endpoint.name.replace(/[^a-z]/g, "").slice(0, 12));
      let state = await agentState(fx.name);
      await fc.assert(
        fc.asyncProperty(plan, focused, fc.boolean(), wrongMethods(endpoint), async (p, prm, isAlias, wrongMethod) => {
          state = await runCase(fx, state, endpoint, p, prm, {
            ip: freshAddress(),
            isAlias,
            label: endpoint.name,
            ...(wrongMethod && { wrongMethod }),
          });
        }),
        PARAMS,
      );
    });
  }

  it("a valid signed message from the connected peer is still accepted after every message case", async () => {
    const fx = await fixture("after");
    let state = await agentState(fx.name);
    const message = ENDPOINTS.find((e) => e.name === "message")!;
    await fc.assert(
      fc.asyncProperty(
        plan,
        async (p) =>
          void (state = await runCase(
            fx,
            state,
            message,
            p,
            { kind: "known", which: 0 },
            { ip: freshAddress(), isAlias: false, label: "message (then a valid one)" },
          )),
      ),
      PARAMS,
    );
    const body = await signedMessageBody(fx.peer, {
      message_id: freshMessageId(),
      content: "still here",
      webhook: "https://peer.fuzz.example/__darkmatter__/webhook/x",
      hops_remaining: 2,
      metadata: {},
      timestamp: now(),
    });
    expect(
      (await call("POST", `/agents/${fx.name}/__darkmatter__/message`, JSON.stringify(body), freshAddress())).status,
    ).toBe(200);
  });
});

describe("one client address sending everything", () => {
  const ADDRESS = "198.51.100.77";
  const BUDGET_ERROR = "Rate limit exceeded for your address (30 requests per 60s)";
  const ANONYMOUS = ENDPOINTS.filter((e) =>
    ["connection_request", "connection_accepted", "peer_update", "impression/{id}", "message"].includes(e.name),
  );

  it("never gets a 5xx, never changes state by a refusal, and never gets the connected peer's signed messages refused", async () => {
    const fx = await fixture("one");
    let state = await agentState(fx.name);
    const signed = async () =>
      JSON.stringify(
        await signedMessageBody(fx.peer, {
          message_id: freshMessageId(),
          content: "from the peer, behind the same address",
          webhook: "https://peer.fuzz.example/__darkmatter__/webhook/x",
          hops_remaining: 1,
          metadata: {},
          timestamp: now(),
        }),
      );
    await fc.assert(
      fc.asyncProperty(fc.nat(ANONYMOUS.length - 1), plan, param, fc.boolean(), async (which, p, prm, sendSigned) => {
        if (sendSigned) {
          const reply = await call("POST", `/agents/${fx.name}/__darkmatter__/message`, await signed(), ADDRESS);
          count("single address: signed peer message", reply.status);
          expect([reply.status, reply.body.success, reply.body.queued]).toEqual([200, true, true]);
          state = await makeRoom(fx, await agentState(fx.name));
          return;
        }
        state = await runCase(fx, state, ANONYMOUS[which]!, p, prm, {
          ip: ADDRESS,
          isAlias: false,
          label: `single address: ${ANONYMOUS[which]!.name}`,
        });
      }),
      { numRuns: 120, endOnFailure: true },
    );
    // Whatever the mix above, 31 more anonymous requests from the address cross its budget…
    const statuses: Call[] = [];
    for (let i = 0; i < 31; i++)
      statuses.push(
        await call(
          "POST",
          `/agents/${fx.name}/__darkmatter__/connection_request`,
          JSON.stringify({ from_agent_id: newPassport().agentId, from_agent_url: "https://node.example.com" }),
          ADDRESS,
        ),
      );
    expect(statuses.at(-1)!.status).toBe(429);
    expect(statuses.at(-1)!.body).toEqual({ error: BUDGET_ERROR });
    // …while the connected peer behind the same address and another client are still admitted.
    expect((await call("POST", `/agents/${fx.name}/__darkmatter__/message`, await signed(), ADDRESS)).status).toBe(200);
    const other = await call(
      "POST",
      `/agents/${fx.name}/__darkmatter__/connection_request`,
      JSON.stringify({ from_agent_id: newPassport().agentId, from_agent_url: "https://other.example.com" }),
      "198.51.100.78",
    );
    expect(other.status).toBe(200);
  });
});

describe("the anchor under random and mutated input", () => {
  let registered: Passport;
  const lookup = async (agentId: string) => {
    const reply = await api("GET", `/__darkmatter__/peer_lookup/${percentEncode(agentId)}`, { token: null });
    return [reply.status, reply.body];
  };
  beforeAll(async () => {
    registered = newPassport();
    const update = await signedPeerUpdate(registered, "https://pinned.example.com", now());
    expect((await call("POST", "/__darkmatter__/peer_update", JSON.stringify(update), freshAddress())).status).toBe(
      200,
    );
  });

  const anchorCase = async (
    method: string,
    path: string,
    text: string | undefined,
    claimed: string | undefined,
    label: string,
  ) => {
    const before = [await lookup(registered.agentId), claimed === undefined ? null : await lookup(claimed)];
    const reply = await call(method, path, text, freshAddress());
    count(label, reply.status);
    expect(reply.status, `${method} ${path.slice(0, 120)} → ${JSON.stringify(reply.body).slice(0, 300)}`).toBeLessThan(
      500,
    );
    expect(reply.contentType).toBe("application/json");
    expect(reply.body !== null && typeof reply.body === "object" && !Array.isArray(reply.body)).toBe(true);
    if (reply.status >= 400) expect(Object.keys(reply.body)).toEqual(["error"]);
    const after = [await lookup(registered.agentId), claimed === undefined ? null : await lookup(claimed)];
    if (reply.status >= 400) expect(after).toEqual(before);
  };

  it("POST /__darkmatter__/peer_update: never a 5xx, always a JSON object, no entry changed by a refusal", async () => {
    await fc.assert(
      fc.asyncProperty(plan, fc.boolean(), async (p, asPinned) => {
        const signer = asPinned ? registered : newPassport();
        const valid = { ...(await signedPeerUpdate(signer, `https://node-${tag()}.example.com`, now())) };
        const text = bodyText(valid, p);
        let claimed: string | undefined;
        try {
          const id = (JSON.parse(text) as { agent_id?: unknown })?.agent_id;
          if (typeof id === "string" && id.length <= 256) claimed = id;
        } catch {
          // not JSON: nothing is claimed
        }
        await anchorCase("POST", "/__darkmatter__/peer_update", text, claimed ?? signer.agentId, "anchor peer_update");
      }),
      PARAMS,
    );
  });

  it("GET /__darkmatter__/peer_lookup/{id}: never a 5xx, always a JSON object, nothing changed", async () => {
    await fc.assert(
      fc.asyncProperty(param, async (prm) => {
        const text = paramText([registered.agentId, "0".repeat(64), `  ${registered.agentId}`], prm);
        const path = `/__darkmatter__/peer_lookup/${text}`;
        if (!URL.canParse(`http://localhost${path}`)) return;
        await anchorCase("GET", path, undefined, undefined, "anchor peer_lookup/{id}");
      }),
      PARAMS,
    );
  });
});

describe("agents that are not hosted here", () => {
  it('answer every mesh path, whatever the method or body, with 404 {"error": "Not Found"}', async () => {
    const name = fc.oneof(
      fc.stringMatching(/^[a-z0-9-]{1,40}$/).map((n) => `nohost-${n}`),
      fc.constantFrom("Nope", "under_score", "a".repeat(70), "%41", "nohost%2Fx"),
    );
    await fc.assert(
      fc.asyncProperty(
        name,
        fc.nat(ENDPOINTS.length - 1),
        fc.constantFrom("GET", "POST", "PUT", "DELETE"),
        plan,
        async (agent, which, method, p) => {
          const endpoint = ENDPOINTS[which]!;
          const path = `/agents/${agent}${endpoint.path("f".repeat(64))}`;
          const text =
            method === "POST" || method === "PUT"
              ? bodyText({ from_agent_id: "x", from_agent_url: "https://x.example.com" }, p)
              : undefined;
          const reply = await call(method, path, text, freshAddress());
          count("not hosted", reply.status);
          expect([reply.status, reply.contentType, reply.body]).toEqual([
            404,
            "application/json",
            { error: "Not Found" },
          ]);
        },
      ),
      { numRuns: 100, endOnFailure: true },
    );
  });
});

describe("mesh body caps (issue 11: 256 KiB, 1 MiB for /message and webhook POSTs)", () => {
  const KIB = 1024;
  const padded = (fields: Record<string, unknown>, bytes: number) => {
    const base = JSON.stringify({ ...fields, padding: "" });
    return JSON.stringify({ ...fields, padding: "p".repeat(Math.max(0, bytes - base.length)) });
  };
  /** Python peers send `ensure_ascii` JSON: every astral code point is a 12-byte surrogate-pair escape. */
  const ensureAscii = (value: unknown) =>
    JSON.stringify(value).replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);

  it('answers a body one byte over the cap of each endpoint with 413 {"error": …} and changes nothing', async () => {
    const fx = await fixture("cap");
    const before = await agentState(fx.name);
    const cases: Array<[string, string, number, Record<string, string>?]> = [
      ["connection_request", "/__darkmatter__/connection_request", 256 * KIB],
      ["connection_accepted", "/__darkmatter__/connection_accepted", 256 * KIB],
      [
        "accept_pending (operator)",
        "/__darkmatter__/accept_pending",
        256 * KIB,
        { authorization: `Bearer ${OPERATOR_TOKEN}` },
      ],
      ["peer_update", "/__darkmatter__/peer_update", 256 * KIB],
      ["message", "/__darkmatter__/message", 1024 * KIB],
      ["webhook POST", `/__darkmatter__/webhook/${fx.sentId}`, 1024 * KIB],
    ];
    const fields = {
      from_agent_id: newPassport().agentId,
      from_agent_url: "https://big.example.com",
      agent_id: fx.awaited.agent_id,
      agent_url: agentUrl(fx.awaited.name),
      request_id: "req-00000000",
      message_id: freshMessageId(),
      content: "x",
      webhook: "https://peer.fuzz.example/__darkmatter__/webhook/x",
      type: "forwarded",
      new_url: "https://big.example.com",
    };
    for (const [label, path, cap, headers] of cases) {
      const reply = await call("POST", `/agents/${fx.name}${path}`, padded(fields, cap + 1), freshAddress(), headers);
      expect([label, reply.status, Object.keys(reply.body ?? {})]).toEqual([label, 413, ["error"]]);
    }
    expect(await agentState(fx.name)).toEqual(before);
  });

  it('answers an anchor peer_update one byte over 256 KiB with 413 {"error": …} and registers nothing', async () => {
    const before = (await api("GET", "/.well-known/darkmatter.json", { token: null })).body.agents_registered;
    const node = newPassport();
    const update = await signedPeerUpdate(node, "https://big.example.com", now());
    const anchor = await call(
      "POST",
      "/__darkmatter__/peer_update",
      padded({ ...update }, 256 * KIB + 1),
      freshAddress(),
    );
    expect([anchor.status, Object.keys(anchor.body ?? {})]).toEqual([413, ["error"]]);
    expect((await api("GET", `/__darkmatter__/peer_lookup/${node.agentId}`, { token: null })).status).toBe(404);
    expect((await api("GET", "/.well-known/darkmatter.json", { token: null })).body.agents_registered).toBe(before);
  });

  it("refuses a streamed body without Content-Length once it passes the cap", async () => {
    const fx = await fixture("stream");
    const before = await agentState(fx.name);
    const chunk = new TextEncoder().encode(" ".repeat(64 * KIB));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 40)
          controller.enqueue(chunk); // 2.5 MiB of whitespace, never a complete JSON value
        else controller.close();
      },
    });
    const response = await worker.fetch(
      new Request(`http://localhost/agents/${fx.name}/__darkmatter__/message`, {
        method: "POST",
        headers: { "content-type": "application/json", "cf-connecting-ip": freshAddress() },
        body,
      }) as Request<unknown, IncomingRequestCfProperties>,
      env,
      createExecutionContext(),
    );
    expect([response.status, Object.keys(await response.json())]).toEqual([413, ["error"]]);
    expect(sent).toBeLessThan(40); // the rest was left unread
    expect(await agentState(fx.name)).toEqual(before);
  });

  it("accepts a message of 65 536 astral code points sent as ensure_ascii JSON (≈ 786 KB, under the 1 MiB cap)", async () => {
    const fx = await fixture("astral");
    const content = "😀".repeat(65_536);
    const body = await signedMessageBody(fx.peer, {
      message_id: freshMessageId(),
      content,
      webhook: "https://peer.fuzz.example/__darkmatter__/webhook/x",
      hops_remaining: 1,
      metadata: {},
      timestamp: now(),
    });
    const text = ensureAscii(body);
    expect(text.length).toBeGreaterThan(256 * KIB);
    const reply = await call("POST", `/agents/${fx.name}/__darkmatter__/message`, text, freshAddress());
    expect([reply.status, reply.body]).toEqual([200, { success: true, queued: true, queue_position: 1 }]);
    expect((await api("GET", `/api/v1/agents/${fx.name}/inbox/${body.message_id}`)).body.content).toBe(content);
  });
});

afterAll(() => {
  console.log(counter.table("mesh fuzz cases per endpoint"));
});

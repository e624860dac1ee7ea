// Issue 11 under a real `wrangler dev`: one client floods an agent with anonymous mesh requests
// and spends only its own per-address budget, while a connected peer's signed messages and other
// clients are still admitted.
//
// Under wrangler dev, CF-Connecting-IP is the TCP peer address of the client's socket: miniflare's
// entry worker sets it from the connection (`request.cf.clientIp`) unless the request already
// carries the header, which it then passes through unchanged. wrangler dev listens on 127.0.0.1,
// and the whole of 127.0.0.0/8 is loopback on Linux, so a client bound to 127.0.0.2 arrives as
// CF-Connecting-IP 127.0.0.2 and one bound to 127.0.0.1 as 127.0.0.1.
import { Agent } from "node:http";
import { callJson } from "../../scripts/http-json.js";
import { afterAll, describe, expect, inject, it } from "vitest";
import { signedMessageBody, signedPeerUpdate } from "../../src/core/mesh/message-signing.js";
import { newPassport } from "../../src/core/mesh/passport.js";
import { formatMeshTimestamp } from "../../src/core/mesh/timestamp.js";
import { http } from "./http.js";

const FLOODER = "127.0.0.2";
const BYSTANDER = "127.0.0.1";
const FLOOD = 300;
const BUDGET = 30; // ANONYMOUS_REQUESTS_PER_CLIENT per 60 s per agent
const BUDGET_ERROR = { error: "Rate limit exceeded for your address (30 requests per 60s)" };

const suffix = Math.random().toString(16).slice(2, 8);
const name = (n: string) => `flood-${n}-${suffix}`;
const url = (n: string) => `${inject("baseUrl")}/agents/${name(n)}`;

// One keep-alive pool per source address: node:http names pooled sockets by localAddress too.
const pools = new Map<string, Agent>();
afterAll(() => {
  for (const pool of pools.values()) pool.destroy();
});

/** A mesh call from a chosen loopback address (fetch cannot bind its source address). */
function from(
  localAddress: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  let agent = pools.get(localAddress);
  if (!agent) pools.set(localAddress, (agent = new Agent({ keepAlive: true, maxSockets: 16 })));
  return callJson(inject("baseUrl"), null, method, path, body, { localAddress, agent });
}

async function agent(n: string) {
  const created = await http("POST", "/api/v1/agents", { body: { name: name(n), bio: n } });
  expect(created.status).toBe(201);
  return created.body as { agent_id: string; public_key_hex: string };
}

describe("a flood from one loopback address against wrangler dev", () => {
  it("costs only the flooder's own budget: the connected peer's signed messages and another client still get through", async () => {
    const a = await agent("a");
    const b = await agent("b");
    const requested = await http("POST", `/api/v1/agents/${name("a")}/connections`, {
      body: { action: "request", target_url: url("b") },
    });
    expect(requested.body.status).toBe("pending");
    const accepted = await http("POST", `/api/v1/agents/${name("b")}/connections`, {
      body: { action: "accept", request_id: requested.body.request_id },
    });
    expect(accepted.body.accepted).toBe(true);

    const base = `/agents/${name("b")}/__darkmatter__`;
    const stranger = newPassport(); // signs what it claims a's identity for: never a's key
    const anonymous = async (i: number) => {
      switch (i % 3) {
        case 0:
          return from(FLOODER, "POST", `${base}/connection_request`, {
            from_agent_id: newPassport().agentId,
            from_agent_url: `https://flood-${i}.example.com`,
            from_agent_public_key_hex: newPassport().publicKeyHex,
          });
        case 1: {
          const forged = await signedMessageBody(stranger, {
            message_id: `msg-${i.toString(16).padStart(12, "0")}`,
            content: "not really from a",
            webhook: "https://flood.example.com/__darkmatter__/webhook/x",
            hops_remaining: 1,
            metadata: {},
            timestamp: formatMeshTimestamp(Date.now()),
          });
          return from(FLOODER, "POST", `${base}/message`, {
            ...forged,
            from_agent_id: a.agent_id,
            from_public_key_hex: a.public_key_hex,
          });
        }
        default:
          return from(FLOODER, "POST", `${base}/peer_update`, {
            ...(await signedPeerUpdate(stranger, "https://hijack.example.com", formatMeshTimestamp(Date.now()))),
            agent_id: a.agent_id,
            public_key_hex: a.public_key_hex,
          });
      }
    };

    // The flood, 10 requests in flight, with a's operator sending a signed message to b every 60 flood requests.
    const replies: { status: number; body: any }[] = [];
    const sends: Promise<{ status: number; body: any }>[] = [];
    for (let i = 0; i < FLOOD; i += 10) {
      replies.push(...(await Promise.all(Array.from({ length: 10 }, (_, k) => anonymous(i + k)))));
      if (i % 60 === 30)
        sends.push(
          http("POST", `/api/v1/agents/${name("a")}/messages`, {
            body: { content: `signed #${sends.length} during the flood`, target_agent_id: b.agent_id },
          }),
        );
    }
    const during = await Promise.all(sends);
    const after = await http("POST", `/api/v1/agents/${name("a")}/messages`, {
      body: { content: "signed after the flood", target_agent_id: b.agent_id },
    });

    // The flooder got no 5xx, and at most its budget of anything but its own 429.
    expect(replies.filter((r) => r.status >= 500)).toEqual([]);
    const refused = replies.filter((r) => r.status === 429 && r.body?.error === BUDGET_ERROR.error);
    expect(replies.length - refused.length).toBeLessThanOrEqual(BUDGET);
    expect(refused.length).toBeGreaterThanOrEqual(FLOOD - BUDGET);
    expect(
      replies
        .filter((r) => r.status === 429)
        .every((r) => r.body?.error === BUDGET_ERROR.error || r.body?.error === "Too many pending requests"),
    ).toBe(true);

    // a's signed messages, during and after, were accepted by b and are in b's inbox.
    for (const sent of [...during, after]) expect([sent.status, sent.body.routed_to]).toEqual([200, [b.agent_id]]);
    const inbox = (await http("GET", `/api/v1/agents/${name("b")}/inbox`)).body.items;
    expect(inbox.map((m: { message_id: string }) => m.message_id).sort()).toEqual(
      [...during, after].map((s) => s.body.message_id).sort(),
    );
    expect(
      inbox.every((m: { from_agent_id: string; verified: boolean }) => m.from_agent_id === a.agent_id && m.verified),
    ).toBe(true);

    // Nothing the flooder claimed stuck: a's URL at b is still a's, and no forged message is held.
    const aAtB = (await http("GET", `/api/v1/agents/${name("b")}/connections`)).body.connections.find(
      (c: { agent_id: string }) => c.agent_id === a.agent_id,
    );
    expect(aAtB).toMatchObject({ agent_public_key_hex: a.public_key_hex, agent_url: url("a") });

    // The flooder is still refused; a client on another address is admitted for its own anonymous requests.
    expect(await anonymous(0)).toEqual({ status: 429, body: BUDGET_ERROR });
    const bystander = await from(BYSTANDER, "POST", `${base}/connection_request`, {
      from_agent_id: newPassport().agentId,
      from_agent_url: "https://bystander.example.com",
    });
    expect([bystander.status, bystander.body.auto_accepted]).toEqual([200, false]);
    const bystanderImpression = await from(BYSTANDER, "GET", `${base}/impression/${a.agent_id}`);
    expect(bystanderImpression).toEqual({ status: 200, body: { agent_id: a.agent_id, has_impression: false } });
  });
});

// The mesh flows of the mesh issue, over HTTP against wrangler dev: hosted agents connect,
// message, forward through a third, fork to two targets, respond through webhooks, expire; bad
// messages are refused with nothing stored.
import { describe, expect, inject, it } from "vitest";
import { signedMessageBody } from "../../src/core/mesh/message-signing.js";
import { newPassport } from "../../src/core/mesh/passport.js";
import { formatMeshTimestamp } from "../../src/core/mesh/timestamp.js";
import { http } from "./http.js";

const suffix = Math.random().toString(16).slice(2, 8);
const name = (n: string) => `${n}-${suffix}`;
const url = (n: string) => `${inject("baseUrl")}/agents/${name(n)}`;

async function agent(n: string) {
  const created = await http("POST", "/api/v1/agents", { body: { name: name(n), bio: n } });
  expect(created.status).toBe(201);
  return created.body as { agent_id: string };
}

async function connect(a: string, b: string) {
  const requested = await http("POST", `/api/v1/agents/${name(a)}/connections`, {
    body: { action: "request", target_url: url(b) },
  });
  expect(requested.body.status).toBe("pending");
  const accepted = await http("POST", `/api/v1/agents/${name(b)}/connections`, {
    body: { action: "accept", request_id: requested.body.request_id },
  });
  expect(accepted.body.accepted).toBe(true);
}

const inbox = async (n: string) => (await http("GET", `/api/v1/agents/${name(n)}/inbox`)).body.items;

describe("the mesh over HTTP against wrangler dev", () => {
  it("connects, messages, forwards through a third agent, forks to two, responds through webhooks and expires", async () => {
    await agent("a");
    const b = await agent("b");
    const c = await agent("c");
    const d = await agent("d");
    await connect("a", "b");
    await connect("b", "c");
    await connect("b", "d");

    const direct = (
      await http("POST", `/api/v1/agents/${name("a")}/messages`, {
        body: { content: "ping", target_agent_id: b.agent_id },
      })
    ).body;
    expect(direct.routed_to).toEqual([b.agent_id]);
    await http("POST", `/api/v1/agents/${name("b")}/messages/${direct.message_id}/respond`, {
      body: { response: "pong" },
    });
    expect((await http("GET", `/api/v1/agents/${name("a")}/sent/${direct.message_id}`)).body).toMatchObject({
      status: "responded",
      response: { response: "pong", agent_id: b.agent_id },
    });

    const relayed = (
      await http("POST", `/api/v1/agents/${name("a")}/messages`, {
        body: { content: "who knows?", target_agent_id: b.agent_id },
      })
    ).body;
    const forked = await http("POST", `/api/v1/agents/${name("b")}/messages`, {
      body: { message_id: relayed.message_id, target_agent_ids: [c.agent_id, d.agent_id] },
    });
    expect(forked.body.results.map((r: { success: boolean }) => r.success)).toEqual([true, true]);
    expect((await inbox("c"))[0]).toMatchObject({
      message_id: relayed.message_id,
      from_agent_id: b.agent_id,
      verified: true,
      hops_remaining: 9,
    });
    await http("POST", `/api/v1/agents/${name("c")}/messages/${relayed.message_id}/respond`, {
      body: { response: "c knows" },
    });
    const record = (await http("GET", `/api/v1/agents/${name("a")}/sent/${relayed.message_id}`)).body;
    expect(record.updates.map((u: { target_agent_id: string }) => u.target_agent_id)).toEqual([c.agent_id, d.agent_id]);
    expect(record).toMatchObject({ status: "responded", response: { agent_id: c.agent_id, response: "c knows" } });

    const expiring = (
      await http("POST", `/api/v1/agents/${name("a")}/messages`, {
        body: { content: "soon stale", target_agent_id: b.agent_id },
      })
    ).body;
    expect((await http("POST", `/api/v1/agents/${name("a")}/messages/${expiring.message_id}/expire`)).body.status).toBe(
      "expired",
    );
    const refused = await http("POST", `/api/v1/agents/${name("b")}/messages`, {
      body: { message_id: expiring.message_id, target_agent_id: c.agent_id },
    });
    expect([refused.status, refused.body.code]).toEqual([409, "forward-refused-expired"]);
  });

  it("refuses a stale timestamp, a replayed id, a forged signature, a foreign key and an SSRF webhook, storing nothing", async () => {
    await agent("guard");
    const peer = newPassport();
    const requested = await http("POST", `/agents/${name("guard")}/__darkmatter__/connection_request`, {
      body: {
        from_agent_id: peer.agentId,
        from_agent_url: "http://127.0.0.1:9",
        from_agent_public_key_hex: peer.publicKeyHex,
      },
      token: null,
    });
    await http("POST", `/api/v1/agents/${name("guard")}/connections`, {
      body: { action: "accept", request_id: requested.body.request_id },
    });
    const message = async (overrides: Record<string, unknown> = {}, at = Date.now(), signer = peer) => ({
      ...(await signedMessageBody(signer, {
        message_id: `msg-${Math.random().toString(16).slice(2, 14)}`,
        content: "hello",
        webhook: "http://127.0.0.1:9/__darkmatter__/webhook/m",
        hops_remaining: 3,
        metadata: {},
        timestamp: formatMeshTimestamp(at),
      })),
      ...overrides,
    });
    const post = (body: unknown) =>
      http("POST", `/agents/${name("guard")}/__darkmatter__/message`, { body, token: null });
    const stale = await post(await message({}, Date.now() - 10 * 60_000));
    expect(stale.status).toBe(403);
    const good = await message();
    expect((await post(good)).status).toBe(200);
    expect((await post(good)).status).toBe(409);
    expect((await post({ ...(await message()), content: "forged" })).status).toBe(403);
    const stranger = newPassport();
    expect((await post(await message({ from_agent_id: peer.agentId }, Date.now(), stranger))).status).toBe(403);
    expect((await inbox("guard")).map((m: { message_id: string }) => m.message_id)).toEqual([good.message_id]);

    const ssrf = await message({ webhook: "http://169.254.169.254/__darkmatter__/webhook/x" });
    expect((await post(ssrf)).status).toBe(200);
    const respond = await http("POST", `/api/v1/agents/${name("guard")}/messages/${ssrf.message_id}/respond`, {
      body: { response: "nope" },
    });
    expect([respond.status, respond.body.code]).toEqual([422, "webhook-blocked"]);
    expect((await inbox("guard")).map((m: { message_id: string }) => m.message_id)).toEqual([good.message_id]);
  });
});

// Hosted agents acting on their own (issue 15): the router chain and its handler, through the
// operator API and real mesh messages between hosted agents (real Agent objects), with the real
// handler process of scripts/router-handler.ts on loopback (test/handler-setup.ts).
import { describe, expect, inject, it } from "vitest";
import { api } from "../api.js";
import { allEvents, eventually } from "../events/helpers.js";
import { verifyHex } from "../../src/core/signing.js";
import { connect, connection, createAgent, mesh, send } from "./mesh-helpers.js";
import { signedMessageBody } from "../../src/core/mesh/message-signing.js";
import { newPassport } from "../../src/core/mesh/passport.js";
import { formatMeshTimestamp } from "../../src/core/mesh/timestamp.js";

const handlerOrigin = inject("handlerOrigin");
let counter = 0;
type Created = Awaited<ReturnType<typeof createAgent>> & { public_key_hex: string };
const unique = (label: string) => `rt-${label}-${Date.now().toString(36)}-${counter++}`;

const putRouter = (name: string, router: unknown, headers: Record<string, string> = {}, token?: string) =>
  api("PUT", `/api/v1/agents/${name}/router`, { body: router, headers, ...(token && { token }) });
const inboxOf = async (name: string) => (await api("GET", `/api/v1/agents/${name}/inbox`)).body.items;
const decisions = async (name: string) => (await api("GET", `/api/v1/agents/${name}/router/decisions`)).body.items;
const sentOf = async (name: string, id: string) => (await api("GET", `/api/v1/agents/${name}/sent/${id}`)).body;
const recorded = async (key: string) =>
  (await (await fetch(`${handlerOrigin}/requests/${key}`)).json()) as Array<{
    headers: Record<string, string>;
    body: string;
    verified: boolean;
  }>;

/** a → b, connected both ways; b's router set. */
async function pair(router?: unknown) {
  const a = (await createAgent(unique("a"))) as Created;
  const b = (await createAgent(unique("b"))) as Created;
  await connect(a.name, b.name);
  if (router) expect((await putRouter(b.name, router)).status).toBe(200);
  return { a, b };
}

/** b's decision for message `id`, once there is one. */
const decisionFor = (name: string, id: string, timeout = 15_000) =>
  eventually(
    async () => (await decisions(name)).find((d: { message_id: string }) => d.message_id === id),
    `a decision for ${id}`,
    timeout,
  );

const answerTo = (name: string, id: string) =>
  eventually(async () => {
    const sent = await sentOf(name, id);
    return sent.response ? sent.response : undefined;
  }, `the response to ${id}`);

const handlerUrl = (key: string, query: string) => `${handlerOrigin}/${key}?${query}`;

describe("the router's configuration", () => {
  it("starts as queue_only at version 0 and keeps every message in the inbox, recording nothing", async () => {
    const { a, b } = await pair();
    const got = await api("GET", `/api/v1/agents/${b.name}/router`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ version: 0, updated_at: null, router: { mode: "queue_only", rules: [] } });
    expect(got.headers.get("etag")).toBe('"0"');
    const sent = await send(a.name, { content: "just wait", target_agent_id: b.agent_id });
    expect(sent.body.success).toBe(true);
    const [held] = await inboxOf(b.name);
    expect(held).toMatchObject({ message_id: sent.body.message_id, content: "just wait" });
    expect(held.routing).toBeUndefined();
    expect(await decisions(b.name)).toEqual([]);
  });

  it("refuses an invalid router with 422 naming each field, and changes nothing", async () => {
    const { b } = await pair();
    const cases: Array<[unknown, string[]]> = [
      [{ mode: "sometimes" }, ["/mode"]],
      [{ mode: "rules_only", rules: [{ action: "FORWARD" }] }, ["/rules/0/targets"]],
      [
        { mode: "rules_only", rules: [{ action: "RESPOND" }, { action: "DROP", response: "x" }] },
        ["/rules/0/response", "/rules/1/response"],
      ],
      [{ mode: "rules_first", rules: [{ action: "HANDLE" }] }, ["/rules/0/action"]],
      [{ mode: "spawn" }, ["/handler"]],
      [{ mode: "rules_only", rules: [{ match: { regex: ".*" }, action: "DROP" }] }, ["/rules/0/match"]],
      [{ mode: "spawn", handler: { url: "http://example.com/h" } }, ["/handler/url"]],
      [{ mode: "spawn", handler: { url: "https://10.0.0.7/h" } }, ["/handler/url"]],
      [{ mode: "spawn", handler: { url: "https://user:pw@example.com/h" } }, ["/handler/url"]],
      [{ mode: "spawn", handler: { url: "http://localhost/agents/x" } }, ["/handler/url"]], // this Worker itself
      [
        { mode: "spawn", handler: { url: "https://example.com/h", maxConcurrent: 0, timeoutSeconds: 9999 } },
        ["/handler/maxConcurrent", "/handler/timeoutSeconds"],
      ],
    ];
    for (const [router, paths] of cases) {
      const refused = await putRouter(b.name, router);
      expect([refused.status, refused.contentType, refused.body.code], JSON.stringify(router)).toEqual([
        422,
        "application/problem+json",
        "invalid-router",
      ]);
      expect(refused.body.errors.map((e: { path: string }) => e.path).sort(), JSON.stringify(router)).toEqual(paths);
    }
    expect((await api("GET", `/api/v1/agents/${b.name}/router`)).body.version).toBe(0);
  });

  it("versions every replacement and refuses a stale If-Match with 412", async () => {
    const { b } = await pair();
    const first = await putRouter(b.name, { mode: "rules_only", rules: [] }, { "if-match": '"0"' });
    expect([first.status, first.body.version, first.headers.get("etag")]).toEqual([200, 1, '"1"']);
    expect(first.body.updated_at).toEqual(expect.any(Number));
    const stale = await putRouter(b.name, { mode: "queue_only" }, { "if-match": '"0"' });
    expect([stale.status, stale.body.code, stale.body.version]).toEqual([412, "stale-router", 1]);
    const bad = await putRouter(b.name, { mode: "queue_only" }, { "if-match": "a-commit" });
    expect([bad.status, bad.body.code]).toEqual([400, "invalid-if-match"]);
    const unconditional = await putRouter(b.name, { mode: "queue_only" });
    expect(unconditional.body).toMatchObject({ version: 2, router: { mode: "queue_only", rules: [] } });
  });

  it("is the operator's and the agent's own: another agent's token is refused", async () => {
    const { a, b } = await pair();
    const own = await putRouter(b.name, { mode: "rules_only" }, {}, b.token);
    expect(own.status).toBe(200);
    const foreign = await putRouter(b.name, { mode: "queue_only" }, {}, a.token);
    expect([foreign.status, foreign.body.code]).toEqual([403, "forbidden"]);
    const anonymous = await api("GET", `/api/v1/agents/${b.name}/router`, { token: null });
    expect(anonymous.status).toBe(401);
    expect((await api("GET", `/api/v1/agents/${b.name}/router`, { token: b.token })).body.router.mode).toBe(
      "rules_only",
    );
  });
});

describe("rules", { timeout: 30_000 }, () => {
  it("RESPOND answers through the sender's webhook, signed, quoting the message", async () => {
    const { a, b } = await pair({
      mode: "rules_only",
      rules: [
        {
          match: { keywords: ["PING"] },
          action: "RESPOND",
          response: "pong to {{from_agent_id}}: {{content}} ({{metadata.n}})",
        },
      ],
    });
    const sent = await send(a.name, { content: "a ping now", target_agent_id: b.agent_id, metadata: { n: 7 } });
    const response = await answerTo(a.name, sent.body.message_id);
    expect(response).toMatchObject({ agent_id: b.agent_id, response: `pong to ${a.agent_id}: a ping now (7)` });
    expect(await inboxOf(b.name)).toEqual([]);
    expect(await decisionFor(b.name, sent.body.message_id)).toMatchObject({
      mode: "rules_only",
      rule: 0,
      action: "respond",
      outcome: "done",
      from_agent_id: a.agent_id,
    });
    const event = await eventually(
      async () =>
        (await allEvents({ type: "mesh.message.routed" })).find((e) => e.data.messageId === sent.body.message_id),
      "mesh.message.routed",
    );
    expect(event).toMatchObject({
      agent: b.agent_id,
      data: { rule: 0, action: "respond", outcome: "done", mode: "rules_only" },
    });
  });

  it("takes the first decision other than PASS, in order, and keeps what no rule decides", async () => {
    const { a, b } = await pair({
      mode: "rules_only",
      rules: [
        { match: {}, action: "PASS", note: "never decides" },
        { match: { keywords: ["spam"] }, action: "DROP" },
        { match: { metadata: { kind: "greeting" } }, action: "RESPOND", response: "hello back" },
        { match: { keywords: ["hello"] }, action: "RESPOND", response: "not this one" },
      ],
    });
    const spam = await send(a.name, {
      content: "SPAM and hello",
      target_agent_id: b.agent_id,
      metadata: { kind: "greeting" },
    });
    expect(await decisionFor(b.name, spam.body.message_id)).toMatchObject({ rule: 1, action: "drop", outcome: "done" });
    const greeting = await send(a.name, {
      content: "hello",
      target_agent_id: b.agent_id,
      metadata: { kind: "greeting" },
    });
    expect(await answerTo(a.name, greeting.body.message_id)).toMatchObject({ response: "hello back" });
    const other = await send(a.name, { content: "unrelated", target_agent_id: b.agent_id, metadata: { kind: 1 } });
    expect(await decisionFor(b.name, other.body.message_id)).toMatchObject({
      rule: null,
      action: "queue",
      outcome: "kept",
      reason: "no rule decided",
    });
    const held = await inboxOf(b.name);
    expect(held).toEqual([
      expect.objectContaining({
        message_id: other.body.message_id,
        content: "unrelated",
        routing: expect.objectContaining({ outcome: "kept" }),
      }),
    ]);
  });

  it("matches the exact sender", async () => {
    const { a, b } = await pair();
    const c = await createAgent(unique("c"));
    await connect(c.name, b.name);
    await putRouter(b.name, { mode: "rules_only", rules: [{ match: { from_agent_id: c.agent_id }, action: "DROP" }] });
    const fromA = await send(a.name, { content: "x", target_agent_id: b.agent_id });
    const fromC = await send(c.name, { content: "x", target_agent_id: b.agent_id });
    expect(await decisionFor(b.name, fromC.body.message_id)).toMatchObject({ action: "drop" });
    expect(await decisionFor(b.name, fromA.body.message_id)).toMatchObject({ action: "queue" });
    expect((await inboxOf(b.name)).map((m: { message_id: string }) => m.message_id)).toEqual([fromA.body.message_id]);
  });

  it("FORWARD goes through the forward path, with the router's note", async () => {
    const { a, b } = await pair();
    const c = await createAgent(unique("c"));
    await connect(b.name, c.name);
    await putRouter(b.name, {
      mode: "rules_only",
      rules: [{ match: { keywords: ["route me"] }, action: "FORWARD", targets: [c.agent_id], note: "c handles these" }],
    });
    const sent = await send(a.name, { content: "please route me", target_agent_id: b.agent_id });
    expect(await decisionFor(b.name, sent.body.message_id)).toMatchObject({
      rule: 0,
      action: "forward",
      outcome: "done",
      targets: [c.agent_id],
    });
    const atC = await eventually(
      async () => (await inboxOf(c.name)).find((m: { message_id: string }) => m.message_id === sent.body.message_id),
      "the forwarded message",
    );
    expect(atC).toMatchObject({ content: "please route me", from_agent_id: b.agent_id });
    const updates = (await sentOf(a.name, sent.body.message_id)).updates;
    expect(updates).toEqual([
      expect.objectContaining({
        type: "forwarded",
        target_agent_id: c.agent_id,
        note: "Auto-forwarded by router: c handles these",
      }),
    ]);
  });

  it("FORWARD is refused as a loop when the target already received the message, and the message stays", async () => {
    // a broadcasts one message to b and d; d forwards it to c; b's rule would forward it to c too
    const a = await createAgent(unique("a"));
    const [b, c, d] = [await createAgent(unique("b")), await createAgent(unique("c")), await createAgent(unique("d"))];
    for (const [x, y] of [
      [a, b],
      [a, d],
      [b, c],
      [d, c],
    ] as const)
      await connect(x.name, y.name);
    const sent = await send(a.name, { content: "one for all" });
    expect(sent.body.routed_to.sort()).toEqual([b.agent_id, d.agent_id].sort());
    const forwarded = await send(d.name, { message_id: sent.body.message_id, target_agent_id: c.agent_id });
    expect(forwarded.body.success).toBe(true);
    await putRouter(b.name, { mode: "rules_only", rules: [{ action: "FORWARD", targets: [c.agent_id] }] });
    const rerouted = await api("POST", `/api/v1/agents/${b.name}/inbox/${sent.body.message_id}/route`);
    expect(rerouted.body).toMatchObject({
      rule: 0,
      action: "forward",
      outcome: "failed",
      reason: expect.stringContaining("Loop detected"),
    });
    expect(await inboxOf(b.name)).toEqual([
      expect.objectContaining({
        message_id: sent.body.message_id,
        content: "one for all",
        routing: expect.objectContaining({ outcome: "failed" }),
      }),
    ]);
    expect(
      (await inboxOf(c.name)).filter((m: { message_id: string }) => m.message_id === sent.body.message_id),
    ).toHaveLength(1);
  });
});

describe("an answer the sender's webhook does not take", { timeout: 30_000 }, () => {
  /** An outside node (not hosted here) connected to a hosted agent whose RESPOND rule answers everything. */
  async function outsidePeer() {
    const peer = newPassport();
    const b = await createAgent(unique("b"));
    const requested = await mesh("POST", `/agents/${b.name}/__darkmatter__/connection_request`, {
      from_agent_id: peer.agentId,
      from_agent_url: "https://peer.example.com",
      from_agent_public_key_hex: peer.publicKeyHex,
    });
    expect((await connection(b.name, { action: "accept", request_id: requested.body.request_id })).status).toBe(200);
    await putRouter(b.name, { mode: "rules_only", rules: [{ action: "RESPOND", response: "ok" }] });
    const deliver = async (webhook: (id: string) => string) => {
      const id = `msg-${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
      const body = await signedMessageBody(peer, {
        message_id: id,
        content: `for ${id}`,
        webhook: webhook(id),
        hops_remaining: 3,
        metadata: { n: 1 },
        timestamp: formatMeshTimestamp(Date.now()),
      });
      expect((await mesh("POST", `/agents/${b.name}/__darkmatter__/message`, body)).status).toBe(200);
      return id;
    };
    return { b, deliver };
  }

  it("keeps the message, as it was, when the webhook is refused before the call or fails during it", async () => {
    const { b, deliver } = await outsidePeer();
    const refused = await deliver((id) => `http://10.0.0.7/__darkmatter__/webhook/${id}`);
    expect(await decisionFor(b.name, refused)).toMatchObject({
      action: "respond",
      outcome: "failed",
      reason: expect.stringContaining("private"),
    });
    const unreachable = await deliver((id) => `https://peer.example.com/__darkmatter__/webhook/${id}`);
    expect(await decisionFor(b.name, unreachable)).toMatchObject({
      action: "respond",
      outcome: "failed",
      reason: expect.stringContaining("the sender's webhook did not take the answer"),
    });
    const held = await inboxOf(b.name);
    for (const id of [refused, unreachable])
      expect(held.find((m: { message_id: string }) => m.message_id === id)).toMatchObject({
        content: `for ${id}`,
        metadata: { n: 1 },
        verified: true,
        routing: { outcome: "failed" },
      });
  });
});

describe("the handler", { timeout: 60_000 }, () => {
  it("spawn: POSTs the message signed with the agent's passport and sends its response", async () => {
    const key = unique("h");
    const { a, b } = await pair();
    await putRouter(b.name, { mode: "spawn", handler: { url: handlerUrl(key, "echo=1") } });
    const sent = await send(a.name, {
      content: "do the thing",
      target_agent_id: b.agent_id,
      metadata: { job: 3 },
      hops_remaining: 5,
    });
    expect(await answerTo(a.name, sent.body.message_id)).toMatchObject({
      agent_id: b.agent_id,
      response: "handled: do the thing",
    });
    expect(await decisionFor(b.name, sent.body.message_id)).toMatchObject({
      mode: "spawn",
      rule: null,
      action: "handle",
      handler: "response",
      outcome: "done",
    });
    const [request] = await recorded(key);
    expect(request!.headers["x-darkmatter-agent-id"]).toBe(b.agent_id);
    expect(
      await verifyHex(
        b.public_key_hex,
        new TextEncoder().encode(request!.body),
        request!.headers["x-darkmatter-signature"]!,
      ),
    ).toBe(true);
    expect(
      await verifyHex(
        a.public_key_hex,
        new TextEncoder().encode(request!.body),
        request!.headers["x-darkmatter-signature"]!,
      ),
    ).toBe(false);
    expect(JSON.parse(request!.body)).toMatchObject({
      darkmatter: "handler-request",
      agent: { name: b.name, agent_id: b.agent_id, public_key_hex: b.public_key_hex, url: b.url },
      rule: null,
      message: {
        message_id: sent.body.message_id,
        content: "do the thing",
        metadata: { job: 3 },
        from_agent_id: a.agent_id,
        hops_remaining: 5,
        verified: true,
      },
    });
  });

  it("rules_first: rules, then the handler; HANDLE from a rule names it", async () => {
    const key = unique("h");
    const { a, b } = await pair({
      mode: "rules_first",
      rules: [
        { match: { keywords: ["quiet"] }, action: "DROP" },
        { match: { keywords: ["think"] }, action: "HANDLE" },
      ],
      handler: { url: handlerUrl(key, "echo=1") },
    });
    const dropped = await send(a.name, { content: "quiet please", target_agent_id: b.agent_id });
    const byRule = await send(a.name, { content: "think hard", target_agent_id: b.agent_id });
    const byFallback = await send(a.name, { content: "anything", target_agent_id: b.agent_id });
    expect(await decisionFor(b.name, dropped.body.message_id)).toMatchObject({ rule: 0, action: "drop" });
    expect(await decisionFor(b.name, byRule.body.message_id)).toMatchObject({
      rule: 1,
      action: "handle",
      outcome: "done",
    });
    expect(await decisionFor(b.name, byFallback.body.message_id)).toMatchObject({
      rule: null,
      action: "handle",
      outcome: "done",
    });
    expect((await recorded(key)).map((r) => JSON.parse(r.body).rule).sort()).toEqual([1, null].sort());
  });

  it("carries out forward, drop and defer answers", async () => {
    const { a, b } = await pair();
    const c = await createAgent(unique("c"));
    await connect(b.name, c.name);
    const answers: Array<[unknown, Record<string, unknown>]> = [
      [
        { forward: [c.agent_id], note: "for c" },
        { handler: "forward", outcome: "done", targets: [c.agent_id] },
      ],
      [{ drop: true }, { handler: "drop", outcome: "done" }],
      [{ defer: true }, { handler: "defer", outcome: "kept", reason: "the handler deferred it" }],
    ];
    const deferred: string[] = [];
    for (const [answer, expected] of answers) {
      await putRouter(b.name, {
        mode: "spawn",
        handler: {
          url: handlerUrl(unique("h"), `reply=${encodeURIComponent(JSON.stringify(answer))}`),
          maxPerHour: 100,
        },
      });
      const sent = await send(a.name, { content: `answer ${JSON.stringify(answer)}`, target_agent_id: b.agent_id });
      expect(await decisionFor(b.name, sent.body.message_id)).toMatchObject({ action: "handle", ...expected });
      if ("defer" in (answer as object)) deferred.push(sent.body.message_id);
      if ("forward" in (answer as object))
        await eventually(
          async () =>
            (await inboxOf(c.name)).find((m: { message_id: string }) => m.message_id === sent.body.message_id),
          "the forward",
        );
    }
    expect((await inboxOf(b.name)).map((m: { message_id: string }) => m.message_id)).toEqual(deferred);
  });

  it("leaves the message in the inbox as it was, with the reason, on a non-2xx, a non-JSON or an invalid answer, a timeout and an unreachable handler", async () => {
    const { a, b } = await pair();
    const cases: Array<[string, string]> = [
      ["status=500&reply=%7B%22response%22%3A%22x%22%7D", "the handler answered HTTP 500"],
      ["raw=not-json", "the handler's answer is not JSON"],
      [`reply=${encodeURIComponent(JSON.stringify({ response: "x", drop: true }))}`, 'is not {"response"}'],
      [`reply=${encodeURIComponent(JSON.stringify({ forward: [] }))}`, 'is not {"response"}'],
      ["delayMs=3000&echo=1", "the handler did not answer within 1 s"],
    ];
    for (const [query, reason] of cases) {
      await putRouter(b.name, {
        mode: "spawn",
        handler: { url: handlerUrl(unique("h"), query), timeoutSeconds: 1, maxPerHour: 100 },
      });
      const sent = await send(a.name, {
        content: `case ${query}`,
        target_agent_id: b.agent_id,
        metadata: { q: query },
      });
      const decision = await decisionFor(b.name, sent.body.message_id);
      expect(decision, query).toMatchObject({
        action: "handle",
        outcome: "failed",
        reason: expect.stringContaining(reason),
      });
      const held = (await inboxOf(b.name)).find((m: { message_id: string }) => m.message_id === sent.body.message_id);
      expect(held, query).toMatchObject({
        content: `case ${query}`,
        metadata: { q: query },
        from_agent_id: a.agent_id,
        verified: true,
        routing: { outcome: "failed", reason: decision.reason },
      });
      expect((await sentOf(a.name, sent.body.message_id)).response).toBeNull();
    }
    // nothing listens on this port: refused at connect
    const closed = `http://127.0.0.1:9/${unique("h")}`;
    await putRouter(b.name, { mode: "spawn", handler: { url: closed, timeoutSeconds: 2, maxPerHour: 100 } });
    const sent = await send(a.name, { content: "nobody home", target_agent_id: b.agent_id });
    expect(await decisionFor(b.name, sent.body.message_id)).toMatchObject({
      outcome: "failed",
      reason: expect.stringMatching(/unreachable|did not answer/),
    });
    expect((await inboxOf(b.name)).some((m: { message_id: string }) => m.message_id === sent.body.message_id)).toBe(
      true,
    );
  });

  it("holds at most maxConcurrent calls at once", async () => {
    const key = unique("h");
    const { a, b } = await pair({
      mode: "spawn",
      handler: { url: handlerUrl(key, "delayMs=1500&echo=1"), maxConcurrent: 2, maxPerHour: 100 },
    });
    const sent = await Promise.all(
      ["one", "two", "three"].map((content) => send(a.name, { content, target_agent_id: b.agent_id })),
    );
    const outcomes = await Promise.all(sent.map((s) => decisionFor(b.name, s.body.message_id)));
    expect(outcomes.map((d) => d.outcome).sort()).toEqual(["done", "done", "failed"]);
    const refused = outcomes.find((d) => d.outcome === "failed");
    expect(refused.reason).toBe("over maxConcurrent: 2 handler calls are running");
    expect(await recorded(key)).toHaveLength(2);
    expect((await inboxOf(b.name)).map((m: { message_id: string }) => m.message_id)).toEqual([refused.message_id]);
  });

  it("makes at most maxPerHour calls in a rolling hour", async () => {
    const key = unique("h");
    const { a, b } = await pair({ mode: "spawn", handler: { url: handlerUrl(key, "echo=1"), maxPerHour: 2 } });
    const outcomes = [];
    for (const content of ["one", "two", "three"]) {
      const sent = await send(a.name, { content, target_agent_id: b.agent_id });
      outcomes.push(await decisionFor(b.name, sent.body.message_id));
    }
    expect(outcomes.map((d) => d.outcome)).toEqual(["done", "done", "failed"]);
    expect(outcomes[2].reason).toBe("over maxPerHour: 2 handler calls in the last hour");
    expect(await recorded(key)).toHaveLength(2);
    // the window is the agent's, not the handler's: a new handler URL does not reset it
    await putRouter(b.name, { mode: "spawn", handler: { url: handlerUrl(unique("h"), "echo=1"), maxPerHour: 2 } });
    const again = await send(a.name, { content: "four", target_agent_id: b.agent_id });
    expect(await decisionFor(b.name, again.body.message_id)).toMatchObject({ outcome: "failed" });
  });

  it("refuses to run again on a message whose handler call is still running", async () => {
    const key = unique("h");
    const { a, b } = await pair({
      mode: "spawn",
      handler: { url: handlerUrl(key, "delayMs=1500&echo=1"), maxPerHour: 100 },
    });
    const sent = await send(a.name, { content: "slow", target_agent_id: b.agent_id });
    await eventually(async () => {
      const held = (await inboxOf(b.name)).find((m: { message_id: string }) => m.message_id === sent.body.message_id);
      return held?.routing?.outcome === "handling";
    }, "the handler call running");
    const busy = await api("POST", `/api/v1/agents/${b.name}/inbox/${sent.body.message_id}/route`);
    expect([busy.status, busy.body.code]).toEqual([409, "message-being-routed"]);
    expect(await decisionFor(b.name, sent.body.message_id)).toMatchObject({ outcome: "done", handler: "response" });
    expect(await recorded(key)).toHaveLength(1);
  });

  it("runs again on a held message when asked, and refuses an unknown one", async () => {
    const { a, b } = await pair({ mode: "rules_only", rules: [] });
    const sent = await send(a.name, { content: "later", target_agent_id: b.agent_id });
    expect(await decisionFor(b.name, sent.body.message_id)).toMatchObject({ action: "queue" });
    await putRouter(b.name, { mode: "rules_only", rules: [{ action: "RESPOND", response: "now: {{content}}" }] });
    const rerouted = await api("POST", `/api/v1/agents/${b.name}/inbox/${sent.body.message_id}/route`);
    expect([rerouted.status, rerouted.body.action, rerouted.body.outcome]).toEqual([200, "respond", "done"]);
    expect(await answerTo(a.name, sent.body.message_id)).toMatchObject({ response: "now: later" });
    const unknown = await api("POST", `/api/v1/agents/${b.name}/inbox/msg-nope/route`);
    expect([unknown.status, unknown.body.code]).toEqual([404, "unknown-message"]);
  });
});

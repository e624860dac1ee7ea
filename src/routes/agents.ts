// /api/v1/agents: the operator drives any hosted agent, like the MCP tools of mesh spec §17 (the
// agent's MCP server, src/mcp/agent-server.ts, calls the same Agent Durable Object methods).
// Validate, call the Agent Durable Object, map. Every call needs the operator token, or on
// /agents/{name}/… that agent's own token (issue 14): an agent's connections and inbox are private.
import type { RouteConfig } from "@hono/zod-openapi";
import { z } from "zod";
import { unwrap, type ProblemCode } from "../core/problem.js";
import {
  AgentIdentity,
  AgentToken,
  AskImpression,
  BioResult,
  CreatedAgent,
  AskImpressionResult,
  ConnectionAction,
  ConnectionList,
  ConnectionResult,
  CreateAgent,
  HostedAgent,
  DropResult,
  ExpireResult,
  ImpressionSetResult,
  InboxList,
  PendingRequestList,
  RateLimitResult,
  Respond,
  RespondResult,
  SendMessage,
  SendResult,
  SentList,
  SetImpression,
  SetRateLimit,
  SetStatus,
  StatusResult,
  UpdateBio,
} from "../schemas/agents.js";
import { ImpressionReply } from "../schemas/mesh.js";
import { InboxMessage, SentMessage } from "../schemas/mesh-state.js";
import { apiRoute, apiRouter, jsonBody, jsonContent, OPERATOR } from "../http/openapi.js";
import { requireOperator, requireOperatorOrAgent } from "../http/auth.js";
import { hostedAgent, hubAgent } from "../mesh/hub.js";
import { directoryStub } from "../stubs.js";

const NameParam = z.object({ name: z.string().max(64) });
const MessageParam = NameParam.extend({ messageId: z.string().max(256) });
const AgentParam = NameParam.extend({ agentId: z.string().max(128) });

export const agentRoutes = apiRouter();

agentRoutes.use("/agents/:name/*", requireOperatorOrAgent("agents"));
agentRoutes.use("/agents", requireOperator("agents"));

/** An operator route on one agent; `response` is the 200 body (the §17 tool's result), `problems` its tool's refusals. */
const route = <
  M extends "get" | "post" | "put" | "delete",
  P extends string,
  R extends NonNullable<RouteConfig["request"]>,
  S extends z.ZodType,
>(
  method: M,
  path: P,
  summary: string,
  extra: { request: R; response: S; problems: ProblemCode[] },
) =>
  apiRoute({
    method,
    path,
    tags: ["agents"],
    summary,
    security: OPERATOR,
    request: extra.request,
    responses: { 200: jsonContent(extra.response, "the result") },
    problems: ["not-found", ...extra.problems], // the agent does not exist
  });

agentRoutes.openapi(
  apiRoute({
    method: "post",
    path: "/agents",
    tags: ["agents"],
    summary: "Create a hosted agent with a fresh Ed25519 passport",
    security: OPERATOR,
    request: jsonBody(CreateAgent),
    responses: { 201: jsonContent(CreatedAgent, "the new agent, with its token (shown this once)") },
    problems: ["agent-exists"],
  }),
  async (c) => {
    const input = c.req.valid("json");
    const identity = unwrap(
      await (
        await hostedAgent(c.env, input.name)
      ).create({ name: input.name, bio: input.bio, displayName: input.display_name }),
    );
    await directoryStub(c.env).registerHostedAgent({
      name: input.name,
      agent_id: identity.agent_id,
      url: identity.url,
      created_at: Date.now(),
    });
    return c.json(identity, 201, { location: `/api/v1/agents/${input.name}` });
  },
);

agentRoutes.openapi(
  apiRoute({
    method: "get",
    path: "/agents",
    tags: ["agents"],
    summary: "Hosted agents",
    security: OPERATOR,
    responses: {
      200: jsonContent(z.object({ items: z.array(HostedAgent) }), "the agents"),
    },
    problems: [],
  }),
  async (c) => {
    await hubAgent(c.env); // listed from the first call, like any other agent
    return c.json({ items: await directoryStub(c.env).hostedAgents() }, 200);
  },
);

agentRoutes.openapi(
  apiRoute({
    method: "get",
    path: "/agents/{name}",
    tags: ["agents"],
    summary: "Identity and status (agent_id, url, counts)",
    security: OPERATOR,
    request: { params: NameParam },
    responses: { 200: jsonContent(AgentIdentity, "the agent") },
    problems: ["not-found"],
  }),
  async (c) => c.json(unwrap(await (await hostedAgent(c.env, c.req.valid("param").name)).info()), 200),
);

agentRoutes.openapi(
  route(
    "post",
    "/agents/{name}/token",
    "A new token for the agent, shown once; the previous one stops working (the hub's is DM_HUB_TOKEN: 409)",
    { request: { params: NameParam }, response: AgentToken, problems: ["not-found", "hub-token-is-a-secret"] },
  ),
  async (c) => c.json(unwrap(await (await hostedAgent(c.env, c.req.valid("param").name)).rotateToken()), 200),
);
agentRoutes.openapi(
  route("put", "/agents/{name}/bio", "Replace the agent's bio (darkmatter_update_bio)", {
    request: { params: NameParam, ...jsonBody(UpdateBio) },
    response: BioResult,
    problems: ["not-found"],
  }),
  async (c) =>
    c.json(unwrap(await (await hostedAgent(c.env, c.req.valid("param").name)).updateBio(c.req.valid("json").bio)), 200),
);
agentRoutes.openapi(
  route("post", "/agents/{name}/connections", "Request, accept, reject or drop a connection (darkmatter_connection)", {
    request: { params: NameParam, ...jsonBody(ConnectionAction) },
    response: ConnectionResult,
    problems: [
      "connection-limit",
      "peer-unreachable",
      "connection-refused",
      "not-darkmatter",
      "key-mismatch",
      "unknown-request",
      "unknown-connection",
    ],
  }),
  async (c) =>
    c.json(unwrap(await (await hostedAgent(c.env, c.req.valid("param").name)).connection(c.req.valid("json"))), 200),
);
agentRoutes.openapi(
  route("get", "/agents/{name}/connections", "Connections with pinned keys, counters and impressions", {
    request: { params: NameParam },
    response: ConnectionList,
    problems: [],
  }),
  async (c) => c.json(unwrap(await (await hostedAgent(c.env, c.req.valid("param").name)).listConnections()), 200),
);
agentRoutes.openapi(
  route("get", "/agents/{name}/connections/pending", "Incoming connection requests awaiting a decision", {
    request: { params: NameParam },
    response: PendingRequestList,
    problems: [],
  }),
  async (c) => c.json(unwrap(await (await hostedAgent(c.env, c.req.valid("param").name)).listPending()), 200),
);
agentRoutes.openapi(
  route(
    "post",
    "/agents/{name}/messages",
    "Send a signed message, or forward / fork a held one (darkmatter_send_message)",
    {
      request: { params: NameParam, ...jsonBody(SendMessage) },
      response: SendResult,
      problems: [
        "not-connected",
        "no-connections",
        "unknown-message",
        "no-target",
        "forward-refused-loop",
        "forward-refused-expired",
        "forward-refused-responded",
        "message-expired",
      ],
    },
  ),
  async (c) =>
    c.json(unwrap(await (await hostedAgent(c.env, c.req.valid("param").name)).send(c.req.valid("json"))), 200),
);
agentRoutes.openapi(
  route("post", "/agents/{name}/messages/{messageId}/respond", "Answer a held message through its webhook (signed)", {
    request: { params: MessageParam, ...jsonBody(Respond) },
    response: RespondResult,
    problems: ["unknown-message", "webhook-blocked"],
  }),
  async (c) => {
    const { name, messageId } = c.req.valid("param");
    return c.json(unwrap(await (await hostedAgent(c.env, name)).respond(messageId, c.req.valid("json").response)), 200);
  },
);
agentRoutes.openapi(
  route("post", "/agents/{name}/messages/{messageId}/expire", "Expire a message this agent sent", {
    request: { params: MessageParam },
    response: ExpireResult,
    problems: ["unknown-message"],
  }),
  async (c) => {
    const { name, messageId } = c.req.valid("param");
    return c.json(unwrap(await (await hostedAgent(c.env, name)).expire(messageId)), 200);
  },
);
agentRoutes.openapi(
  route("get", "/agents/{name}/inbox", "Held messages (purged after one hour)", {
    request: { params: NameParam },
    response: InboxList,
    problems: [],
  }),
  async (c) =>
    c.json(
      { items: unwrap(await (await hostedAgent(c.env, c.req.valid("param").name)).inbox()) as InboxMessage[] },
      200,
    ), // without an id: the list
);
agentRoutes.openapi(
  route("get", "/agents/{name}/inbox/{messageId}", "One held message, full content", {
    request: { params: MessageParam },
    response: InboxMessage,
    problems: ["unknown-message"],
  }),
  async (c) => {
    const { name, messageId } = c.req.valid("param");
    return c.json(unwrap(await (await hostedAgent(c.env, name)).inbox(messageId)) as InboxMessage, 200);
  },
);
agentRoutes.openapi(
  route("delete", "/agents/{name}/inbox", "Drop every held message (the router's drop action)", {
    request: { params: NameParam },
    response: DropResult,
    problems: [],
  }),
  async (c) => c.json(unwrap(await (await hostedAgent(c.env, c.req.valid("param").name)).dropInbox()), 200),
);
agentRoutes.openapi(
  route("delete", "/agents/{name}/inbox/{messageId}", "Drop one held message without answering it", {
    request: { params: MessageParam },
    response: DropResult,
    problems: ["unknown-message"],
  }),
  async (c) => {
    const { name, messageId } = c.req.valid("param");
    return c.json(unwrap(await (await hostedAgent(c.env, name)).dropInbox(messageId)), 200);
  },
);
agentRoutes.openapi(
  route("get", "/agents/{name}/sent", "Sent messages, newest first (100 kept)", {
    request: { params: NameParam },
    response: SentList,
    problems: [],
  }),
  async (c) =>
    c.json({ items: unwrap(await (await hostedAgent(c.env, c.req.valid("param").name)).sent()) as SentMessage[] }, 200), // without an id: the list
);
agentRoutes.openapi(
  route("get", "/agents/{name}/sent/{messageId}", "One sent message with its webhook updates and response", {
    request: { params: MessageParam },
    response: SentMessage,
    problems: ["unknown-message"],
  }),
  async (c) => {
    const { name, messageId } = c.req.valid("param");
    return c.json(unwrap(await (await hostedAgent(c.env, name)).sent(messageId)) as SentMessage, 200);
  },
);
agentRoutes.openapi(
  route("put", "/agents/{name}/impressions/{agentId}", 'Set (or with "" delete) this agent\'s impression of another', {
    request: { params: AgentParam, ...jsonBody(SetImpression) },
    response: ImpressionSetResult,
    problems: [],
  }),
  async (c) => {
    const { name, agentId } = c.req.valid("param");
    return c.json(
      unwrap(await (await hostedAgent(c.env, name)).setImpression(agentId, c.req.valid("json").impression)),
      200,
    );
  },
);
agentRoutes.openapi(
  route("get", "/agents/{name}/impressions/{agentId}", "This agent's impression of another", {
    request: { params: AgentParam },
    response: ImpressionReply,
    problems: [],
  }),
  async (c) => {
    const { name, agentId } = c.req.valid("param");
    return c.json(unwrap(await (await hostedAgent(c.env, name)).impression(agentId)), 200);
  },
);
agentRoutes.openapi(
  route("post", "/agents/{name}/impressions/{agentId}/ask", "Ask a connected peer for its impression of an agent", {
    request: { params: AgentParam, ...jsonBody(AskImpression) },
    response: AskImpressionResult,
    problems: ["not-connected", "peer-unreachable", "peer-refused"],
  }),
  async (c) => {
    const { name, agentId } = c.req.valid("param");
    return c.json(unwrap(await (await hostedAgent(c.env, name)).askImpression(agentId, c.req.valid("json").peer)), 200);
  },
);
agentRoutes.openapi(
  route("put", "/agents/{name}/rate-limits", "Set the global or one connection's rate limit", {
    request: { params: NameParam, ...jsonBody(SetRateLimit) },
    response: RateLimitResult,
    problems: ["unknown-connection"],
  }),
  async (c) =>
    c.json(unwrap(await (await hostedAgent(c.env, c.req.valid("param").name)).setRateLimit(c.req.valid("json"))), 200),
);
agentRoutes.openapi(
  route(
    "put",
    "/agents/{name}/status",
    "Activate or deactivate (inactive agents answer 503 to messages and requests)",
    { request: { params: NameParam, ...jsonBody(SetStatus) }, response: StatusResult, problems: [] },
  ),
  async (c) =>
    c.json(unwrap(await (await hostedAgent(c.env, c.req.valid("param").name)).setStatus(c.req.valid("json"))), 200),
);

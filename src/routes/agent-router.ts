// /api/v1/agents/{name}/router: a hosted agent's message router (issue 15; src/core/mesh/router.ts),
// read and replaced by the operator or the agent's own token, versioned (ETag, If-Match), its
// decision log, and running it again on a held message. The agent carries decisions out in
// src/mesh/agent/router.ts.
import { z } from "zod";
import { DomainError, unwrap } from "../core/problem.js";
import { RouterConfig, RoutingLog, RoutingRecord, StoredRouter } from "../schemas/router.js";
import { apiRoute, apiRouter, jsonContent, OPERATOR } from "../http/openapi.js";
import { requireOperatorOrAgent } from "../http/auth.js";
import { ifMatchTag, validationError } from "../http/problem.js";
import { hostedAgent } from "../mesh/hub.js";

const NameParam = z.object({ name: z.string().max(64) });
const MessageParam = NameParam.extend({ messageId: z.string().max(256) });

export const agentRouterRoutes = apiRouter();
agentRouterRoutes.use("/agents/:name/*", requireOperatorOrAgent("agents"));

const etag = (router: StoredRouter) => `"${router.version}"`;

/** If-Match as a router version: `"3"`, `W/"3"` or `3`; anything else is 400. */
function routerVersion(header: string | undefined): number | undefined {
  const text = ifMatchTag(header);
  if (text === undefined) return undefined;
  if (!/^\d{1,15}$/.test(text))
    throw new DomainError("invalid-if-match", 'If-Match for a router is its version, as the ETag gives it ("3")');
  return Number(text);
}

agentRouterRoutes.openapi(
  apiRoute({
    method: "get",
    path: "/agents/{name}/router",
    tags: ["agents"],
    summary: "The agent's message router (mode, rules, handler) and its version (also the ETag)",
    security: OPERATOR,
    request: { params: NameParam },
    responses: { 200: jsonContent(StoredRouter, "the router") },
    problems: ["not-found"],
  }),
  async (c) => {
    const stored = unwrap(await (await hostedAgent(c.env, c.req.valid("param").name)).router());
    return c.json(stored, 200, { etag: etag(stored) });
  },
);

agentRouterRoutes.openapi(
  apiRoute({
    method: "put",
    path: "/agents/{name}/router",
    tags: ["agents"],
    summary: "Replace the agent's message router",
    description:
      'The whole router is checked before anything changes (422 `invalid-router`, each field as a JSON Pointer). `If-Match: "<version>"` refuses the write (412) unless the router is still at that version. Handler URLs are https; http only on loopback while the Worker runs locally.',
    security: OPERATOR,
    request: {
      params: NameParam,
      headers: z.object({ "if-match": z.string().max(64).optional() }),
      // A plain JSON Schema for the document: the handler validates, so a bad router is 422 with its fields.
      body: {
        required: true,
        content: { "application/json": { schema: z.toJSONSchema(RouterConfig, { io: "input" }) as object } },
      },
    },
    responses: { 200: jsonContent(StoredRouter, "the router now in force, with its new version") },
    problems: ["not-found", "invalid-router", "invalid-if-match", "stale-router"],
  }),
  async (c) => {
    const ifMatch = routerVersion(c.req.header("if-match"));
    const parsed = RouterConfig.safeParse(await c.req.json());
    if (!parsed.success) {
      const invalid = validationError("json", parsed.error.issues);
      throw new DomainError("invalid-router", {
        ...invalid.fields,
        detail: invalid.fields.detail.replace("the request is invalid", "the router is invalid"),
      });
    }
    const stored = unwrap(await (await hostedAgent(c.env, c.req.valid("param").name)).setRouter(parsed.data, ifMatch));
    return c.json(stored, 200, { etag: etag(stored) });
  },
);

agentRouterRoutes.openapi(
  apiRoute({
    method: "get",
    path: "/agents/{name}/router/decisions",
    tags: ["agents"],
    summary: "The router's latest decisions (100 kept), newest first",
    security: OPERATOR,
    request: { params: NameParam },
    responses: { 200: jsonContent(RoutingLog, "the decisions") },
    problems: ["not-found"],
  }),
  async (c) => c.json(unwrap(await (await hostedAgent(c.env, c.req.valid("param").name)).routingLog()), 200),
);

agentRouterRoutes.openapi(
  apiRoute({
    method: "post",
    path: "/agents/{name}/inbox/{messageId}/route",
    tags: ["agents"],
    summary:
      "Run the router again on a held message (after a failure, a defer or a router change); answers its outcome",
    security: OPERATOR,
    request: { params: MessageParam },
    responses: { 200: jsonContent(RoutingRecord, "what the router decided and did") },
    problems: ["not-found", "unknown-message", "message-being-routed"],
  }),
  async (c) => {
    const { name, messageId } = c.req.valid("param");
    return c.json(unwrap(await (await hostedAgent(c.env, name)).reroute(messageId)), 200);
  },
);

// The Worker's HTTP surface: one Hono app, one error renderer, one body reader, one auth check.
import { cors } from "hono/cors";
import { operatorAuth } from "./http/auth.js";
import { jsonBody } from "./http/body.js";
import { apiRouter } from "./http/openapi.js";
import { errorResponse, problem } from "./http/problem.js";
import { renderApiDocs } from "./routes/docs.js";
import { worldLineRoutes } from "./routes/worldlines.js";
import { isApproval, ledgerRoutes } from "./routes/ledger.js";
import { agentRoutes } from "./routes/agents.js";
import { agentRouterRoutes } from "./routes/agent-router.js";
import { mountMetrics } from "./routes/metrics.js";
import { arbiterRoutes } from "./routes/arbiter.js";
import { meshRoutes } from "./routes/mesh.js";
import { eventRoutes } from "./routes/events.js";
import { haloRoutes } from "./routes/halo.js";
import { squadRoutes } from "./routes/squads.js";
import { sporeRoutes } from "./routes/spores.js";
import { liveRoutes } from "./routes/live.js";
import { apiEvents } from "./http/api-events.js";
import { controlPlaneMcp } from "./mcp/control-plane.js";
import { agentMcpEndpoint } from "./mcp/agent-endpoint.js";
import { agentOfApiPath, isAgentToken } from "./mesh/agent-access.js";

export const API_INFO = {
  title: "DarkMatter Edge",
  version: "0.1.0",
  description:
    "Control plane for multi-agent AI experiments: world lines, consensus ledger, mesh, arbiter, HALO. Mutations need `Authorization: Bearer <DM_OPERATOR_TOKEN>`.",
};

export function createApp() {
  const app = apiRouter();
  app.openAPIRegistry.registerComponent("securitySchemes", "operatorToken", {
    type: "http",
    scheme: "bearer",
    description: "DM_OPERATOR_TOKEN",
  });

  app.use("*", apiEvents());
  app.use(
    "/api/*",
    cors({
      origin: (origin, c) => (origin && origin === c.env.DM_DASHBOARD_ORIGIN ? origin : null),
      allowHeaders: ["authorization", "content-type", "if-match", "x-dm-author", "x-dm-message"],
      exposeHeaders: ["etag", "location"],
    }),
  );
  // The token first: a caller without it is refused before a byte of its (up to 8 MiB) body is read.
  // A hosted agent's own token opens its own API (/api/v1/agents/<name>/…) and nothing else (issue 14).
  app.use(
    "/api/v1/*",
    operatorAuth({ isPublicMutation: isApproval, agentToken: { agentOf: agentOfApiPath, matches: isAgentToken } }),
  );
  app.use("/api/v1/*", jsonBody());

  app.get("/healthz", (c) =>
    c.json({ ok: true, service: "darkmatter-edge", version: API_INFO.version, time: Date.now() }),
  );
  mountMetrics(app);
  app.route("/api/v1", worldLineRoutes);
  app.route("/api/v1", ledgerRoutes);
  app.route("/api/v1", agentRoutes);
  app.route("/api/v1", agentRouterRoutes);
  app.route("/api/v1", arbiterRoutes);
  app.route("/api/v1", eventRoutes);
  // Seed 003's operator surfaces: HALO (/halo), the squad builder (/squads, /tasks), spores and grafts (/spores, /grafts).
  app.route("/api/v1", haloRoutes);
  app.route("/api/v1", squadRoutes);
  app.route("/api/v1", sporeRoutes);
  app.route("/api/v1", liveRoutes);
  // Each hosted agent's MCP server; before the mesh routes, which hand every other /agents/* path to the Agent object.
  app.all("/agents/:name/mcp", agentMcpEndpoint({ version: API_INFO.version }));
  app.route("/", meshRoutes);
  // The control plane as an MCP server; its tools call this app's /api/v1 routes in-process (src/mcp/control-rest.ts).
  app.all("/mcp", controlPlaneMcp(app, API_INFO.version));

  app.doc31("/api/openapi.json", { openapi: "3.1.0", info: API_INFO, servers: [{ url: "/" }] });
  app.get("/api/docs", (c) =>
    c.html(renderApiDocs(app.getOpenAPI31Document({ openapi: "3.1.0", info: API_INFO }) as never)),
  );

  app.notFound((c) => problem(c, "no-route", `no route ${c.req.method} ${new URL(c.req.url).pathname}; see /api/docs`));
  app.onError(errorResponse);
  return app;
}

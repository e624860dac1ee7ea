// GET /metrics (issue 16): the Prometheus text exposition of src/metrics/collect.ts, for a
// scraper holding DM_METRICS_TOKEN (`authorization: {credentials: …}` in prometheus.yml). Its own
// token, not the operator's: a scraper's credential opens the figures and nothing else.
import type { OpenAPIHono } from "@hono/zod-openapi";
import { formatMetrics, METRICS_CONTENT_TYPE } from "../core/metrics.js";
import { bearerToken, isOperatorToken } from "../core/operator-token.js";
import type { AppEnv } from "../http/app-env.js";
import { problem } from "../http/problem.js";
import { collectMetrics } from "../metrics/collect.js";

export function mountMetrics(app: OpenAPIHono<AppEnv>): void {
  app.get("/metrics", async (c) => {
    if (!c.env.DM_METRICS_TOKEN)
      return problem(c, "not-found", "metrics are off: set DM_METRICS_TOKEN (npm start generates one in .dev.vars)");
    const token = bearerToken(c.req.header("authorization"));
    if (!isOperatorToken(token, c.env.DM_METRICS_TOKEN))
      return problem(
        c,
        "unauthorized",
        "GET /metrics needs Authorization: Bearer <DM_METRICS_TOKEN>",
        {},
        { "www-authenticate": `Bearer realm="darkmatter-metrics"${token === null ? "" : ', error="invalid_token"'}` },
      );
    const families = await collectMetrics(c.env, app.routes);
    return c.body(formatMetrics(families), 200, { "content-type": METRICS_CONTENT_TYPE, "cache-control": "no-store" });
  });
}

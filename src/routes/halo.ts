// /api/v1/halo: run a cycle on demand, read cycles with their weak points, Memory DNA traits and
// resonance. Operator only, reads included: weak points name private world lines and agents.
import { z } from "zod";
import { DomainError, unwrap } from "../core/problem.js";
import { successRate } from "../core/resonance.js";
import { HaloStore } from "../stores/halo-store.js";
import { TaskStore } from "../stores/task-store.js";
import { Page } from "../schemas/common.js";
import {
  HaloCycle,
  HaloCycleDetail,
  HaloTrait,
  ListCyclesQuery,
  ListTraitsQuery,
  ResonanceEntry,
  ResonanceQuery,
} from "../schemas/halo.js";
import { apiRoute, apiRouter, jsonContent, OPERATOR } from "../http/openapi.js";
import { requireOperator } from "../http/auth.js";
import { haloStub } from "../stubs.js";

export const haloRoutes = apiRouter();
haloRoutes.use("/halo/*", requireOperator("HALO cycles, traits and resonance"));

haloRoutes.openapi(
  apiRoute({
    method: "post",
    path: "/halo/cycles",
    tags: ["halo"],
    summary: "Run a HALO cycle now",
    security: OPERATOR,
    description:
      "Reads the recent events (DM_HALO_WINDOW_SECONDS) and current state, finds the weak points and proposes a `pending-approval` task for each new one. If a cycle is running, this joins the next one. Answers the persisted cycle with its weak points.",
    responses: { 201: jsonContent(HaloCycleDetail, "the cycle") },
    problems: [],
  }),
  async (c) => {
    const cycle = unwrap(await haloStub(c.env).cycle({ trigger: "manual" }));
    return c.json(cycle, 201, { location: `/api/v1/halo/cycles/${cycle.id}` });
  },
);

haloRoutes.openapi(
  apiRoute({
    method: "get",
    path: "/halo/cycles",
    tags: ["halo"],
    summary: "Cycles, newest first",
    security: OPERATOR,
    request: { query: ListCyclesQuery },
    responses: { 200: jsonContent(Page(HaloCycle), "a page of cycles") },
    problems: ["invalid-cursor"],
  }),
  async (c) => c.json(await new HaloStore(c.env.DB).cycles(c.req.valid("query")), 200),
);

haloRoutes.openapi(
  apiRoute({
    method: "get",
    path: "/halo/cycles/{id}",
    tags: ["halo"],
    summary: "One cycle with its weak points (worst first)",
    security: OPERATOR,
    request: { params: z.object({ id: z.string().max(64) }) },
    responses: { 200: jsonContent(HaloCycleDetail, "the cycle") },
    problems: ["not-found"],
  }),
  async (c) => {
    const id = c.req.valid("param").id;
    const cycle = await new HaloStore(c.env.DB).cycle(id);
    if (!cycle) throw new DomainError("not-found", `HALO cycle ${id} does not exist`);
    return c.json(cycle, 200);
  },
);

haloRoutes.openapi(
  apiRoute({
    method: "get",
    path: "/halo/traits",
    tags: ["halo"],
    summary: "Memory DNA: per weak-point subject, failures, time to resolve, last seen",
    security: OPERATOR,
    request: { query: ListTraitsQuery },
    responses: {
      200: jsonContent(Page(HaloTrait), "a page of traits, most recently seen first"),
    },
    problems: ["invalid-cursor"],
  }),
  async (c) => c.json(await new HaloStore(c.env.DB).listTraits(c.req.valid("query")), 200),
);

haloRoutes.openapi(
  apiRoute({
    method: "get",
    path: "/halo/resonance",
    tags: ["halo"],
    summary: "Resonance: per agent and task kind, how attempts ended (dispatch ranks members by it)",
    security: OPERATOR,
    request: { query: ResonanceQuery },
    responses: {
      200: jsonContent(z.object({ items: z.array(ResonanceEntry) }), "at most 1000 entries, by kind then successes"),
    },
    problems: [],
  }),
  async (c) => {
    const rows = await new TaskStore(c.env.DB).listResonance(c.req.valid("query"));
    const items = rows.map((row) => ({
      agent: row.agent,
      kind: row.kind,
      successes: row.successes,
      failures: row.failures,
      successRate: successRate(row),
      meanMs: row.successes ? Math.round(row.totalMs / row.successes) : null,
      lastOutcomeAt: row.lastOutcomeAt,
    }));
    return c.json({ items }, 200);
  },
);

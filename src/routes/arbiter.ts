// /api/v1/worldlines/:id/arbiter…, /telemetry, /subscribers, /release and /api/v1/arbiter/model:
// validate, check the world line is visible, call its Arbiter Durable Object, map.
import type { RouteConfig } from "@hono/zod-openapi";
import { z } from "zod";
import { DomainError, unwrap, type ProblemCode } from "../core/problem.js";
import { checkArbiterRuns } from "../core/worldline.js";
import {
  ArbiterJournal,
  ArbiterStatus,
  BeatsRequest,
  BeatsResult,
  ConfigureArbiter,
  EntropyModel,
  Inject,
  JournalQuery,
  JournalVerification,
  Subscribers,
  Telemetry,
  TrainModel,
  VerifyJournalQuery,
} from "../schemas/arbiter.js";
import { WorldLine as WorldLineSchema } from "../schemas/worldline.js";
import { viewer } from "../http/auth.js";
import { apiRouter, jsonBody, operatorRoute } from "../http/openapi.js";
import { currentModel, trainAndStore } from "../stores/model-store.js";
import { arbiterStub, worldLineStub, type ArbiterRpc } from "../stubs.js";

const IdParam = z.object({ id: z.string() });

/** The arbiter of a world line the caller can see; writes need its arbiter to run (core/worldline.ts checkArbiterRuns). */
async function arbiterOf(env: Env, id: string, viewer: { isOperator: boolean }, forWrite = false): Promise<ArbiterRpc> {
  const worldLine = unwrap(await worldLineStub(env, id).info(viewer));
  if (forWrite) checkArbiterRuns(worldLine);
  return arbiterStub(env, id);
}

const route = <
  M extends "get" | "post" | "put",
  P extends string,
  R extends NonNullable<RouteConfig["request"]>,
  S extends z.ZodType,
>(
  method: M,
  path: P,
  summary: string,
  request: R,
  response: S,
  problems: ProblemCode[],
  secured = true,
) => operatorRoute("arbiter", method, path, summary, request, response, 200, problems, undefined, secured);

/** What arbiterOf answers: the world line is not visible, or (for writes) terminated. */
const OF_WORLD_LINE: ProblemCode[] = ["not-found"];
const FOR_WRITE: ProblemCode[] = ["not-found", "worldline-terminated"];

export const arbiterRoutes = apiRouter();

arbiterRoutes.openapi(
  route(
    "put",
    "/worldlines/{id}/arbiter",
    "Turn the arbiter on, off, or retune it",
    { params: IdParam, ...jsonBody(ConfigureArbiter) },
    ArbiterStatus,
    [...FOR_WRITE, "invalid-tunables"],
  ),
  async (c) => {
    const { id } = c.req.valid("param");
    return c.json(unwrap(await (await arbiterOf(c.env, id, viewer(c), true)).configure(id, c.req.valid("json"))), 200);
  },
);

arbiterRoutes.openapi(
  route(
    "get",
    "/worldlines/{id}/arbiter",
    "Arbiter status: T_Λ, genome, PID, last decision, journal size and root",
    { params: IdParam },
    ArbiterStatus,
    OF_WORLD_LINE,
    false,
  ),
  async (c) => {
    const { id } = c.req.valid("param");
    return c.json(unwrap(await (await arbiterOf(c.env, id, viewer(c))).status(id)), 200);
  },
);

arbiterRoutes.openapi(
  route(
    "post",
    "/worldlines/{id}/telemetry",
    "Report anomalies for the next beat",
    { params: IdParam, ...jsonBody(Telemetry) },
    z.object({ pendingAnoms: z.number() }),
    FOR_WRITE,
  ),
  async (c) => {
    const { id } = c.req.valid("param");
    return c.json(
      unwrap(await (await arbiterOf(c.env, id, viewer(c), true)).telemetry(id, c.req.valid("json").anoms)),
      200,
    );
  },
);

arbiterRoutes.openapi(
  route(
    "post",
    "/worldlines/{id}/arbiter/inject",
    "inject_data into the genome (risk anomalies, ml_weight)",
    { params: IdParam, ...jsonBody(Inject) },
    ArbiterStatus,
    FOR_WRITE,
  ),
  async (c) => {
    const { id } = c.req.valid("param");
    const { anoms, mlWeight } = c.req.valid("json");
    return c.json(
      unwrap(
        await (
          await arbiterOf(c.env, id, viewer(c), true)
        ).inject(id, { ...(anoms !== undefined && { anoms }), ...(mlWeight !== undefined && { ml_weight: mlWeight }) }),
      ),
      200,
    );
  },
);

arbiterRoutes.openapi(
  route(
    "post",
    "/worldlines/{id}/arbiter/beats",
    "Run up to 10 000 beats now (like --beats N) and return the decisions",
    { params: IdParam, ...jsonBody(BeatsRequest) },
    BeatsResult,
    FOR_WRITE,
  ),
  async (c) => {
    const { id } = c.req.valid("param");
    return c.json(
      unwrap(await (await arbiterOf(c.env, id, viewer(c), true)).beats(id, c.req.valid("json").count)),
      200,
    );
  },
);

arbiterRoutes.openapi(
  route(
    "get",
    "/worldlines/{id}/arbiter/journal",
    "A page of the arbiter journal (VENOM ledger format) with its manifest",
    { params: IdParam, query: JournalQuery },
    ArbiterJournal,
    [...OF_WORLD_LINE, "no-arbiter"],
    false,
  ),
  async (c) => {
    const { id } = c.req.valid("param");
    const { from, limit } = c.req.valid("query");
    return c.json(unwrap(await (await arbiterOf(c.env, id, viewer(c))).journal(from, limit)), 200);
  },
);

arbiterRoutes.openapi(
  route(
    "post",
    "/worldlines/{id}/arbiter/journal/verify",
    "Re-verify the journal from genesis (hash chain and Merkle root), up to `limit` entries per call, continuing where the last call stopped",
    { params: IdParam, query: VerifyJournalQuery },
    JournalVerification,
    [...OF_WORLD_LINE, "no-arbiter"],
  ),
  async (c) => {
    const { id } = c.req.valid("param");
    return c.json(unwrap(await (await arbiterOf(c.env, id, viewer(c))).verifyJournal(c.req.valid("query"))), 200);
  },
);

arbiterRoutes.openapi(
  route(
    "put",
    "/worldlines/{id}/subscribers",
    "Agents (connected to the hub) that receive ALERT and QUARANTINE broadcasts",
    { params: IdParam, ...jsonBody(Subscribers) },
    z.object({ subscribers: z.array(z.string()) }),
    FOR_WRITE,
  ),
  async (c) => {
    const { id } = c.req.valid("param");
    return c.json(
      unwrap(await (await arbiterOf(c.env, id, viewer(c), true)).setSubscribers(id, c.req.valid("json").agents)),
      200,
    );
  },
);

arbiterRoutes.openapi(
  route("post", "/worldlines/{id}/release", "Release a quarantined world line", { params: IdParam }, WorldLineSchema, [
    "not-found",
    "not-quarantined",
  ]),
  async (c) => {
    const { id } = c.req.valid("param");
    return c.json(unwrap(await worldLineStub(c.env, id).release()), 200);
  },
);

arbiterRoutes.openapi(
  route(
    "post",
    "/arbiter/model/train",
    "Train the entropy model (gradient descent on MSE) and store it as the next version",
    jsonBody(TrainModel),
    EntropyModel,
    ["invalid-training", "training-diverged"],
  ),
  async (c) => {
    const { samples, epochs, learningRate } = c.req.valid("json");
    return c.json(await trainAndStore(c.env, samples, { epochs, learningRate }), 200);
  },
);

arbiterRoutes.openapi(
  route("get", "/arbiter/model", "The entropy model every beat uses (latest version)", {}, EntropyModel, [], false),
  async (c) => c.json(await currentModel(c.env), 200),
);

// /api/v1/worldlines and /api/v1/multiverse: validate, call the WorldLine Durable Object, map.
import { z } from "zod";
import type { Json } from "../core/canonical-json.js";
import { newId } from "../core/ids.js";
import { forkPrivacy } from "../core/privacy.js";
import { DomainError, notFound, unwrap } from "../core/problem.js";
import { worldLineStub } from "../stubs.js";
import { Catalog, type EdgeKind } from "../stores/catalog.js";
import { worldLineView } from "../core/worldline.js";
import { Hash, Page } from "../schemas/common.js";
import {
  AtQuery,
  Commit,
  CommitResult,
  CommitsQuery,
  CreateWorldLine,
  Diff,
  DiffQuery,
  EntityId,
  EntityRead,
  ForkWorldLine,
  JsonPatch,
  ListWorldLinesQuery,
  MergePatch,
  MergeResult,
  MergeWorldLine,
  Multiverse,
  MultiverseQuery,
  State,
  StateQuery,
  WorldLine as WorldLineSchema,
  WorldLineId,
} from "../schemas/worldline.js";
import { viewer } from "../http/auth.js";
import { apiRoute, apiRouter, jsonBody, jsonContent, OPERATOR } from "../http/openapi.js";
import { ifMatchTag, validationError } from "../http/problem.js";

const IdParam = z.object({
  id: z.string().meta({ param: { name: "id", in: "path" }, example: "wl_01jd4x6b3s5q2m7k9r8t1v0w2y" }),
});

const DEFAULT_AUTHOR = "operator";

export const worldLineRoutes = apiRouter();

worldLineRoutes.openapi(
  apiRoute({
    method: "post",
    path: "/worldlines",
    tags: ["world lines"],
    summary: "Create a world line",
    security: OPERATOR,
    request: jsonBody(CreateWorldLine),
    responses: {
      201: jsonContent(WorldLineSchema, "the new blue world line"),
    },
    problems: ["invalid-entity-id", "entity-too-large"],
  }),
  async (c) => {
    const input = c.req.valid("json");
    const id = newId("wl");
    const created = unwrap(
      await worldLineStub(c.env, id).create({
        id,
        name: input.name,
        privacy: input.privacy,
        entities: (input.entities ?? {}) as Record<string, Json>,
        author: input.author ?? DEFAULT_AUTHOR,
        message: input.message ?? "create",
      }),
    );
    return c.json(created, 201, { location: `/api/v1/worldlines/${id}` });
  },
);

worldLineRoutes.openapi(
  apiRoute({
    method: "get",
    path: "/worldlines",
    tags: ["world lines"],
    summary: "List world lines (newest first)",
    description: "Without the operator token only public-network and full-public world lines are listed.",
    request: { query: ListWorldLinesQuery },
    responses: { 200: jsonContent(Page(WorldLineSchema), "a page of world lines") },
    problems: ["invalid-cursor"],
  }),
  async (c) => {
    const query = c.req.valid("query");
    const page = await new Catalog(c.env.DB).list({ ...query, publicOnly: !c.get("isOperator") });
    return c.json({ items: page.items.map(worldLineView), next: page.next }, 200);
  },
);

worldLineRoutes.openapi(
  apiRoute({
    method: "get",
    path: "/worldlines/{id}",
    tags: ["world lines"],
    summary: "Read a world line",
    request: { params: IdParam },
    responses: { 200: jsonContent(WorldLineSchema, "the world line") },
    problems: ["not-found"],
  }),
  async (c) => c.json(unwrap(await worldLineStub(c.env, c.req.valid("param").id).info(viewer(c))), 200),
);

worldLineRoutes.openapi(
  apiRoute({
    method: "get",
    path: "/worldlines/{id}/state",
    tags: ["world lines"],
    summary: "Read the state at a commit, a page at a time",
    description:
      "Entities come in the state tree's key order (SHA3-256 of the id), `limit` at a time (and at most about 4 MiB of JSON), so a page costs the same however large the state. Page with `cursor=<next>` and `at=<commit>` of the first page for a consistent read.",
    request: { params: IdParam, query: StateQuery },
    responses: { 200: jsonContent(State, "one page of entities at the commit") },
    problems: ["not-found", "unknown-commit", "no-green-commit"],
  }),
  async (c) => {
    const { at, cursor, limit } = c.req.valid("query");
    const state = unwrap(
      await worldLineStub(c.env, c.req.valid("param").id).state(viewer(c), at, { cursor: cursor ?? null, limit }),
    );
    return c.json(state, 200, { etag: `"${state.commit}"` });
  },
);

worldLineRoutes.openapi(
  apiRoute({
    method: "get",
    path: "/worldlines/{id}/entities/{entityId}",
    tags: ["world lines"],
    summary: "Read one entity (reads only its path in the tree)",
    request: {
      params: IdParam.extend({ entityId: EntityId.meta({ param: { name: "entityId", in: "path" } }) }),
      query: AtQuery,
    },
    responses: { 200: jsonContent(EntityRead, "the entity") },
    problems: ["not-found", "unknown-commit", "no-green-commit", "unknown-entity"],
  }),
  async (c) => {
    const { id, entityId } = c.req.valid("param");
    const entity = unwrap(await worldLineStub(c.env, id).entity(viewer(c), entityId, c.req.valid("query").at));
    return c.json(entity, 200, { etag: `"${entity.commit}"` });
  },
);

const PATCH_TYPES = {
  "application/json-patch+json": "json-patch",
  "application/merge-patch+json": "merge-patch",
} as const;

worldLineRoutes.openapi(
  apiRoute({
    method: "patch",
    path: "/worldlines/{id}/state",
    tags: ["world lines"],
    summary: "Commit a patch (RFC 6902 or RFC 7396)",
    security: OPERATOR,
    description:
      "Paths point into the entities object: `/sun/mass` is field `mass` of entity `sun`. `If-Match: <commit>` refuses the patch (412) unless the head is that commit. A patch that fails any operation changes nothing.",
    request: {
      params: IdParam,
      headers: z.object({
        "if-match": z.string().optional(),
        "x-dm-author": z.string().max(128).optional(),
        "x-dm-message": z.string().max(1024).optional(),
      }),
      // Plain JSON Schemas (generated from the zod ones) so the OpenAPI layer documents both media
      // types without validating one against the other's schema; the handler validates by media type.
      body: {
        required: true,
        content: {
          "application/json-patch+json": { schema: z.toJSONSchema(JsonPatch, { io: "input" }) as object },
          "application/merge-patch+json": { schema: z.toJSONSchema(MergePatch, { io: "input" }) as object },
        },
      },
    },
    responses: {
      200: jsonContent(CommitResult, "the new head (unchanged when the patch was a no-op)"),
    },
    problems: [
      "invalid-if-match",
      "not-found",
      "worldline-terminated",
      "worldline-quarantined",
      "stale-head",
      "patch-failed",
      "invalid-entity-id",
      "entity-too-large",
    ],
  }),
  async (c) => {
    const mediaType = (c.req.header("content-type") ?? "")
      .split(";")[0]!
      .trim()
      .toLowerCase() as keyof typeof PATCH_TYPES;
    const format = PATCH_TYPES[mediaType];
    if (!format)
      throw new DomainError(
        "unsupported-media-type",
        "send application/json-patch+json (RFC 6902) or application/merge-patch+json (RFC 7396)",
      );
    const raw = await c.req.json();
    const parsed = (format === "json-patch" ? JsonPatch : MergePatch).safeParse(raw);
    if (!parsed.success) throw validationError("json", parsed.error.issues);
    const ifMatch = ifMatchTag(c.req.header("if-match"));
    if (ifMatch !== undefined && !Hash.safeParse(ifMatch).success)
      throw new DomainError("invalid-if-match", "If-Match must be a commit hash (64 lowercase hex)");
    const result = unwrap(
      await worldLineStub(c.env, c.req.valid("param").id).patch({
        format,
        patch: parsed.data as Json,
        ifMatch,
        author: c.req.header("x-dm-author"),
        message: c.req.header("x-dm-message"),
      }),
    );
    return c.json(result, 200, { etag: `"${result.commit}"` });
  },
);

worldLineRoutes.openapi(
  apiRoute({
    method: "get",
    path: "/worldlines/{id}/commits",
    tags: ["world lines"],
    summary: "History, newest first",
    description:
      "Newest generation first. Each page walks on from where the previous one stopped, so it costs the same however long the history; a cursor stays valid for a day.",
    request: { params: IdParam, query: CommitsQuery },
    responses: { 200: jsonContent(Page(Commit), "a page of commits") },
    problems: ["not-found", "invalid-cursor"],
  }),
  async (c) => {
    const { cursor, limit } = c.req.valid("query");
    return c.json(unwrap(await worldLineStub(c.env, c.req.valid("param").id).commits(viewer(c), cursor, limit)), 200);
  },
);

worldLineRoutes.openapi(
  apiRoute({
    method: "get",
    path: "/worldlines/{id}/diff",
    tags: ["world lines"],
    summary: "Entity-level changes between two commits, a page at a time",
    description:
      "Changes come in the state tree's key order, `limit` at a time (and at most about 4 MiB of JSON); only subtrees that differ are read. Page with `cursor=<next>`, and commit hashes for `from` and `to` for a consistent read while the head moves.",
    request: { params: IdParam, query: DiffQuery },
    responses: {
      200: jsonContent(Diff, "one page of changes from `from` to `to`"),
    },
    problems: ["not-found", "unknown-commit", "no-green-commit"],
  }),
  async (c) => {
    const { from, to, cursor, limit } = c.req.valid("query");
    return c.json(
      unwrap(
        await worldLineStub(c.env, c.req.valid("param").id).diff(viewer(c), from, to, {
          cursor: cursor ?? null,
          limit,
        }),
      ),
      200,
    );
  },
);

worldLineRoutes.openapi(
  apiRoute({
    method: "post",
    path: "/worldlines/{id}/fork",
    tags: ["world lines"],
    summary: "Fork: a new blue world line at this head, sharing its tree",
    security: OPERATOR,
    request: { params: IdParam, ...jsonBody(ForkWorldLine) },
    responses: { 201: jsonContent(WorldLineSchema, "the fork") },
    problems: ["not-found", "privacy-looser-than-parent"],
  }),
  async (c) => {
    const input = c.req.valid("json");
    const parent = unwrap(await worldLineStub(c.env, c.req.valid("param").id).info(viewer(c)));
    const privacy = forkPrivacy(input.privacy, parent.privacy);
    const id = newId("wl");
    const fork = unwrap(await worldLineStub(c.env, id).fork({ id, name: input.name, privacy, parent }));
    return c.json(fork, 201, { location: `/api/v1/worldlines/${id}` });
  },
);

worldLineRoutes.openapi(
  apiRoute({
    method: "post",
    path: "/worldlines/{id}/merge",
    tags: ["world lines"],
    summary: "Merge another world line into this one",
    security: OPERATOR,
    description:
      "Three-way merge from the common ancestor at entity granularity, and within an entity at JSON Pointer granularity. Conflicts answer 409 with `conflicts` and change nothing unless `strategy` is `ours` or `theirs`. " +
      "A merge commit has two parents, so the source's history becomes readable through this world line: a source with a stricter privacy level than the target answers 422 `privacy-stricter-source` and changes nothing, unless `squash` is true. " +
      "A squash merge records the merged state as one commit whose only parent is the target's head (default message `squash merge`); no source commit becomes reachable from the target.",
    request: { params: IdParam, ...jsonBody(MergeWorldLine) },
    responses: {
      200: jsonContent(MergeResult, "the merge commit (or `merged: false` when there was nothing to merge)"),
    },
    problems: [
      "not-found",
      "worldline-terminated",
      "worldline-quarantined",
      "merge-into-self",
      "privacy-stricter-source",
      "merge-conflict",
    ],
  }),
  async (c) => {
    const input = c.req.valid("json");
    const source = unwrap(await worldLineStub(c.env, input.source).info(viewer(c)));
    return c.json(unwrap(await worldLineStub(c.env, c.req.valid("param").id).merge({ ...input, source })), 200);
  },
);

worldLineRoutes.openapi(
  apiRoute({
    method: "delete",
    path: "/worldlines/{id}",
    tags: ["world lines"],
    summary: "Terminate: history stays readable, writes answer 410",
    security: OPERATOR,
    request: { params: IdParam },
    responses: {
      200: jsonContent(WorldLineSchema, "the terminated world line"),
    },
    problems: ["not-found", "worldline-terminated", "worldline-quarantined"],
  }),
  async (c) => c.json(unwrap(await worldLineStub(c.env, c.req.valid("param").id).terminate()), 200),
);

worldLineRoutes.openapi(
  apiRoute({
    method: "get",
    path: "/multiverse",
    tags: ["world lines"],
    summary: "The graph of world lines with fork and merge edges, a page at a time",
    description:
      "Up to `limit` nodes and `limit` edges per page, each oldest first; gather the pages until `next` is null. Without the operator token only public-network and full-public world lines and the edges between them are shown.",
    request: { query: MultiverseQuery },
    responses: { 200: jsonContent(Multiverse, "one page of nodes and edges") },
    problems: ["invalid-cursor"],
  }),
  async (c) => {
    const { nodes, edges, next } = await new Catalog(c.env.DB).graph({
      publicOnly: !c.get("isOperator"),
      ...c.req.valid("query"),
    });
    return c.json(
      {
        nodes: nodes.map((node) => {
          const { parents: _, updatedAt: __, ...shown } = worldLineView(node);
          return shown;
        }),
        edges: edges.map((e) => ({ from: e.fromId, to: e.toId, kind: e.kind as EdgeKind, commit: e.commit, at: e.at })),
        next,
      },
      200,
    );
  },
);

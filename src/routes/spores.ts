// /api/v1/spores and /api/v1/grafts (seed 003, Spore Engine → Graft Engine): validate, call, map.
// Operator only, reads included: grafts name private world lines.
import { z } from "zod";
import type { JsonObject } from "../core/canonical-json.js";
import { SporeStore } from "../stores/spore-store.js";
import { Page } from "../schemas/common.js";
import {
  CreateSpore,
  DeploySpore,
  Graft,
  ListGraftsQuery,
  ListSporesQuery,
  Spore,
  UpdateSpore,
} from "../schemas/spores.js";
import { apiRouter, jsonBody, operatorRoute } from "../http/openapi.js";
import { requireOperator } from "../http/auth.js";
import { createSpore, deploySpore, getSpore, publishSpore, retireSpore, updateSpore } from "../spores/spores.js";
import { getGraft, installGraft, uninstallGraft } from "../spores/grafts.js";

const IdParam = z.object({ id: z.string().max(64) });

export const sporeRoutes = apiRouter();
for (const path of ["/spores", "/spores/*", "/grafts", "/grafts/*"])
  sporeRoutes.use(path, requireOperator("spores and grafts"));

const route = operatorRoute;

// ---- spores ------------------------------------------------------------------------------------

sporeRoutes.openapi(
  route(
    "spores",
    "post",
    "/spores",
    "Create a spore (a draft; an existing name gets its next version)",
    jsonBody(CreateSpore),
    Spore,
    201,
    ["spore-version-race"],
  ),
  async (c) => {
    const input = c.req.valid("json");
    const spore = await createSpore(c.env, { ...input, entities: input.entities as JsonObject });
    return c.json(spore, 201, { location: `/api/v1/spores/${spore.id}` });
  },
);

sporeRoutes.openapi(
  route("spores", "get", "/spores", "Spores, newest first", { query: ListSporesQuery }, Page(Spore), 200, [
    "invalid-cursor",
  ]),
  async (c) => c.json(await new SporeStore(c.env.DB).listSpores(c.req.valid("query")), 200),
);

sporeRoutes.openapi(
  route("spores", "get", "/spores/{id}", "One spore version", { params: IdParam }, Spore, 200, ["not-found"]),
  async (c) => c.json(await getSpore(c.env, c.req.valid("param").id), 200),
);

sporeRoutes.openapi(
  route(
    "spores",
    "patch",
    "/spores/{id}",
    "Edit a draft (409 once published)",
    { params: IdParam, ...jsonBody(UpdateSpore) },
    Spore,
    200,
    ["not-found", "spore-published", "spore-retired"],
  ),
  async (c) => {
    const input = c.req.valid("json");
    return c.json(
      await updateSpore(c.env, c.req.valid("param").id, {
        ...input,
        entities: input.entities as JsonObject | undefined,
      }),
      200,
    );
  },
);

sporeRoutes.openapi(
  route(
    "spores",
    "post",
    "/spores/{id}/publish",
    "Publish a draft: the version is frozen and can be deployed",
    { params: IdParam },
    Spore,
    200,
    ["not-found", "spore-published", "spore-retired"],
  ),
  async (c) => c.json(await publishSpore(c.env, c.req.valid("param").id), 200),
);

sporeRoutes.openapi(
  route(
    "spores",
    "post",
    "/spores/{id}/retire",
    "Retire a published spore: no new deployments",
    { params: IdParam },
    Spore,
    200,
    ["not-found", "spore-draft", "spore-retired"],
  ),
  async (c) => c.json(await retireSpore(c.env, c.req.valid("param").id), 200),
);

sporeRoutes.openapi(
  route(
    "spores",
    "post",
    "/spores/{id}/deploy",
    "Deploy a published spore to a world line: a pending graft (spore.deployed)",
    { params: IdParam, ...jsonBody(DeploySpore) },
    Graft,
    201,
    ["not-found", "spore-draft", "spore-retired", "unknown-worldline", "target-worldline-terminated"],
  ),
  async (c) => {
    const graft = await deploySpore(c.env, c.req.valid("param").id, c.req.valid("json").worldline);
    return c.json(graft, 201, { location: `/api/v1/grafts/${graft.id}` });
  },
);

// ---- grafts ------------------------------------------------------------------------------------

sporeRoutes.openapi(
  route("grafts", "get", "/grafts", "Grafts, newest first", { query: ListGraftsQuery }, Page(Graft), 200, [
    "invalid-cursor",
  ]),
  async (c) => c.json(await new SporeStore(c.env.DB).listGrafts(c.req.valid("query")), 200),
);

sporeRoutes.openapi(
  route("grafts", "get", "/grafts/{id}", "One graft", { params: IdParam }, Graft, 200, ["not-found"]),
  async (c) => c.json(await getGraft(c.env, c.req.valid("param").id), 200),
);

sporeRoutes.openapi(
  route(
    "grafts",
    "post",
    "/grafts/{id}/install",
    "Install a graft: one world-line commit applying the spore's template",
    { params: IdParam },
    Graft,
    200,
    ["not-found", "illegal-graft-transition", "graft-install-failed"],
    "The template is applied as an RFC 7396 merge patch to the head it was planned on (graft.installed). On failure the world line is unchanged, the graft is `failed` with the reason (graft.install.failed) and the answer is 409 `graft-install-failed` with `reason`, the world line's own code (`worldline-terminated`, `worldline-quarantined`, `patch-failed`, …). A failed graft can be installed again. A claim older than 60 s (its worker died) is taken over; the world line applies each graft's install once, so the takeover returns the first install's commit and revert patch.",
  ),
  async (c) => c.json(await installGraft(c.env, c.req.valid("param").id), 200),
);

sporeRoutes.openapi(
  route(
    "grafts",
    "post",
    "/grafts/{id}/uninstall",
    "Uninstall a graft: one commit putting every entity it touched back",
    { params: IdParam },
    Graft,
    200,
    ["not-found", "illegal-graft-transition", "graft-conflict", "worldline-terminated", "worldline-quarantined"],
    "409 `graft-conflict` (nothing changed) when an entity the graft wrote was changed since the install.",
  ),
  async (c) => c.json(await uninstallGraft(c.env, c.req.valid("param").id), 200),
);

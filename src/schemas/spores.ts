// Spore and graft contracts (seed 003: Spore Engine → Graft Engine). A spore is a versioned
// template of world-line entities; a graft is one spore deployed to one world line.
import { z } from "zod";
import { MAX_NAME_LENGTH } from "../core/limits.js";
import { MAX_TEMPLATE_ENTITIES } from "../core/spore.js";
import { Cursor, Hash, Limit } from "./common.js";
import { Millis } from "./common.js";
import { EntityId, WorldLineId } from "./worldline.js";

export const SporeStatus = z
  .enum(["draft", "published", "retired"])
  .meta({ description: "only published spores can be deployed; a published version never changes" });
export const GraftStatus = z.enum(["pending", "installing", "installed", "failed", "uninstalling", "uninstalled"]);

export const TemplateEntities = z
  .record(
    EntityId,
    z
      .unknown()
      .refine(
        (value) => value !== null && value !== undefined,
        "a template entity is a JSON value, not null (templates add and change entities; they never delete one)",
      ),
  )
  .refine((entities) => Object.keys(entities).length >= 1, "a template has at least one entity")
  .refine(
    (entities) => Object.keys(entities).length <= MAX_TEMPLATE_ENTITIES,
    `a template has at most ${MAX_TEMPLATE_ENTITIES} entities`,
  )
  .meta({
    description:
      "entity id → value, applied to the world line as an RFC 7396 merge patch (objects merge into existing entities)",
  });

export const Spore = z
  .object({
    id: z.string(),
    name: z.string(),
    version: z.number().int().min(1),
    description: z.string(),
    status: SporeStatus,
    entities: z.record(z.string(), z.unknown()),
    createdAt: Millis,
    updatedAt: Millis,
    publishedAt: Millis.nullable(),
  })
  .meta({ id: "Spore" });
export type Spore = z.infer<typeof Spore>;

export const SporeName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,127}$/, "a spore name is 1–128 characters of a–z 0–9 . _ -")
  .max(MAX_NAME_LENGTH);
export const CreateSpore = z
  .object({
    name: SporeName.meta({ description: "a new name starts at version 1; an existing name gets its next version" }),
    description: z.string().max(4096).default(""),
    entities: TemplateEntities,
  })
  .meta({ id: "CreateSpore" });
export const UpdateSpore = z
  .object({ description: z.string().max(4096).optional(), entities: TemplateEntities.optional() })
  .refine((value) => value.description !== undefined || value.entities !== undefined, {
    message: "give description or entities",
    path: ["entities"],
  })
  .meta({ id: "UpdateSpore" });
export const DeploySpore = z.object({ worldline: WorldLineId }).meta({ id: "DeploySpore" });

export const Graft = z
  .object({
    id: z.string(),
    sporeId: z.string(),
    worldline: WorldLineId,
    status: GraftStatus,
    baseCommit: Hash.nullable().meta({ description: "the head the install was applied to" }),
    installCommit: Hash.nullable(),
    uninstallCommit: Hash.nullable(),
    error: z.string().nullable().meta({ description: "why the last install or uninstall failed" }),
    createdAt: Millis,
    updatedAt: Millis,
    installedAt: Millis.nullable(),
    uninstalledAt: Millis.nullable(),
  })
  .meta({ id: "Graft" });
export type Graft = z.infer<typeof Graft>;

export const ListSporesQuery = z.object({
  name: SporeName.optional(),
  status: SporeStatus.optional(),
  cursor: Cursor,
  limit: Limit,
});
export const ListGraftsQuery = z.object({
  worldline: WorldLineId.optional(),
  spore: z.string().max(64).optional(),
  status: GraftStatus.optional(),
  cursor: Cursor,
  limit: Limit,
});

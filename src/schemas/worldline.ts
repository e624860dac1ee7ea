import { z } from "zod";
import { WORLD_LINE_ID_PATTERN } from "../core/ids.js";
import { ENTITY_ID_PATTERN, MAX_NAME_LENGTH } from "../core/limits.js";
import { PRIVACY_LEVELS } from "../core/privacy.js";
import { Cursor, Hash, Limit } from "./common.js";

export const Privacy = z.enum(PRIVACY_LEVELS).meta({ description: "seed-004 privacy level, most to least strict" });
export type Privacy = z.infer<typeof Privacy>;

export const WorldLineStatus = z.enum(["active", "quarantined", "terminated"]);
export type WorldLineStatus = z.infer<typeof WorldLineStatus>;

export const WorldLineId = z
  .string()
  .regex(WORLD_LINE_ID_PATTERN)
  .meta({ description: "world line id", example: "wl_01jd4x6b3s5q2m7k9r8t1v0w2y" });
export const WorldLineName = z.string().min(1).max(MAX_NAME_LENGTH);
export const EntityId = z.string().regex(ENTITY_ID_PATTERN, "entity ids are 1–256 characters of A–Z a–z 0–9 . _ : / -");
export const EntityValue = z.unknown().meta({ description: "any JSON value" });
export const Entities = z.record(EntityId, EntityValue).meta({ description: "entity id → JSON value" });
export const Author = z.string().min(1).max(128);
export const CommitMessage = z.string().max(1024);

export const CreateWorldLine = z
  .object({
    name: WorldLineName,
    entities: Entities.optional(),
    privacy: Privacy.default("private"),
    author: Author.optional(),
    message: CommitMessage.optional(),
  })
  .meta({ id: "CreateWorldLine" });
export type CreateWorldLine = z.infer<typeof CreateWorldLine>;

export const ForkWorldLine = z
  .object({
    name: WorldLineName,
    privacy: Privacy.optional().meta({ description: "defaults to the parent's; may only be stricter" }),
  })
  .meta({ id: "ForkWorldLine" });
export type ForkWorldLine = z.infer<typeof ForkWorldLine>;

export const MergeStrategy = z.enum(["three-way", "ours", "theirs"]);
export const MergeWorldLine = z
  .object({
    source: WorldLineId,
    strategy: MergeStrategy.default("three-way"),
    squash: z.boolean().default(false).meta({
      description:
        "record the merged state as one single-parent commit that does not link the source's history; required when the source is stricter than the target",
    }),
    author: Author.optional(),
    message: CommitMessage.optional(),
  })
  .meta({ id: "MergeWorldLine" });
export type MergeWorldLine = z.infer<typeof MergeWorldLine>;

export const WorldLine = z
  .object({
    id: WorldLineId,
    name: WorldLineName,
    color: z.enum(["blue", "green"]).meta({ description: "green when the head is the promoted (green) commit" }),
    status: WorldLineStatus,
    privacy: Privacy,
    head: Hash,
    green: Hash.nullable(),
    parents: z.array(WorldLineId).meta({ description: "the world line this one was forked from, if any" }),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
  })
  .meta({ id: "WorldLine" });
export type WorldLine = z.infer<typeof WorldLine>;

export const ListWorldLinesQuery = z.object({ status: WorldLineStatus.optional(), cursor: Cursor, limit: Limit });

export const CommitRef = z
  .union([Hash, z.literal("head"), z.literal("green")])
  .meta({ description: "a commit hash of this world line's history, `head`, or `green`" });
export const AtQuery = z.object({ at: CommitRef.optional() });

/** Pages of state and diffs go in the state tree's key order (SHA3-256 of the entity id); the cursor is the last item's key. */
export const EntityKeyCursor = z
  .string()
  .regex(/^[0-9a-f]{64}$/, "a cursor is the `next` of the previous page (64 lowercase hex)")
  .optional()
  .meta({ description: "the previous page's `next`: go on after that entity key" });
const PageNext = z.string().nullable().meta({ description: "the cursor of the next page, null on the last" });

export const StateQuery = AtQuery.extend({ cursor: EntityKeyCursor, limit: Limit });
export const State = z
  .object({
    commit: Hash,
    root: Hash,
    count: z.number().int().meta({ description: "entities at the commit, all pages together" }),
    entities: Entities.meta({
      description:
        "one page: at most `limit` entities and about 4 MiB of JSON, in the state tree's key order (not by id)",
    }),
    next: PageNext,
  })
  .meta({
    id: "State",
    description: "one page of the state; pass `at=<commit>` with the cursor for a consistent read while the head moves",
  });
export const EntityRead = z.object({ commit: Hash, id: EntityId, value: EntityValue }).meta({ id: "Entity" });

export const Commit = z
  .object({
    id: Hash,
    tree: Hash,
    parents: z.array(Hash),
    author: z.string(),
    message: z.string(),
    time: z.number().int(),
  })
  .meta({ id: "Commit" });
export type Commit = z.infer<typeof Commit>;

export const CommitResult = z
  .object({
    commit: Hash,
    root: Hash,
    parents: z.array(Hash),
    changed: z.number().int().meta({ description: "entities written or deleted" }),
  })
  .meta({ id: "CommitResult" });
export type CommitResult = z.infer<typeof CommitResult>;

export const EntityDiff = z
  .object({
    id: EntityId,
    change: z.enum(["added", "removed", "modified"]),
    before: EntityValue.optional(),
    after: EntityValue.optional(),
  })
  .meta({ id: "EntityDiff" });
export const Diff = z
  .object({
    from: Hash,
    to: Hash,
    changes: z.array(EntityDiff).meta({
      description: "one page: at most `limit` changes and about 4 MiB of JSON, in the state tree's key order",
    }),
    next: PageNext,
  })
  .meta({ id: "Diff" });
export const DiffQuery = z.object({
  from: CommitRef,
  to: CommitRef.default("head"),
  cursor: EntityKeyCursor,
  limit: Limit,
});

export const CommitsQuery = z.object({
  cursor: z.string().max(200).optional().meta({ description: "the previous page's `next` (valid for a day)" }),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const Conflict = z
  .object({
    path: z.string(),
    base: EntityValue.optional(),
    ours: EntityValue.optional(),
    theirs: EntityValue.optional(),
  })
  .meta({
    id: "Conflict",
    description: "a field changed differently on both sides; a missing side means absent (deleted or never set)",
  });

export const MergeResult = z
  .object({
    commit: Hash,
    parents: z.array(Hash),
    base: Hash.nullable(),
    merged: z.boolean().meta({ description: "false when the source had nothing new" }),
    changed: z.number().int(),
    resolved: z.array(Conflict).meta({ description: "conflicts settled by the `ours` / `theirs` strategy" }),
  })
  .meta({ id: "MergeResult" });
export type MergeResult = z.infer<typeof MergeResult>;

export const LineageKind = z.enum(["fork", "merge"]);
export const MultiverseNode = WorldLine.pick({
  id: true,
  name: true,
  color: true,
  status: true,
  privacy: true,
  head: true,
  green: true,
  createdAt: true,
});
export const MultiverseQuery = z.object({
  cursor: Cursor,
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(1000)
    .meta({ description: "at most this many nodes and this many edges per page" }),
});
export const Multiverse = z
  .object({
    nodes: z.array(MultiverseNode).meta({ description: "oldest first" }),
    edges: z
      .array(z.object({ from: WorldLineId, to: WorldLineId, kind: LineageKind, commit: Hash, at: z.number().int() }))
      .meta({ description: "oldest first; an edge may name a node of another page" }),
    next: PageNext,
  })
  .meta({ id: "Multiverse", description: "one page of the graph; gather the pages until `next` is null, then draw" });

export const JsonPatchOperation = z.discriminatedUnion("op", [
  z.object({ op: z.literal("add"), path: z.string(), value: z.unknown() }),
  z.object({ op: z.literal("remove"), path: z.string() }),
  z.object({ op: z.literal("replace"), path: z.string(), value: z.unknown() }),
  z.object({ op: z.literal("move"), from: z.string(), path: z.string() }),
  z.object({ op: z.literal("copy"), from: z.string(), path: z.string() }),
  z.object({ op: z.literal("test"), path: z.string(), value: z.unknown() }),
]);
export const JsonPatch = z
  .array(JsonPatchOperation)
  .max(10_000)
  .meta({ id: "JsonPatch", description: "RFC 6902 JSON Patch against the entities object" });
export const MergePatch = z.record(z.string(), z.unknown()).meta({
  id: "MergePatch",
  description: "RFC 7396 merge patch against the entities object; `null` deletes an entity",
});

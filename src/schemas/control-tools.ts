// Arguments of the control plane's MCP tools (/mcp), made from the REST API's own schemas: a tool
// takes what its route takes — the path parameters, then the query or the body's fields — so a
// tool argument is valid exactly when the route would accept it (one definition per type).
//
// MCP 2025-11-25 "Tools": `inputSchema` is a JSON Schema whose top level is `type: "object"`. So a
// tool's schema is a fresh object schema (`safeExtend`: refinements kept, but not the registry id
// that would turn the top level into a `$ref`), and a route body that is a union (a proposal) is
// offered as one object of all its fields, refined by the union itself.
import { z } from "zod";
import { Hash } from "./common.js";
import {
  Author,
  CommitMessage,
  CommitsQuery,
  CreateWorldLine,
  DiffQuery,
  ForkWorldLine,
  JsonPatch,
  ListWorldLinesQuery,
  MergePatch,
  MergeWorldLine,
  StateQuery,
  WorldLineId,
} from "./worldline.js";
import { ConsistencyQuery, CreateProposal, EntriesQuery, InclusionQuery, ProposalId } from "./ledger.js";
import { EventBatchInput, ListEventsQuery } from "./events.js";
import { CreateTask, ListTasksQuery, TaskId } from "./squads.js";
import { Telemetry } from "./arbiter.js";

const OfWorldLine = { id: WorldLineId.meta({ description: "the world line's id (wl_…)" }) };

/**
 * A discriminated union as one object schema: every option's fields, optional (the first option
 * naming a field gives its schema), then the union itself as a refinement, so a call is valid
 * exactly when the union accepts it and its issues keep their paths.
 */
export function objectOfUnion<U extends z.ZodDiscriminatedUnion<readonly z.ZodObject[]>>(union: U) {
  const shape: Record<string, z.ZodType> = {};
  const discriminator = union.def.discriminator;
  for (const option of union.options)
    for (const [key, field] of Object.entries(option.shape as Record<string, z.ZodType>))
      if (key !== discriminator) shape[key] ??= field.optional();
  const values = union.options.map((option) => (option.shape as Record<string, z.ZodLiteral>)[discriminator]!.value);
  shape[discriminator] = z.enum(values as [string, ...string[]]);
  return z.object(shape).superRefine((value, ctx) => {
    for (const issue of union.safeParse(value).error?.issues ?? [])
      ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
  });
}

export const WorldLineListInput = ListWorldLinesQuery.safeExtend({});
export const WorldLineGetInput = z.object(OfWorldLine);
export const WorldLineStateInput = StateQuery.safeExtend(OfWorldLine);
export const WorldLineCreateInput = CreateWorldLine.safeExtend({});
export const WorldLineForkInput = ForkWorldLine.safeExtend(OfWorldLine);
export const WorldLineMergeInput = MergeWorldLine.safeExtend({
  id: WorldLineId.meta({ description: "the target: the world line merged into" }),
});
export const WorldLineTerminateInput = z.object(OfWorldLine);
export const WorldLineDiffInput = DiffQuery.safeExtend(OfWorldLine);
export const WorldLineCommitsInput = CommitsQuery.safeExtend(OfWorldLine);

/** PATCH …/state takes one body in one of two media types; the tool names the format by the field it fills. */
export const WorldLinePatchInput = z
  .object({
    ...OfWorldLine,
    mergePatch: MergePatch.optional().meta({
      description: "RFC 7396 merge patch against the entities object; `null` deletes an entity",
    }),
    jsonPatch: JsonPatch.optional().meta({
      description: "RFC 6902 JSON Patch against the entities object: `/sun/mass` is field `mass` of entity `sun`",
    }),
    ifMatch: Hash.optional().meta({ description: "refuse the patch unless the head is this commit (If-Match)" }),
    author: Author.optional().meta({ description: "the commit's author (X-DM-Author)" }),
    message: CommitMessage.optional().meta({ description: "the commit message (X-DM-Message)" }),
  })
  .superRefine((value, ctx) => {
    if ((value.mergePatch === undefined) === (value.jsonPatch === undefined))
      ctx.addIssue({
        code: "custom",
        path: value.mergePatch === undefined ? ["mergePatch"] : ["jsonPatch"],
        message: "give exactly one of mergePatch (RFC 7396) and jsonPatch (RFC 6902)",
      });
  });

export const PromotionProposeInput = objectOfUnion(CreateProposal);
export const PromotionGetInput = z.object({ id: ProposalId.meta({ description: "the proposal's id (pr_…)" }) });

export const LedgerStatusInput = z.object({});
export const LedgerEntriesInput = EntriesQuery.safeExtend({});
/** The three proofs the API serves: RFC 9162 inclusion and consistency, and a green commit's offline bundle. */
export const LedgerProofInput = objectOfUnion(
  z.discriminatedUnion("proof", [
    InclusionQuery.safeExtend({
      proof: z.literal("inclusion").meta({ description: "RFC 9162 §2.1.3 inclusion proof of entry `index`" }),
    }),
    ConsistencyQuery.safeExtend({
      proof: z.literal("consistency").meta({ description: "RFC 9162 §2.1.4 consistency proof from `from` to `to`" }),
    }),
    z.object({
      proof: z.literal("green").meta({ description: "the world line's green proof bundle (`darkmatter verify`)" }),
      worldline: WorldLineId,
    }),
  ]),
);

export const EventsQueryInput = ListEventsQuery.safeExtend({});
export const EventReportInput = EventBatchInput.safeExtend({});

export const TaskListInput = ListTasksQuery.safeExtend({});
export const TaskGetInput = z.object({ id: TaskId.meta({ description: "the task's id (task_…)" }) });
export const TaskCreateInput = CreateTask.safeExtend({});

export const ArbiterStatusInput = z.object(OfWorldLine);
export const TelemetryReportInput = Telemetry.safeExtend(OfWorldLine);
export const HaloCycleInput = z.object({});

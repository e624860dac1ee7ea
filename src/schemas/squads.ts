// Squad Builder contracts (seed 003): squads of mesh agents and the tasks HALO or the operator
// gives them. Types are z.infer'd from here; OpenAPI is generated from here.
import { z } from "zod";
import { TASK_STATUSES } from "../core/task-lifecycle.js";
import { MAX_NAME_LENGTH } from "../core/limits.js";
import { Cursor, Limit } from "./common.js";
import { AgentId, Millis } from "./common.js";
import { EventId } from "./events.js";

export const TaskKind = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,63}$/, "a task kind is 1–64 characters of a–z 0–9 and -, starting with a letter")
  .meta({
    description:
      "what sort of work: HALO uses its weak-point kinds (route-failing, worldline-quarantined, …); resonance is kept per kind",
    example: "route-failing",
  });
export const Capability = z
  .union([TaskKind, z.literal("*")])
  .meta({ description: "a task kind the squad takes, or * for any" });
export const SquadName = z.string().min(1).max(MAX_NAME_LENGTH);
export const MemberId = AgentId.meta({
  description:
    "an agent id (its public key hex): a connection of the hub, or an agent hosted here (connected to the hub when the squad is saved)",
});

const uniqueItems = <T extends z.ZodType>(item: T, what: string) =>
  z
    .array(item)
    .min(1)
    .max(50)
    .superRefine((items, ctx) => {
      const seen = new Set<unknown>();
      items.forEach((value, i) => {
        if (seen.has(value)) ctx.addIssue({ code: "custom", path: [i], message: `${what} listed twice` });
        seen.add(value);
      });
    });

export const Squad = z
  .object({
    id: z.string(),
    name: SquadName,
    members: z.array(MemberId),
    capabilities: z.array(Capability),
    createdAt: Millis,
    updatedAt: Millis,
  })
  .meta({ id: "Squad" });
export type Squad = z.infer<typeof Squad>;

export const CreateSquad = z
  .object({
    name: SquadName,
    members: uniqueItems(MemberId, "member"),
    capabilities: uniqueItems(Capability, "capability").default(["*"]),
  })
  .meta({ id: "CreateSquad" });
export type CreateSquad = z.infer<typeof CreateSquad>;

export const UpdateSquad = z
  .object({
    name: SquadName.optional(),
    members: uniqueItems(MemberId, "member").optional(),
    capabilities: uniqueItems(Capability, "capability").optional(),
  })
  .refine((value) => value.name !== undefined || value.members !== undefined || value.capabilities !== undefined, {
    message: "give name, members or capabilities",
    path: ["name"],
  })
  .meta({ id: "UpdateSquad" });
export type UpdateSquad = z.infer<typeof UpdateSquad>;

/** A task's id as the routes take it (task_…); an id that names none is a 404. */
export const TaskId = z.string().max(64);
export const TaskStatus = z
  .enum(TASK_STATUSES)
  .meta({ description: "pending-approval → approved → dispatched → completed | failed; also rejected, cancelled" });
export const TaskSeverity = z.enum(["info", "warning", "error", "critical"]);
export const TaskOrigin = z.enum(["halo", "operator"]);
export const TaskActor = z.enum(["halo", "operator", "dispatcher", "member"]);

export const TaskTransition = z
  .object({
    status: TaskStatus,
    from: TaskStatus.nullable(),
    at: Millis,
    by: TaskActor,
    detail: z.string().optional(),
    agent: z.string().optional(),
    attempt: z.number().int().optional(),
  })
  .meta({ id: "TaskTransition", description: "one step of the task's history" });
export type TaskTransition = z.infer<typeof TaskTransition>;

export const TaskResult = z
  .object({ response: z.string(), agent: z.string(), attempt: z.number().int(), respondedAt: Millis })
  .meta({ id: "TaskResult", description: "the member's answer through the hub's webhook (signed by the member)" });
export type TaskResult = z.infer<typeof TaskResult>;

export const SquadTask = z
  .object({
    id: z.string(),
    kind: TaskKind,
    title: z.string(),
    description: z.string(),
    action: z.string().meta({ description: "the suggested action" }),
    subject: z.string().nullable(),
    fingerprint: z.string().nullable().meta({ description: "HALO's tasks: the weak point's `<kind>:<subject>`" }),
    severity: TaskSeverity,
    origin: TaskOrigin,
    status: TaskStatus,
    squadId: z.string().nullable(),
    agent: z.string().nullable().meta({ description: "the member the latest attempt went to" }),
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    timeoutSeconds: z.number().int(),
    nextAttemptAt: Millis.nullable().meta({ description: "when the next retry is due, while one is scheduled" }),
    result: TaskResult.nullable(),
    error: z.string().nullable(),
    evidence: z.object({
      cycleId: z.string().nullable(),
      weakPointId: z.string().nullable(),
      events: z.array(EventId),
    }),
    history: z.array(TaskTransition),
    createdAt: Millis,
    updatedAt: Millis,
    closedAt: Millis.nullable(),
  })
  .meta({ id: "SquadTask" });
export type SquadTask = z.infer<typeof SquadTask>;

export const AttemptOutcome = z.enum([
  "running",
  "completed",
  "timed-out",
  "delivery-failed",
  "no-member",
  "superseded",
  "cancelled",
]);
export type AttemptOutcome = z.infer<typeof AttemptOutcome>;
export const TaskAttempt = z
  .object({
    attempt: z.number().int(),
    agent: z.string().nullable(),
    squadId: z.string().nullable(),
    messageId: z
      .string()
      .nullable()
      .meta({ description: "the hub's mesh message (GET /api/v1/agents/hub/sent/{messageId})" }),
    startedAt: Millis,
    deadline: Millis,
    endedAt: Millis.nullable(),
    outcome: AttemptOutcome,
    error: z.string().nullable(),
  })
  .meta({ id: "TaskAttempt" });
export type TaskAttempt = z.infer<typeof TaskAttempt>;

export const SquadTaskDetail = SquadTask.extend({
  dispatches: z.array(TaskAttempt).meta({ description: "every attempt, oldest first" }),
}).meta({ id: "SquadTaskDetail" });
export type SquadTaskDetail = z.infer<typeof SquadTaskDetail>;

const Reason = z.string().min(1).max(1000);
const TimeoutSeconds = z
  .number()
  .int()
  .min(1)
  .max(86_400)
  .meta({ description: "how long a member has to answer one attempt" });
const MaxAttempts = z
  .number()
  .int()
  .min(1)
  .max(10)
  .meta({ description: "attempts before the task fails; failed attempts are retried with exponential backoff" });

export const CreateTask = z
  .object({
    kind: TaskKind,
    title: z.string().min(1).max(256),
    description: z.string().max(4096).default(""),
    action: z.string().max(4096).default(""),
    subject: z.string().min(1).max(512).optional(),
    severity: TaskSeverity.default("info"),
    squadId: z.string().max(64).optional(),
    timeoutSeconds: TimeoutSeconds.optional(),
    maxAttempts: MaxAttempts.optional(),
  })
  .meta({ id: "CreateTask" });
export type CreateTask = z.infer<typeof CreateTask>;

export const ApproveTask = z
  .object({
    reason: Reason.optional(),
    squadId: z
      .string()
      .max(64)
      .optional()
      .meta({ description: "the squad to send it to; default: any squad whose capabilities take its kind" }),
    timeoutSeconds: TimeoutSeconds.optional(),
    maxAttempts: MaxAttempts.optional(),
  })
  .meta({ id: "ApproveTask" });
export type ApproveTask = z.infer<typeof ApproveTask>;
export const DecideTask = z.object({ reason: Reason.optional() }).meta({ id: "DecideTask" });
export const DispatchTask = z
  .object({
    agent: MemberId.optional().meta({
      description: "send to this member; default: the member with the best resonance for the task's kind",
    }),
  })
  .meta({ id: "DispatchTask" });

export const ListTasksQuery = z.object({
  status: TaskStatus.optional(),
  squad: z.string().max(64).optional(),
  kind: TaskKind.optional(),
  origin: TaskOrigin.optional(),
  fingerprint: z
    .string()
    .max(1024)
    .optional()
    .meta({ description: "HALO's tasks for one weak point (`<kind>:<subject>`)" }),
  cursor: Cursor,
  limit: Limit,
});
export const ListSquadsQuery = z.object({ cursor: Cursor, limit: Limit });

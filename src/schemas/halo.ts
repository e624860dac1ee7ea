// HALO loop contracts (seed 003): cycles, the weak points they find, Memory DNA traits and
// resonance. Types are z.infer'd from here; OpenAPI is generated from here.
import { z } from "zod";
import { WEAK_POINT_KINDS } from "../core/halo.js";
import { Cursor, Limit } from "./common.js";
import { Millis } from "./common.js";
import { EventId } from "./events.js";

export const WeakPointKind = z
  .enum(WEAK_POINT_KINDS)
  .meta({ description: "what kind of weakness: also the kind of the task proposed for it" });
export type WeakPointKind = z.infer<typeof WeakPointKind>;
export const WeakPointSeverity = z.enum(["warning", "error", "critical"]);
export type WeakPointSeverity = z.infer<typeof WeakPointSeverity>;
export const CycleTrigger = z.enum(["event", "schedule", "manual", "replay"]).meta({
  description: "an error or critical event, the cron trigger, POST /api/v1/halo/cycles, or POST /api/v1/events/replay",
});
export type CycleTrigger = z.infer<typeof CycleTrigger>;

export const WeakPoint = z
  .object({
    id: z.string(),
    fingerprint: z.string().meta({ description: "`<kind>:<subject>`: one open task per fingerprint" }),
    kind: WeakPointKind,
    subject: z.string().meta({ example: "GET /api/v1/worldlines/:id" }),
    subsystem: z.string(),
    severity: WeakPointSeverity,
    score: z.number().min(0).max(1),
    detail: z.string(),
    action: z.string().meta({ description: "the suggested action, also the proposed task's" }),
    evidence: z.array(EventId).meta({ description: "the events behind it, newest first (at most 100)" }),
    evidenceCount: z.number().int(),
    taskId: z
      .string()
      .nullable()
      .meta({ description: "the task created for it, or the open task it was deduplicated into" }),
    isNew: z.boolean().meta({ description: "true when this cycle created the task" }),
  })
  .meta({ id: "WeakPoint" });
export type WeakPoint = z.infer<typeof WeakPoint>;

export const HaloCycle = z
  .object({
    id: z.string(),
    trigger: CycleTrigger,
    triggerEvents: z.array(EventId).meta({
      description: "the events that asked for this cycle (triggers arriving while a cycle runs share the next one)",
    }),
    startedAt: Millis,
    completedAt: Millis,
    durationMs: z.number().int(),
    windowStart: Millis.meta({ description: "the oldest event time the cycle read" }),
    eventsRead: z.number().int(),
    weakPoints: z.number().int(),
    tasksCreated: z.number().int(),
  })
  .meta({ id: "HaloCycle" });
export type HaloCycle = z.infer<typeof HaloCycle>;

export const HaloCycleDetail = HaloCycle.extend({
  found: z.array(WeakPoint).meta({ description: "the weak points, worst first" }),
}).meta({ id: "HaloCycleDetail" });
export type HaloCycleDetail = z.infer<typeof HaloCycleDetail>;

export const HaloTrait = z
  .object({
    fingerprint: z.string(),
    kind: z.string(),
    subject: z.string(),
    severity: WeakPointSeverity.meta({ description: "as last seen" }),
    isActive: z.boolean().meta({ description: "seen by the latest cycle" }),
    failures: z.number().int().meta({ description: "distinct evidence events HALO has counted for it" }),
    cycles: z.number().int().meta({ description: "cycles that found it" }),
    tasks: z.number().int().meta({ description: "tasks proposed for it" }),
    firstSeenAt: Millis,
    lastSeenAt: Millis,
    activeSince: Millis,
    resolutions: z.number().int().meta({ description: "times a cycle no longer found it after it was active" }),
    meanResolveMs: z
      .number()
      .int()
      .nullable()
      .meta({ description: "mean time from first found to no longer found, over its resolutions" }),
    lastResolvedAt: Millis.nullable(),
  })
  .meta({ id: "HaloTrait", description: "Memory DNA: what HALO has learned about one weak-point subject" });
export type HaloTrait = z.infer<typeof HaloTrait>;

export const ResonanceEntry = z
  .object({
    agent: z.string(),
    kind: z.string(),
    successes: z.number().int(),
    failures: z.number().int(),
    successRate: z
      .number()
      .min(0)
      .max(1)
      .meta({ description: "(successes + 1) / (attempts + 2): what dispatch ranks members by" }),
    meanMs: z.number().int().nullable().meta({ description: "mean time from dispatch to the answer, over successes" }),
    lastOutcomeAt: Millis,
  })
  .meta({ id: "ResonanceEntry", description: "how one agent's attempts at one kind of task ended" });
export type ResonanceEntry = z.infer<typeof ResonanceEntry>;

export const ListCyclesQuery = z.object({ trigger: CycleTrigger.optional(), cursor: Cursor, limit: Limit });
export const ListTraitsQuery = z.object({
  active: z
    .enum(["true", "false"])
    .optional()
    .transform((value) => (value === undefined ? undefined : value === "true"))
    .meta({ description: "only active (true) or resolved (false) subjects" }),
  kind: WeakPointKind.optional(),
  cursor: Cursor,
  limit: Limit,
});
export const ResonanceQuery = z.object({ agent: z.string().max(128).optional(), kind: z.string().max(64).optional() });

// Endpoints being built alongside the dashboard and not in the OpenAPI snapshot yet: the arbiter
// (src/routes/arbiter.ts, typed from its zod schemas) and the HALO squad tasks (typed from their
// schemas, seed 003: pending-approval → approved → dispatched → completed | failed).
// When the server lacks them, calls fail with ApiError.isMissingRoute and the views say so.
import type { z } from "zod";
import type { ArbiterStatus as ArbiterStatusSchema } from "../../../src/schemas/arbiter";
import type { SquadTask as SquadTaskSchema, SquadTaskDetail } from "../../../src/schemas/squads";
import type { WorldLine } from "./types";
import { request } from "./client";

export type ArbiterStatus = z.infer<typeof ArbiterStatusSchema>;
export type GenomeWeights = ArbiterStatus["genome"]["weights"];
export interface JournalEntry {
  index: number;
  timestamp: number;
  data: { type: string; [key: string]: unknown };
  previous_hash: string;
  hash: string;
}

export const arbiterStatus = (id: string) => request<ArbiterStatus>("GET", `/api/v1/worldlines/${id}/arbiter`);
export const arbiterJournal = (id: string) => request<{ entries: JournalEntry[] }>("GET", `/api/v1/worldlines/${id}/arbiter/journal?limit=1000`);
export const releaseWorldLine = (id: string) => request<WorldLine>("POST", `/api/v1/worldlines/${id}/release`);

/** HALO squad tasks, typed from their zod schemas (src/schemas/squads.ts); `dispatches` only on GET /tasks/{id}. */
export type SquadTask = z.infer<typeof SquadTaskSchema> & { dispatches?: z.infer<typeof SquadTaskDetail>["dispatches"] };
export type TaskTransition = SquadTask["history"][number];

export const listTasks = (status?: string) => request<{ items: SquadTask[]; next?: string | null }>("GET", `/api/v1/tasks${status ? `?status=${encodeURIComponent(status)}` : ""}`);
export const getTask = (id: string) => request<SquadTask>("GET", `/api/v1/tasks/${encodeURIComponent(id)}`);
export const dispatchTask = (id: string) => request<SquadTask>("POST", `/api/v1/tasks/${encodeURIComponent(id)}/dispatch`);
export const decideTask = (id: string, decision: "approve" | "reject", reason?: string) =>
  request<SquadTask>("POST", `/api/v1/tasks/${encodeURIComponent(id)}/${decision}`, reason ? { reason } : {});

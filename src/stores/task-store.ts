// Squad tasks, their attempts and resonance in D1 (drizzle). Every status change is one
// compare-and-set UPDATE that also appends the transition to the task's history, so a task
// never moves twice from one state and its history never misses a step.
import { and, asc, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { resonance, squadTaskAttempts, squadTasks } from "../db/schema.js";
import { OPEN_TASK_STATUSES, type TaskStatus } from "../core/task-lifecycle.js";
import type { ResonanceRecord } from "../core/resonance.js";
import type { AttemptOutcome, SquadTask, TaskAttempt, TaskResult, TaskTransition } from "../schemas/squads.js";
import { chunked, newestFirstPage, type Keyset, type KeysetPage } from "./page-cursor.js";

type TaskRow = typeof squadTasks.$inferSelect;
type AttemptRow = typeof squadTaskAttempts.$inferSelect;
type ResonanceRow = typeof resonance.$inferSelect;

const NEWEST_TASKS: Keyset<TaskRow> = {
  time: squadTasks.createdAt,
  id: squadTasks.id,
  of: (row) => [row.createdAt, row.id],
};

export function toTask(row: TaskRow): SquadTask {
  return {
    id: row.id,
    kind: row.kind,
    title: row.title,
    description: row.description,
    action: row.action,
    subject: row.subject,
    fingerprint: row.fingerprint,
    severity: row.severity as SquadTask["severity"],
    origin: row.origin as SquadTask["origin"],
    status: row.status as TaskStatus,
    squadId: row.squadId,
    agent: row.agent,
    attempts: row.attempts,
    maxAttempts: row.maxAttempts,
    timeoutSeconds: Math.round(row.timeoutMs / 1000),
    nextAttemptAt: row.nextAttemptAt,
    result: row.result === null ? null : (JSON.parse(row.result) as TaskResult),
    error: row.error,
    evidence: { cycleId: row.cycleId, weakPointId: row.weakPointId, events: JSON.parse(row.evidence) as string[] },
    history: JSON.parse(row.history) as TaskTransition[],
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    closedAt: row.closedAt,
  };
}

const toAttempt = (row: AttemptRow): TaskAttempt => ({
  attempt: row.attempt,
  agent: row.agent,
  squadId: row.squadId,
  messageId: row.messageId,
  startedAt: row.startedAt,
  deadline: row.deadline,
  endedAt: row.endedAt,
  outcome: row.outcome as AttemptOutcome,
  error: row.error,
});

/** A task to insert: the SquadTask's own fields, its evidence flat as stored, its timeout in milliseconds. */
export type NewTask = Pick<
  SquadTask,
  | "id"
  | "kind"
  | "title"
  | "description"
  | "action"
  | "subject"
  | "fingerprint"
  | "severity"
  | "origin"
  | "squadId"
  | "maxAttempts"
  | "createdAt"
> & {
  cycleId: string | null;
  weakPointId: string | null;
  evidence: string[];
  timeoutMs: number;
};

/** Column changes a transition may make besides status, history and updatedAt. */
export type TaskChanges = Partial<
  Pick<
    TaskRow,
    "squadId" | "agent" | "attempts" | "maxAttempts" | "timeoutMs" | "nextAttemptAt" | "result" | "error" | "closedAt"
  >
>;

export interface TaskFilters {
  status?: TaskStatus;
  squad?: string;
  kind?: string;
  origin?: SquadTask["origin"];
  fingerprint?: string;
  cursor?: string;
  limit: number;
}

export class TaskStore {
  private readonly db;

  constructor(d1: D1Database) {
    this.db = drizzle(d1);
  }

  /**
   * Inserts a task in `pending-approval`. Null when an open task already holds its fingerprint:
   * the partial unique index makes that check and the insert one atomic step.
   */
  async insert(task: NewTask): Promise<SquadTask | null> {
    return (await this.insertMany([task]))[0]!;
  }

  /** `insert` for many tasks in one D1 round trip; each answer in the order given. */
  async insertMany(tasks: NewTask[]): Promise<Array<SquadTask | null>> {
    const statements = tasks.map((task) => {
      const first: TaskTransition = { status: "pending-approval", from: null, at: task.createdAt, by: task.origin };
      return this.db
        .insert(squadTasks)
        .values({
          ...task,
          evidence: JSON.stringify(task.evidence),
          status: "pending-approval",
          agent: null,
          attempts: 0,
          nextAttemptAt: null,
          result: null,
          error: null,
          history: JSON.stringify([first]),
          updatedAt: task.createdAt,
          closedAt: null,
        })
        .onConflictDoNothing()
        .returning();
    });
    if (statements.length === 0) return [];
    const results = await this.db.batch(statements as [(typeof statements)[0], ...typeof statements]);
    return results.map((rows) => (rows[0] ? toTask(rows[0]) : null));
  }

  async get(id: string): Promise<SquadTask | null> {
    const row = (await this.db.select().from(squadTasks).where(eq(squadTasks.id, id)).limit(1))[0];
    return row ? toTask(row) : null;
  }

  async list(filters: TaskFilters): Promise<KeysetPage<SquadTask>> {
    const where = [
      filters.status ? eq(squadTasks.status, filters.status) : undefined,
      filters.squad ? eq(squadTasks.squadId, filters.squad) : undefined,
      filters.kind ? eq(squadTasks.kind, filters.kind) : undefined,
      filters.origin ? eq(squadTasks.origin, filters.origin) : undefined,
      filters.fingerprint ? eq(squadTasks.fingerprint, filters.fingerprint) : undefined,
    ];
    return newestFirstPage(this.db.select().from(squadTasks).$dynamic(), NEWEST_TASKS, where, filters, toTask);
  }

  /** The newest task of each fingerprint: what HALO's dedupe looks at. */
  async latestByFingerprint(fingerprints: string[]): Promise<Map<string, SquadTask>> {
    const latest = new Map<string, SquadTask>();
    for (const chunk of chunked([...new Set(fingerprints)])) {
      const rows = await this.db
        .select()
        .from(squadTasks)
        .where(inArray(squadTasks.fingerprint, chunk))
        .orderBy(desc(squadTasks.createdAt), desc(squadTasks.id));
      for (const row of rows) if (!latest.has(row.fingerprint!)) latest.set(row.fingerprint!, toTask(row));
    }
    return latest;
  }

  async openByFingerprint(fingerprint: string): Promise<SquadTask | null> {
    const row = (
      await this.db
        .select()
        .from(squadTasks)
        .where(and(eq(squadTasks.fingerprint, fingerprint), inArray(squadTasks.status, [...OPEN_TASK_STATUSES])))
        .limit(1)
    )[0];
    return row ? toTask(row) : null;
  }

  /**
   * Moves the task to `to` if it is still in one of `from` (and, with `attempts`, still on that
   * attempt), appending `entry` to its history in the same statement. Null when it was not:
   * someone else moved it first.
   */
  async transition(
    id: string,
    from: readonly TaskStatus[],
    to: TaskStatus,
    entry: Omit<TaskTransition, "status" | "from">,
    changes: TaskChanges = {},
    attempts?: number,
  ): Promise<SquadTask | null> {
    const current = await this.get(id);
    if (!current || !from.includes(current.status) || (attempts !== undefined && current.attempts !== attempts))
      return null;
    const step: TaskTransition = { status: to, from: current.status, ...entry };
    const where = [eq(squadTasks.id, id), eq(squadTasks.status, current.status)];
    if (attempts !== undefined) where.push(eq(squadTasks.attempts, attempts));
    const rows = await this.db
      .update(squadTasks)
      .set({
        ...changes,
        status: to,
        updatedAt: entry.at,
        history: sql`json_insert(${squadTasks.history}, '$[#]', json(${JSON.stringify(step)}))`,
      })
      .where(and(...where))
      .returning();
    return rows[0] ? toTask(rows[0]) : null;
  }

  /** Changes fields of a task that stays where it is, if it is still there (and on that attempt). */
  async update(
    id: string,
    status: TaskStatus,
    changes: TaskChanges,
    at: number,
    attempts?: number,
  ): Promise<SquadTask | null> {
    const where = [eq(squadTasks.id, id), eq(squadTasks.status, status)];
    if (attempts !== undefined) where.push(eq(squadTasks.attempts, attempts));
    const rows = await this.db
      .update(squadTasks)
      .set({ ...changes, updatedAt: at })
      .where(and(...where))
      .returning();
    return rows[0] ? toTask(rows[0]) : null;
  }

  // ---- attempts --------------------------------------------------------------------------

  async startAttempt(attempt: {
    taskId: string;
    attempt: number;
    agent: string | null;
    squadId: string | null;
    startedAt: number;
    deadline: number;
    outcome?: AttemptOutcome;
    error?: string;
  }): Promise<void> {
    await this.db
      .insert(squadTaskAttempts)
      .values({
        ...attempt,
        messageId: null,
        endedAt: attempt.outcome && attempt.outcome !== "running" ? attempt.startedAt : null,
        outcome: attempt.outcome ?? "running",
        error: attempt.error ?? null,
      })
      .onConflictDoNothing();
  }

  async setAttemptMessage(taskId: string, attempt: number, messageId: string): Promise<void> {
    await this.db
      .update(squadTaskAttempts)
      .set({ messageId })
      .where(and(eq(squadTaskAttempts.taskId, taskId), eq(squadTaskAttempts.attempt, attempt)));
  }

  /** Ends a running attempt; false when it had ended already. */
  async endAttempt(
    taskId: string,
    attempt: number,
    outcome: AttemptOutcome,
    at: number,
    error: string | null = null,
  ): Promise<boolean> {
    const rows = await this.db
      .update(squadTaskAttempts)
      .set({ outcome, endedAt: at, error })
      .where(
        and(
          eq(squadTaskAttempts.taskId, taskId),
          eq(squadTaskAttempts.attempt, attempt),
          eq(squadTaskAttempts.outcome, "running"),
        ),
      )
      .returning({ attempt: squadTaskAttempts.attempt });
    return rows.length > 0;
  }

  /** The attempt a member answered: completed, even if it had timed out before the answer came. */
  async markAnswered(taskId: string, attempt: number, at: number): Promise<void> {
    await this.db
      .update(squadTaskAttempts)
      .set({ outcome: "completed", endedAt: at, error: null })
      .where(and(eq(squadTaskAttempts.taskId, taskId), eq(squadTaskAttempts.attempt, attempt)));
  }

  /** Ends every still-running attempt of a task (the task closed some other way). */
  async endRunningAttempts(taskId: string, outcome: AttemptOutcome, at: number): Promise<void> {
    await this.db
      .update(squadTaskAttempts)
      .set({ outcome, endedAt: at })
      .where(and(eq(squadTaskAttempts.taskId, taskId), eq(squadTaskAttempts.outcome, "running")));
  }

  async attempt(taskId: string, attempt: number): Promise<TaskAttempt | null> {
    const row = (
      await this.db
        .select()
        .from(squadTaskAttempts)
        .where(and(eq(squadTaskAttempts.taskId, taskId), eq(squadTaskAttempts.attempt, attempt)))
        .limit(1)
    )[0];
    return row ? toAttempt(row) : null;
  }

  async attemptByMessage(messageId: string): Promise<(TaskAttempt & { taskId: string }) | null> {
    const row = (
      await this.db.select().from(squadTaskAttempts).where(eq(squadTaskAttempts.messageId, messageId)).limit(1)
    )[0];
    return row ? { ...toAttempt(row), taskId: row.taskId } : null;
  }

  async attemptsOf(taskId: string): Promise<TaskAttempt[]> {
    return (
      await this.db
        .select()
        .from(squadTaskAttempts)
        .where(eq(squadTaskAttempts.taskId, taskId))
        .orderBy(asc(squadTaskAttempts.attempt))
    ).map(toAttempt);
  }

  /** Running attempts per agent: the tie-breaker between equally good members. */
  async load(agents: string[]): Promise<Map<string, number>> {
    const load = new Map<string, number>();
    for (const chunk of chunked(agents)) {
      const rows = await this.db
        .select({ agent: squadTaskAttempts.agent, running: sql<number>`count(*)` })
        .from(squadTaskAttempts)
        .where(and(eq(squadTaskAttempts.outcome, "running"), inArray(squadTaskAttempts.agent, chunk)))
        .groupBy(squadTaskAttempts.agent);
      for (const row of rows) if (row.agent) load.set(row.agent, row.running);
    }
    return load;
  }

  // ---- resonance -------------------------------------------------------------------------

  async resonanceFor(agents: string[], kind: string): Promise<Map<string, ResonanceRecord>> {
    const records = new Map<string, ResonanceRecord>();
    for (const chunk of chunked(agents)) {
      const rows = await this.db
        .select()
        .from(resonance)
        .where(and(eq(resonance.kind, kind), inArray(resonance.agent, chunk)));
      for (const row of rows) records.set(row.agent, row);
    }
    return records;
  }

  async recordOutcome(
    agent: string,
    kind: string,
    outcome: { success: boolean; ms: number; at: number },
  ): Promise<void> {
    const successes = outcome.success ? 1 : 0;
    const ms = outcome.success ? Math.max(0, Math.round(outcome.ms)) : 0;
    await this.db
      .insert(resonance)
      .values({ agent, kind, successes, failures: 1 - successes, totalMs: ms, lastOutcomeAt: outcome.at })
      .onConflictDoUpdate({
        target: [resonance.agent, resonance.kind],
        set: {
          successes: sql`${resonance.successes} + ${successes}`,
          failures: sql`${resonance.failures} + ${1 - successes}`,
          totalMs: sql`${resonance.totalMs} + ${ms}`,
          lastOutcomeAt: outcome.at,
        },
      });
  }

  async listResonance(filters: { agent?: string; kind?: string }): Promise<ResonanceRow[]> {
    const where: SQL[] = [];
    if (filters.agent) where.push(eq(resonance.agent, filters.agent));
    if (filters.kind) where.push(eq(resonance.kind, filters.kind));
    return this.db
      .select()
      .from(resonance)
      .where(where.length ? and(...where) : undefined)
      .orderBy(asc(resonance.kind), desc(resonance.successes), asc(resonance.agent))
      .limit(1000);
  }
}

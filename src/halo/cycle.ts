// One HALO cycle, the runtime side: read the event window and current state, let the rules of
// src/core/halo.ts find the weak points, turn each new one into a `pending-approval` squad task,
// update Memory DNA, persist the cycle and announce it. Cycles run one at a time inside the Halo
// Durable Object (durable-objects/halo.ts), which is what callers go through.
import {
  findWeakPoints,
  isNewWeakPoint,
  observeTrait,
  resolveTrait,
  type MeshPeer,
  type FoundWeakPoint,
  type Trait,
  type WeakPointMemory,
} from "../core/halo.js";
import { newId } from "../core/ids.js";
import { describeError, type SystemEventInput } from "../core/events.js";
import { DEFAULT_TASK_MAX_ATTEMPTS, DEFAULT_TASK_TIMEOUT_SECONDS, isOpenTask } from "../core/task-lifecycle.js";
import { unwrap } from "../core/problem.js";
import { HaloStore } from "../stores/halo-store.js";
import { TaskStore } from "../stores/task-store.js";
import { emitEvents } from "../events/producer.js";
import type { CycleTrigger, HaloCycle, HaloCycleDetail, WeakPoint } from "../schemas/halo.js";
import type { SquadTask } from "../schemas/squads.js";
import { HUB_AGENT } from "../core/object-names.js";
import { hostedAgent } from "../mesh/hub.js";

export const DEFAULT_HALO_WINDOW_SECONDS = 15 * 60;

export interface CycleRequest {
  trigger: CycleTrigger;
  /** The events that asked for the cycle (none for the schedule and manual runs). */
  events: string[];
  /**
   * A replay's window start: the cycle reads from here when it is earlier than its usual window,
   * so replayed events are in what it looks at. Never later: a narrower window would resolve
   * traits that are still active.
   */
  since?: number;
}

export function haloWindowMs(env: Pick<Env, "DM_HALO_WINDOW_SECONDS">): number {
  const seconds = Number(env.DM_HALO_WINDOW_SECONDS);
  return (
    (env.DM_HALO_WINDOW_SECONDS !== undefined && Number.isFinite(seconds) && seconds > 0
      ? seconds
      : DEFAULT_HALO_WINDOW_SECONDS) * 1000
  );
}

export async function runHaloCycle(env: Env, request: CycleRequest): Promise<HaloCycleDetail> {
  const startedAt = Date.now();
  const halo = new HaloStore(env.DB);
  const tasks = new TaskStore(env.DB);
  const windowStart = Math.min(startedAt - haloWindowMs(env), request.since ?? Infinity);
  const [events, quarantined, peers] = await Promise.all([halo.window(windowStart), halo.quarantined(), hubPeers(env)]);
  const points = findWeakPoints({ events, quarantined, peers });
  const fingerprints = points.map((point) => point.fingerprint);
  const [traits, latest] = await Promise.all([halo.traits(fingerprints), tasks.latestByFingerprint(fingerprints)]);

  // New weak points become tasks, all in one D1 batch.
  const cycleId = newId("hc", startedAt);
  const judged = points.map((point) => {
    const memory = memoryOf(traits.get(point.fingerprint), latest.get(point.fingerprint));
    return {
      point,
      id: newId("wp", startedAt),
      openTaskId: memory?.openTaskId ?? null,
      isNew: isNewWeakPoint(point, memory),
    };
  });
  const proposals = judged.filter((j) => j.isNew);
  const inserted = await tasks.insertMany(proposals.map((j) => taskFor(j.point, cycleId, j.id, Date.now())));
  const created: Array<{ point: FoundWeakPoint; id: string; task: SquadTask }> = [];
  const taskOf = new Map<string, string | null>();
  for (const [i, j] of proposals.entries()) {
    const task = inserted[i]!;
    if (task) created.push({ point: j.point, id: j.id, task });
    // null: an open task appeared since we looked (the partial unique index refused a second one)
    taskOf.set(j.id, task?.id ?? (await tasks.openByFingerprint(j.point.fingerprint))?.id ?? null);
  }
  const createdIds = new Set(created.map((c) => c.id));
  const found: WeakPoint[] = judged.map(({ point, id, openTaskId }) => ({
    id,
    fingerprint: point.fingerprint,
    kind: point.kind,
    subject: point.subject,
    subsystem: point.subsystem,
    severity: point.severity,
    score: point.score,
    detail: point.detail,
    action: point.action,
    evidence: point.evidence.map((e) => e.id),
    evidenceCount: point.evidenceCount,
    taskId: taskOf.has(id) ? taskOf.get(id)! : openTaskId,
    isNew: createdIds.has(id),
  }));

  // Memory DNA: every subject seen is observed, every active subject no longer seen is resolved.
  const now = Date.now();
  const failures = await halo.countEvidence(
    points.flatMap((point) =>
      point.evidence.map((e) => ({ fingerprint: point.fingerprint, eventId: e.id, time: e.time })),
    ),
  );
  const createdFingerprints = new Set(created.map((c) => c.point.fingerprint));
  const changed: Trait[] = points.map((point) =>
    observeTrait(traits.get(point.fingerprint), point, {
      now,
      failures: failures.get(point.fingerprint) ?? 0,
      taskCreated: createdFingerprints.has(point.fingerprint),
    }),
  );
  const seen = new Set(fingerprints);
  for (const trait of traits.values())
    if (trait.isActive && !seen.has(trait.fingerprint)) changed.push(resolveTrait(trait, now));

  const cycle: HaloCycle = {
    id: cycleId,
    trigger: request.trigger,
    triggerEvents: request.events.slice(0, 100),
    startedAt,
    completedAt: now,
    durationMs: now - startedAt,
    windowStart,
    eventsRead: events.length,
    weakPoints: found.length,
    tasksCreated: created.length,
  };
  await halo.saveCycle(cycle, found, changed);

  const announcements: SystemEventInput[] = [
    {
      type: "halo.cycle.completed",
      data: {
        cycleId,
        ...(request.events[0] && { trigger: request.events[0] }),
        weakPoints: found.length,
        tasksCreated: created.length,
        durationMs: cycle.durationMs,
      },
    },
    ...created
      .filter(({ point }) => point.severity === "critical")
      .map(({ point, id }): SystemEventInput => ({
        type: "halo.weakpoint.critical",
        data: {
          cycleId,
          weakPoint: id,
          subsystem: point.subsystem,
          score: point.score,
          detail: point.detail.slice(0, 4096),
        },
      })),
  ];
  await emitEvents(env, announcements);
  return { ...cycle, found };
}

function memoryOf(trait: Trait | undefined, latest: SquadTask | undefined): WeakPointMemory | undefined {
  if (!trait && !latest) return undefined;
  const isOpen = latest !== undefined && isOpenTask(latest.status);
  return {
    openTaskId: isOpen ? latest.id : null,
    lastClosedAt: latest && !isOpen ? (latest.closedAt ?? latest.updatedAt) : null,
    wasActive: trait?.isActive ?? false,
  };
}

function taskFor(point: FoundWeakPoint, cycleId: string, weakPointId: string, now: number) {
  return {
    id: newId("task", now),
    kind: point.kind,
    title: point.title,
    description: point.detail,
    action: point.action,
    subject: point.subject,
    fingerprint: point.fingerprint,
    severity: point.severity,
    origin: "halo" as const,
    cycleId,
    weakPointId,
    evidence: point.evidence.slice(0, 20).map((e) => e.id),
    squadId: null,
    maxAttempts: DEFAULT_TASK_MAX_ATTEMPTS,
    timeoutMs: DEFAULT_TASK_TIMEOUT_SECONDS * 1000,
    createdAt: now,
  };
}

/** The hub's connections as its health checks left them; none when the hub is not configured. */
async function hubPeers(env: Env): Promise<MeshPeer[]> {
  try {
    const { connections } = unwrap(await (await hostedAgent(env, HUB_AGENT)).listConnections());
    return connections.map((c) => ({ agentId: c.agent_id, url: c.agent_url, healthFailures: c.health_failures }));
  } catch (error) {
    // Without DM_HUB_PASSPORT there is no hub; the mesh rule then simply has nothing to look at.
    console.error("halo: the hub's connections are unavailable this cycle", describeError(error));
    return [];
  }
}

// The HALO loop's rules (seed 003: "HALO Loop analyzes the system → weak points → tasks"), pure:
// from a window of recent events and a snapshot of current state, the weak points — each with a
// kind, a subject, a severity, the evidence (event ids) and a suggested action — and whether a
// weak point is new enough to become a squad task. The runtime side (reading D1, the hub's
// connections, persisting cycles) is src/halo/cycle.ts.
import type { Event, Severity } from "../schemas/events.js";
import { namespaceOf } from "../schemas/event-data.js";
import type { HaloTrait, WeakPoint, WeakPointKind, WeakPointSeverity } from "../schemas/halo.js";

export const WEAK_POINT_KINDS = [
  "route-failing",
  "worldline-quarantined",
  "worldline-alerting",
  "task-failing",
  "agent-unreachable",
  "error-events",
] as const;

/** An event as HALO reads it: the stored envelope without its source. */
export type HaloEvent = Pick<Event, "id" | "type" | "severity" | "time" | "worldline" | "agent" | "data">;

export interface QuarantinedWorldLine {
  id: string;
  name: string;
  /** Its latest quarantine events, wherever they fall (a quarantine outlives the event window). */
  evidence: HaloEvent[];
}

/** A connection of the hub, as its health checks left it. */
export interface MeshPeer {
  agentId: string;
  url: string;
  healthFailures: number;
}

export interface HaloObservations {
  /** Warning, error and critical events of the window, any order. */
  events: HaloEvent[];
  quarantined: QuarantinedWorldLine[];
  peers: MeshPeer[];
}

/**
 * A weak point as a cycle finds it: the stored and reported `WeakPoint` (src/schemas/halo.ts)
 * before it has an id and a task, with its title and its evidence's times (`score` is 0–1: the
 * severity's band plus a little for every repetition).
 */
export type FoundWeakPoint = Omit<WeakPoint, "id" | "taskId" | "isNew" | "evidence"> & {
  title: string;
  /** Newest first, at most MAX_EVIDENCE. */
  evidence: Array<{ id: string; time: number }>;
  newestEvidenceAt: number | null;
};

export const HALO_THRESHOLDS = {
  /** api.endpoint.failed events of one route before it is a weak point, and before it is critical. */
  routeFailures: 3,
  routeFailuresCritical: 10,
  /** arbiter.alert events of one world line (not quarantined) before it is a weak point. */
  alerts: 3,
  /** failed attempts of one task before it is a weak point (its final failure always is). */
  taskAttemptFailures: 3,
  /** consecutive failed health checks of a hub connection. */
  peerHealthFailures: 3,
  /** failed deliveries of task messages to one agent. */
  deliveryFailures: 2,
} as const;

export const MAX_EVIDENCE = 100;
/** The prefix dispatch puts on a delivery failure's error, so HALO can tell it from a timeout. */
export const DELIVERY_FAILED = "delivery failed";

/** Types claimed by a specific rule: never reported again as plain error events. */
const CLAIMED_TYPES = new Set([
  "api.endpoint.failed",
  "arbiter.alert",
  "arbiter.quarantine",
  "worldline.quarantined",
  "squad.task.failed",
]);

export const fingerprintOf = (kind: WeakPointKind, subject: string) => `${kind}:${subject}`;

const SEVERITY_BASE: Record<WeakPointSeverity, number> = { warning: 0.4, error: 0.6, critical: 0.85 };
export function weakPointScore(severity: WeakPointSeverity, occurrences: number): number {
  return (
    Math.round(Math.min(1, SEVERITY_BASE[severity] + Math.min(0.14, 0.02 * Math.max(0, occurrences - 1))) * 1000) / 1000
  );
}

const RANK: Record<WeakPointSeverity, number> = { warning: 0, error: 1, critical: 2 };
const worst = (severities: Iterable<WeakPointSeverity>): WeakPointSeverity =>
  [...severities].reduce((a, b) => (RANK[b] > RANK[a] ? b : a), "warning");
const asWeakPointSeverity = (severity: Severity): WeakPointSeverity =>
  severity === "critical" ? "critical" : severity === "error" ? "error" : "warning";
const short = (id: string) => (id.length > 16 ? `${id.slice(0, 12)}…` : id);
const text = (value: unknown) => (typeof value === "string" ? value : value === undefined ? "" : JSON.stringify(value));

function groupBy<T>(items: T[], key: (item: T) => string | null): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === null) continue;
    groups.set(k, [...(groups.get(k) ?? []), item]);
  }
  return groups;
}

function weakPoint(
  input: Omit<FoundWeakPoint, "fingerprint" | "score" | "evidence" | "evidenceCount" | "newestEvidenceAt">,
  events: HaloEvent[],
  occurrences = events.length,
): FoundWeakPoint {
  const unique = [...new Map(events.map((e) => [e.id, e])).values()].sort(
    (a, b) => b.time - a.time || (a.id < b.id ? 1 : -1),
  );
  return {
    ...input,
    fingerprint: fingerprintOf(input.kind, input.subject),
    score: weakPointScore(input.severity, Math.max(1, occurrences)),
    evidence: unique.slice(0, MAX_EVIDENCE).map((e) => ({ id: e.id, time: e.time })),
    evidenceCount: unique.length,
    newestEvidenceAt: unique.length ? unique[0]!.time : null,
  };
}

/** Every weak point in the observations, worst first. HALO's own events are never evidence. */
export function findWeakPoints(observed: HaloObservations, thresholds = HALO_THRESHOLDS): FoundWeakPoint[] {
  const events = observed.events.filter((e) => namespaceOf(e.type) !== "halo");
  const found = [
    ...failingRoutes(events, thresholds),
    ...quarantinedWorldLines(events, observed.quarantined),
    ...alertingWorldLines(events, observed.quarantined, thresholds),
    ...failingTasks(events, thresholds),
    ...unreachableAgents(events, observed.peers, thresholds),
    ...errorEvents(events),
  ];
  return found.sort(
    (a, b) => RANK[b.severity] - RANK[a.severity] || b.score - a.score || (a.fingerprint < b.fingerprint ? -1 : 1),
  );
}

function failingRoutes(events: HaloEvent[], t: typeof HALO_THRESHOLDS): FoundWeakPoint[] {
  const failures = events.filter((e) => e.type === "api.endpoint.failed" && typeof e.data.route === "string");
  return [...groupBy(failures, (e) => `${text(e.data.method)} ${text(e.data.route)}`)]
    .filter(([, list]) => list.length >= t.routeFailures)
    .map(([route, list]) => {
      const serverErrors = list.filter((e) => e.data.reason === "server-error");
      const latest = [...serverErrors].sort((a, b) => b.time - a.time)[0];
      const critical = list.length >= t.routeFailuresCritical || list.some((e) => e.severity === "critical");
      const last = latest
        ? `; last ${text(latest.data.status)}${latest.data.code ? ` ${text(latest.data.code)}` : ""}`
        : "";
      return weakPoint(
        {
          kind: "route-failing",
          subject: route,
          subsystem: "api",
          severity: critical ? "critical" : "error",
          title: `Route ${route} keeps failing`,
          detail: `${list.length} failures of ${route} in the window (${serverErrors.length} server errors, ${list.length - serverErrors.length} client-error spikes${last})`,
          action: `Find why ${route} fails (the evidence events carry status and problem code), fix the handler or what it depends on, and check that the route's next api.endpoint.success rollup has no server errors.`,
        },
        list,
      );
    });
}

function quarantinedWorldLines(events: HaloEvent[], quarantined: QuarantinedWorldLine[]): FoundWeakPoint[] {
  return quarantined.map((wl) => {
    const evidence = [
      ...wl.evidence,
      ...events.filter(
        (e) => e.worldline === wl.id && (e.type === "arbiter.quarantine" || e.type === "worldline.quarantined"),
      ),
    ];
    const latest = [...evidence].sort((a, b) => b.time - a.time).find((e) => e.type === "worldline.quarantined");
    const why = latest ? `: ${text(latest.data.reason)}` : "";
    return weakPoint(
      {
        kind: "worldline-quarantined",
        subject: `worldline:${wl.id}`,
        subsystem: "worldline",
        severity: "critical",
        title: `World line ${wl.name} is quarantined`,
        detail: `world line ${wl.name} (${wl.id}) is quarantined by the arbiter and refuses writes${why}`,
        action: `Read the arbiter's journal (GET /api/v1/worldlines/${wl.id}/arbiter/journal), correct what ran away, then release the world line (POST /api/v1/worldlines/${wl.id}/release).`,
      },
      evidence,
      1,
    );
  });
}

function alertingWorldLines(
  events: HaloEvent[],
  quarantined: QuarantinedWorldLine[],
  t: typeof HALO_THRESHOLDS,
): FoundWeakPoint[] {
  const locked = new Set(quarantined.map((wl) => wl.id));
  const alerts = events.filter(
    (e) => e.type === "arbiter.alert" && e.worldline !== undefined && !locked.has(e.worldline),
  );
  return [...groupBy(alerts, (e) => e.worldline!)]
    .filter(([, list]) => list.length >= t.alerts)
    .map(([worldline, list]) => {
      const peak = Math.max(...list.map((e) => Number(e.data.threat) || 0));
      return weakPoint(
        {
          kind: "worldline-alerting",
          subject: `worldline:${worldline}`,
          subsystem: "worldline",
          severity: "warning",
          title: `World line ${worldline} keeps alerting`,
          detail: `the arbiter raised ${list.length} alerts on world line ${worldline} in the window (peak threat ${peak.toFixed(3)})`,
          action: `Look at world line ${worldline}'s arbiter status and telemetry (GET /api/v1/worldlines/${worldline}/arbiter) and damp what drives the threat before it reaches quarantine.`,
        },
        list,
      );
    });
}

function failingTasks(events: HaloEvent[], t: typeof HALO_THRESHOLDS): FoundWeakPoint[] {
  const failures = events.filter((e) => e.type === "squad.task.failed" && typeof e.data.taskId === "string");
  return [...groupBy(failures, (e) => e.data.taskId as string)]
    .filter(([, list]) => list.length >= t.taskAttemptFailures || list.some((e) => e.data.retryable !== true))
    .map(([taskId, list]) => {
      const isFinal = list.some((e) => e.data.retryable !== true);
      const last = [...list].sort((a, b) => b.time - a.time)[0]!;
      return weakPoint(
        {
          kind: "task-failing",
          subject: `task:${taskId}`,
          subsystem: "squad",
          severity: isFinal ? "error" : "warning",
          title: `Task ${taskId} keeps failing`,
          detail: `task ${taskId} failed ${list.length} attempt(s)${isFinal ? " and gave up" : ""}; last error: ${text(last.data.error)}`,
          action: `Read task ${taskId}'s attempts (GET /api/v1/tasks/${taskId}), then revise what it asks, give its squad a member that can do it, or leave it closed.`,
        },
        list,
      );
    });
}

function unreachableAgents(events: HaloEvent[], peers: MeshPeer[], t: typeof HALO_THRESHOLDS): FoundWeakPoint[] {
  const deliveries = events.filter(
    (e) => e.type === "squad.task.failed" && e.agent !== undefined && text(e.data.error).startsWith(DELIVERY_FAILED),
  );
  const byAgent = groupBy(deliveries, (e) => e.agent!);
  const unhealthy = new Map(peers.filter((p) => p.healthFailures >= t.peerHealthFailures).map((p) => [p.agentId, p]));
  const agents = new Set([
    ...unhealthy.keys(),
    ...[...byAgent].filter(([, list]) => list.length >= t.deliveryFailures).map(([agent]) => agent),
  ]);
  return [...agents].map((agent) => {
    const list = byAgent.get(agent) ?? [];
    const peer = unhealthy.get(agent) ?? peers.find((p) => p.agentId === agent);
    const reasons = [
      peer && peer.healthFailures >= t.peerHealthFailures ? `${peer.healthFailures} failed health checks` : "",
      list.length ? `${list.length} failed task deliveries` : "",
    ]
      .filter(Boolean)
      .join(" and ");
    return weakPoint(
      {
        kind: "agent-unreachable",
        subject: `agent:${agent}`,
        subsystem: "mesh",
        severity: "error",
        title: `Agent ${short(agent)} is unreachable`,
        detail: `agent ${agent}${peer ? ` at ${peer.url}` : ""} is unreachable: ${reasons}`,
        action: `Check that agent ${short(agent)} is running and reachable${peer ? ` at ${peer.url}` : ""}; if it moved it should announce a peer_update, otherwise take it out of its squads.`,
      },
      list,
      Math.max(list.length, peer?.healthFailures ?? 0),
    );
  });
}

function errorEvents(events: HaloEvent[]): FoundWeakPoint[] {
  const errors = events.filter(
    (e) => (e.severity === "error" || e.severity === "critical") && !CLAIMED_TYPES.has(e.type),
  );
  return [...groupBy(errors, (e) => `${e.type}${e.worldline ? `@${e.worldline}` : e.agent ? `@${e.agent}` : ""}`)].map(
    ([key, list]) => {
      const type = list[0]!.type;
      const about = list[0]!.worldline ?? list[0]!.agent;
      const severity = worst(list.map((e) => asWeakPointSeverity(e.severity)));
      return weakPoint(
        {
          kind: "error-events",
          subject: `event:${key}`,
          subsystem: namespaceOf(type),
          severity,
          title: `${type} ${severity === "critical" ? "critical events" : "errors"}${about ? ` on ${short(about)}` : ""}`,
          detail: `${list.length} ${type} event(s) of severity ${severity} in the window${about ? ` about ${about}` : ""}`,
          action: `Read the evidence events (GET /api/v1/events/<id>), find what emits ${type} and fix the cause; if the events are expected, report them with a lower severity.`,
        },
        list,
      );
    },
  );
}

/** What HALO remembers about a fingerprint when a cycle starts. */
export interface WeakPointMemory {
  /** An open task for it (pending-approval, approved, dispatched), if any. */
  openTaskId: string | null;
  /** When its most recent task closed (completed, failed, rejected, cancelled), if it ever had one. */
  lastClosedAt: number | null;
  /** Seen by the previous cycle (its trait is active). */
  wasActive: boolean;
}

/**
 * Does this weak point deserve a new task? Not while a task for it is open. After its last task
 * closed, only if it went away and came back, or if something happened again since (evidence
 * newer than the closing): a rejected task is not re-proposed every cycle for the same old events.
 */
export function isNewWeakPoint(
  point: Pick<FoundWeakPoint, "newestEvidenceAt">,
  memory: WeakPointMemory | undefined,
): boolean {
  if (!memory) return true;
  if (memory.openTaskId !== null) return false;
  if (memory.lastClosedAt === null || !memory.wasActive) return true;
  return point.newestEvidenceAt !== null && point.newestEvidenceAt > memory.lastClosedAt;
}

/** Memory DNA: one subject's traits, as stored: the `HaloTrait` the API shows keeps the total its mean is computed from. */
export type Trait = Omit<HaloTrait, "meanResolveMs"> & { totalResolveMs: number };

/** A cycle saw the weak point: `failures` is the count of distinct evidence events ever seen for it. */
export function observeTrait(
  previous: Trait | undefined,
  point: FoundWeakPoint,
  update: { now: number; failures: number; taskCreated: boolean },
): Trait {
  const reactivated = !previous || !previous.isActive;
  return {
    fingerprint: point.fingerprint,
    kind: point.kind,
    subject: point.subject,
    severity: point.severity,
    isActive: true,
    failures: Math.max(update.failures, previous?.failures ?? 0),
    cycles: (previous?.cycles ?? 0) + 1,
    tasks: (previous?.tasks ?? 0) + (update.taskCreated ? 1 : 0),
    firstSeenAt: previous?.firstSeenAt ?? update.now,
    lastSeenAt: update.now,
    activeSince: reactivated ? update.now : previous.activeSince,
    resolutions: previous?.resolutions ?? 0,
    totalResolveMs: previous?.totalResolveMs ?? 0,
    lastResolvedAt: previous?.lastResolvedAt ?? null,
  };
}

/** A cycle no longer sees an active weak point: it is resolved, and the time it was active counts as its time to resolve. */
export function resolveTrait(previous: Trait, now: number): Trait {
  return {
    ...previous,
    isActive: false,
    resolutions: previous.resolutions + 1,
    totalResolveMs: previous.totalResolveMs + Math.max(0, now - previous.activeSince),
    lastResolvedAt: now,
  };
}

export const meanResolveMs = (trait: Pick<Trait, "resolutions" | "totalResolveMs">) =>
  trait.resolutions ? Math.round(trait.totalResolveMs / trait.resolutions) : null;

// The `data` schema of every event type the system itself emits (seed 003 event wormholes), the
// default severity of each, and the namespaces they reserve. The envelope and the type rule that
// uses this registry are src/schemas/events.ts.
import { z } from "zod";
import { MAX_NAME_LENGTH } from "../core/limits.js";
import type { Severity } from "./events.js";
import { AgentId, Hash, Millis } from "./common.js";
import { Privacy, WorldLineId } from "./worldline.js";
import { RouterMode, RoutingAction } from "./router.js";

const Count = z.number().int().min(0);
const Text = z.string().max(4096);
const Identifier = z.string().min(1).max(256);
const HttpMethod = z.string().regex(/^[A-Z]{1,16}$/);
const RoutePattern = z
  .string()
  .min(1)
  .max(512)
  .meta({ description: "the route pattern (`/api/v1/worldlines/:id`), never the raw path" });
const Unit = z.number().min(0).max(1);

// ---- per-type data ------------------------------------------------------------------------

const ApiServerError = z.strictObject({
  reason: z.literal("server-error"),
  method: HttpMethod,
  route: RoutePattern,
  status: z.number().int().min(500).max(599),
  code: z.string().max(128).optional().meta({ description: "the problem+json code of the response, when it had one" }),
});
const ApiClientErrorSpike = z.strictObject({
  reason: z.literal("client-error-spike"),
  method: HttpMethod,
  route: RoutePattern,
  windowStart: Millis,
  requests: Count,
  clientErrors: Count,
  rate: Unit.meta({ description: "4xx share of the window's requests" }),
  baseline: Unit.nullable().meta({
    description: "the route's usual 4xx share (moving average of earlier windows); null before the first full window",
  }),
});

/** What an arbiter's alert and its quarantine both report: the beat's threat and journal root. */
const ARBITER_DECISION = { threat: Unit, beat: Count, journalRoot: Hash.optional() };

export const EVENT_DATA = {
  // seed 003
  "api.endpoint.failed": z.discriminatedUnion("reason", [ApiServerError, ApiClientErrorSpike]).meta({
    id: "ApiEndpointFailedData",
    description: "every 5xx (`server-error`), and a route whose 4xx share spikes (`client-error-spike`)",
  }),
  "api.endpoint.success": z
    .strictObject({
      method: HttpMethod,
      route: RoutePattern,
      windowStart: Millis,
      windowEnd: Millis,
      requests: Count,
      successes: Count,
      clientErrors: Count,
      serverErrors: Count,
      meanMs: z.number().min(0),
      maxMs: z.number().min(0),
    })
    .meta({
      id: "ApiEndpointSuccessData",
      description: "a per-route rollup of one window, never one event per request",
    }),
  "graft.installed": z
    .strictObject({
      graftId: Identifier,
      name: Text.optional(),
      target: Identifier.optional(),
      version: z.string().max(128).optional(),
    })
    .meta({ id: "GraftInstalledData" }),
  "graft.install.failed": z
    .strictObject({ graftId: Identifier, name: Text.optional(), target: Identifier.optional(), error: Text })
    .meta({ id: "GraftInstallFailedData" }),
  "halo.cycle.completed": z
    .strictObject({
      cycleId: Identifier,
      trigger: Identifier.optional().meta({ description: "the event that started the cycle" }),
      weakPoints: Count,
      tasksCreated: Count,
      durationMs: z.number().min(0).optional(),
    })
    .meta({ id: "HaloCycleCompletedData" }),
  "halo.weakpoint.critical": z
    .strictObject({ cycleId: Identifier, weakPoint: Identifier, subsystem: Identifier, score: Unit, detail: Text })
    .meta({ id: "HaloWeakpointCriticalData" }),
  "squad.task.completed": z
    .strictObject({ taskId: Identifier, squadId: Identifier.optional(), result: z.unknown().optional() })
    .meta({ id: "SquadTaskCompletedData" }),
  "squad.task.failed": z
    .strictObject({
      taskId: Identifier,
      squadId: Identifier.optional(),
      error: Text,
      retryable: z.boolean().optional(),
    })
    .meta({ id: "SquadTaskFailedData" }),
  "spore.deployed": z
    .strictObject({
      sporeId: Identifier,
      targets: z.array(Identifier).min(1).max(1000),
      graftId: Identifier.optional(),
    })
    .meta({ id: "SporeDeployedData" }),
  // world lines (the envelope's `worldline` names the world line the event is about)
  "worldline.created": z
    .strictObject({ name: z.string().min(1).max(MAX_NAME_LENGTH), privacy: Privacy, head: Hash })
    .meta({ id: "WorldLineCreatedData" }),
  "worldline.forked": z
    .strictObject({ parent: WorldLineId, name: z.string().min(1).max(MAX_NAME_LENGTH), privacy: Privacy, head: Hash })
    .meta({ id: "WorldLineForkedData", description: "`worldline` is the new fork" }),
  "worldline.merged": z
    .strictObject({
      source: WorldLineId,
      commit: Hash,
      base: Hash.nullable(),
      changed: Count,
      resolved: Count.meta({ description: "conflicts settled by the ours/theirs strategy" }),
    })
    .meta({ id: "WorldLineMergedData" }),
  "worldline.terminated": z
    .strictObject({ name: z.string().min(1).max(MAX_NAME_LENGTH), head: Hash })
    .meta({ id: "WorldLineTerminatedData" }),
  "worldline.quarantined": z
    .strictObject({ threat: Unit, reason: Text, beat: Count.optional() })
    .meta({ id: "WorldLineQuarantinedData" }),
  // consensus ledger
  "ledger.proposal.created": z
    .strictObject({
      proposal: Identifier,
      kind: z.enum(["promote", "rollback", "authorities"]),
      commit: Hash.nullable(),
      stateRoot: Hash.nullable(),
      digest: Hash,
    })
    .meta({ id: "LedgerProposalCreatedData" }),
  "ledger.promoted": z
    .strictObject({
      proposal: Identifier,
      commit: Hash,
      stateRoot: Hash.nullable(),
      ledgerIndex: Count,
      ledgerHash: Hash,
      approvals: Count,
    })
    .meta({ id: "LedgerPromotedData" }),
  "ledger.rolled_back": z
    .strictObject({
      proposal: Identifier,
      commit: Hash,
      stateRoot: Hash.nullable(),
      ledgerIndex: Count,
      ledgerHash: Hash,
      approvals: Count,
    })
    .meta({ id: "LedgerRolledBackData" }),
  // agent mesh (the envelope's `agent` is the local agent)
  "mesh.message.received": z
    .strictObject({
      messageId: Identifier,
      fromAgent: AgentId.optional(),
      hopsRemaining: Count.optional(),
      bytes: Count,
      signed: z.boolean(),
    })
    .meta({ id: "MeshMessageReceivedData" }),
  "mesh.connection.changed": z
    .strictObject({
      peer: AgentId,
      change: z.enum(["requested", "accepted", "rejected", "disconnected", "refused"]),
      direction: z.enum(["inbound", "outbound"]).optional(),
      peerUrl: z.string().max(2048).optional(),
    })
    .meta({ id: "MeshConnectionChangedData" }),
  "mesh.message.routed": z
    .strictObject({
      messageId: Identifier,
      fromAgent: AgentId,
      mode: RouterMode,
      rule: Count.nullable().meta({ description: "the deciding rule's index; null when no rule decided" }),
      action: RoutingAction,
      outcome: z.enum(["done", "kept", "failed"]),
      reason: z.string().max(1024).optional(),
      handler: z.enum(["response", "forward", "drop", "defer"]).optional(),
      targets: z.array(AgentId).max(50).optional(),
    })
    .meta({
      id: "MeshMessageRoutedData",
      description:
        "a hosted agent's router decided what to do with a message (src/core/mesh/router.ts); `failed` left it in the inbox",
    }),
  // arbiter (seed 001 decision thresholds)
  "arbiter.alert": z.strictObject(ARBITER_DECISION).meta({ id: "ArbiterAlertData" }),
  "arbiter.quarantine": z.strictObject(ARBITER_DECISION).meta({ id: "ArbiterQuarantineData" }),
  // the event pipeline itself
  "events.dead_lettered": z
    .strictObject({
      eventId: z.string().max(256).nullable(),
      eventType: z.string().max(256).nullable(),
      attempts: Count,
      error: Text,
      queue: z.string().max(64),
    })
    .meta({
      id: "EventsDeadLetteredData",
      description: "an event could not be processed and was recorded in the dead letters",
    }),
} as const;

export type SystemEventType = keyof typeof EVENT_DATA;
export const SYSTEM_EVENT_TYPES = Object.keys(EVENT_DATA) as SystemEventType[];
export type EventData<T extends SystemEventType> = z.infer<(typeof EVENT_DATA)[T]>;

/** The severity a system event gets when its emitter does not say. */
export const DEFAULT_SEVERITY: Record<SystemEventType, Severity> = {
  "api.endpoint.failed": "error",
  "api.endpoint.success": "info",
  "graft.installed": "info",
  "graft.install.failed": "error",
  "halo.cycle.completed": "info",
  "halo.weakpoint.critical": "critical",
  "squad.task.completed": "info",
  "squad.task.failed": "error",
  "spore.deployed": "info",
  "worldline.created": "info",
  "worldline.forked": "info",
  "worldline.merged": "info",
  "worldline.terminated": "info",
  "worldline.quarantined": "warning",
  "ledger.proposal.created": "info",
  "ledger.promoted": "info",
  "ledger.rolled_back": "warning",
  "mesh.message.received": "debug",
  "mesh.connection.changed": "info",
  "mesh.message.routed": "info",
  "arbiter.alert": "warning",
  "arbiter.quarantine": "error",
  "events.dead_lettered": "error",
};

export const RESERVED_NAMESPACES: readonly string[] = [
  ...new Set(SYSTEM_EVENT_TYPES.map((type) => type.split(".")[0]!)),
];

export const isSystemEventType = (type: string): type is SystemEventType => Object.hasOwn(EVENT_DATA, type);
export const namespaceOf = (type: string) => type.split(".")[0]!;

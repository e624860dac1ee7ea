import { z } from "zod";
import { ACTIONS } from "../core/arbiter/decision.js";
import { MAX_EPOCHS } from "../core/arbiter/entropy-model.js";
import { JOURNAL_FORMAT } from "../core/arbiter/journal.js";
import { Hash } from "./common.js";

const Positive = z.number().positive().finite();
const Weights = z.object({ R: z.number(), B: z.number(), E: z.number(), O: z.number() });

export const ConfigureArbiter = z
  .object({
    enabled: z.boolean(),
    intervalMs: z.number().int().min(1).max(86_400_000).optional().meta({ description: "beat interval; the next alarm is max(T_Λ, DM_ARBITER_MIN_INTERVAL_MS, intervalMs)" }),
    k: Positive.optional().meta({ description: "T_Λ parameter k (seed default 4); k·p must exceed 1" }),
    p: Positive.optional().meta({ description: "T_Λ parameter P (seed default 5)" }),
    tThreshold: Positive.optional().meta({ description: "the PID's T_threshold in seconds (seed default 0.02)" }),
  })
  .meta({ id: "ConfigureArbiter" });

export const Telemetry = z
  .object({ anoms: z.number().finite().min(0).max(1e9), metrics: z.record(z.string(), z.number().finite()).optional() })
  .meta({ id: "Telemetry", description: "anomalies accumulate until the next beat consumes them" });

export const Inject = z
  .object({ anoms: z.number().finite().min(0).max(1e9).optional(), mlWeight: z.number().finite().min(-100).max(100).optional() })
  .refine((value) => value.anoms !== undefined || value.mlWeight !== undefined, { message: "give anoms, mlWeight or both", path: ["anoms"] })
  .meta({ id: "Inject", description: "the seed's inject_data into the genome" });

export const BeatsRequest = z.object({ count: z.number().int().min(1).max(10_000) }).meta({ id: "BeatsRequest" });

export const Subscribers = z.object({ agents: z.array(z.string().regex(/^[0-9a-f]{64}$/, "agent ids are 64 hex")).max(50) }).meta({ id: "Subscribers", description: "agent ids (connected to the hub) that receive ALERT and QUARANTINE broadcasts" });

export const Decision = z.object({ beat: z.number().int(), at: z.number(), action: z.enum(ACTIONS), threat: z.number(), tLambda: z.number(), weights: Weights });

export const ArbiterStatus = z
  .object({
    worldline: z.string(),
    enabled: z.boolean(),
    intervalMs: z.number(),
    beats: z.number().int(),
    tLambda: z.number().meta({ description: "seconds" }),
    tunables: z.object({ k: z.number(), p: z.number(), tThreshold: z.number() }),
    genome: z.object({ weights: Weights, risk: z.object({ anoms: z.number() }), ml: z.object({ ml_weight: z.number() }) }),
    pid: z.object({ error: z.number(), integral: z.number(), output: z.number(), deltaV: z.number(), stable: z.boolean() }),
    lastDecision: Decision.nullable(),
    journal: z.object({ size: z.number().int(), root: z.string() }),
    subscribers: z.array(z.string()),
  })
  .meta({ id: "ArbiterStatus" });

export const BeatsResult = z
  .object({ decisions: z.array(z.object({ beat: z.number().int(), action: z.enum(ACTIONS), threat: z.number() })), view: ArbiterStatus })
  .meta({ id: "BeatsResult" });

export const JournalQuery = z.object({ from: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(1000).default(100) });

/** One entry of the arbiter's hash-chained journal (src/core/arbiter/journal.ts, seed 001 §6 field names). */
const JournalEntry = z
  .object({
    index: z.number().int().min(0),
    timestamp: z.number().meta({ description: "seconds since the Unix epoch (seed §6 `timestamp: float`)" }),
    data: z.looseObject({ type: z.string() }).meta({ description: "genesis, pulse, flow_result or action, with its fields" }),
    previous_hash: Hash.meta({ description: "the previous entry's hash; 64 zeros for genesis" }),
    hash: Hash.meta({ description: "SHA3-256 over RFC 8785 JSON of the other four fields" }),
  })
  .meta({ id: "ArbiterJournalEntry" });

export const ArbiterJournal = z
  .object({
    manifest: z.object({
      format: z.literal(JOURNAL_FORMAT),
      hash_algorithm: z.literal("SHA3-256"),
      canonical_json: z.literal("RFC 8785"),
      length: z.number().int(),
      genesis_hash: Hash.nullable(),
      head_hash: Hash.nullable(),
      merkle_root: Hash.nullable().meta({ description: "null when the chain does not verify" }),
      first_timestamp: z.number().nullable(),
      last_timestamp: z.number().nullable(),
      verified: z.boolean(),
    }),
    entries: z.array(JournalEntry),
    anchoredRoot: z.string(),
  })
  .meta({ id: "ArbiterJournal" });

export const TrainModel = z
  .object({
    samples: z.array(z.object({ anoms: z.number().finite().min(0).max(1e6), label: z.number().min(0).max(1) })).min(2).max(10_000),
    epochs: z.number().int().min(1).max(MAX_EPOCHS).optional(),
    learningRate: z.number().positive().max(10).optional(),
  })
  .meta({ id: "TrainModel" });

export const EntropyModel = z
  .object({ version: z.number().int(), w: z.number(), b: z.number(), loss: z.number().nullable(), auc: z.number().nullable(), samples: z.number().int(), epochs: z.number().int(), learningRate: z.number().nullable(), createdAt: z.number() })
  .meta({ id: "EntropyModel", description: "threat = sigmoid(w · anoms + b); version 0 is the seed default" });

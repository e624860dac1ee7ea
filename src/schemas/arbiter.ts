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
    intervalMs: z
      .number()
      .int()
      .min(1)
      .max(86_400_000)
      .optional()
      .meta({ description: "beat interval; the next alarm is max(T_Λ, DM_ARBITER_MIN_INTERVAL_MS, intervalMs)" }),
    k: Positive.optional().meta({ description: "T_Λ parameter k (seed default 4); k·p must exceed 1" }),
    p: Positive.optional().meta({ description: "T_Λ parameter P (seed default 5)" }),
    tThreshold: Positive.optional().meta({ description: "the PID's T_threshold in seconds (seed default 0.02)" }),
  })
  .meta({ id: "ConfigureArbiter" });

export const Telemetry = z
  .object({ anoms: z.number().finite().min(0).max(1e9), metrics: z.record(z.string(), z.number().finite()).optional() })
  .meta({ id: "Telemetry", description: "anomalies accumulate until the next beat consumes them" });

export const Inject = z
  .object({
    anoms: z.number().finite().min(0).max(1e9).optional(),
    mlWeight: z.number().finite().min(-100).max(100).optional(),
  })
  .refine((value) => value.anoms !== undefined || value.mlWeight !== undefined, {
    message: "give anoms, mlWeight or both",
    path: ["anoms"],
  })
  .meta({ id: "Inject", description: "the seed's inject_data into the genome" });

export const BeatsRequest = z.object({ count: z.number().int().min(1).max(10_000) }).meta({ id: "BeatsRequest" });

export const Subscribers = z
  .object({ agents: z.array(z.string().regex(/^[0-9a-f]{64}$/, "agent ids are 64 hex")).max(50) })
  .meta({
    id: "Subscribers",
    description: "agent ids (connected to the hub) that receive ALERT and QUARANTINE broadcasts",
  });

export const Decision = z.object({
  beat: z.number().int(),
  at: z.number(),
  action: z.enum(ACTIONS),
  threat: z.number(),
  tLambda: z.number(),
  weights: Weights,
});

export const ArbiterStatus = z
  .object({
    worldline: z.string(),
    enabled: z.boolean(),
    intervalMs: z.number(),
    beats: z.number().int(),
    tLambda: z.number().meta({ description: "seconds" }),
    tunables: z.object({ k: z.number(), p: z.number(), tThreshold: z.number() }),
    genome: z.object({
      weights: Weights,
      risk: z.object({ anoms: z.number() }),
      ml: z.object({ ml_weight: z.number() }),
    }),
    pid: z.object({
      error: z.number(),
      integral: z.number(),
      output: z.number(),
      deltaV: z.number(),
      stable: z.boolean(),
    }),
    lastDecision: Decision.nullable(),
    journal: z.object({ size: z.number().int(), root: z.string() }),
    subscribers: z.array(z.string()),
  })
  .meta({ id: "ArbiterStatus" });

export const BeatsResult = z
  .object({
    decisions: z.array(z.object({ beat: z.number().int(), action: z.enum(ACTIONS), threat: z.number() })),
    view: ArbiterStatus,
  })
  .meta({ id: "BeatsResult" });

export const JournalQuery = z.object({
  from: z.coerce.number().int().min(0).default(0).meta({ description: "index of the first entry" }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** At most this many entries are checked per verify call, so one call's CPU stays bounded however long the journal is. */
export const MAX_VERIFY_ENTRIES = 100_000;

export const VerifyJournalQuery = z.object({
  restart: z
    .enum(["true", "false"])
    .optional()
    .transform((value) => value === "true")
    .meta({ description: "start again from genesis instead of continuing from where the last verification stopped" }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_VERIFY_ENTRIES)
    .default(MAX_VERIFY_ENTRIES)
    .meta({ description: "entries to check in this call" }),
});

export const JournalVerification = z
  .object({
    ok: z.boolean().meta({
      description: "false once an entry failed; the manifest then reports verified: false and no merkle_root",
    }),
    length: z.number().int().meta({ description: "entries checked, from genesis" }),
    journalLength: z.number().int().meta({ description: "the journal's length when this call ran" }),
    done: z.boolean().meta({
      description:
        "every entry was checked and the entries' Merkle root equals the arbiter's (the root it anchors); call again with the same settings until done",
    }),
    startedAt: z.number().meta({ description: "when this verification began at genesis (ms)" }),
    at: z.number().meta({ description: "when it last advanced (ms)" }),
    firstBadIndex: z.number().int().optional(),
    reason: z.enum(["index", "previous_hash", "hash", "data", "merkle_root"]).optional().meta({
      description:
        "an entry out of place, a broken link, an entry whose hash is not its content's, unreadable data, or sound entries whose root is not the arbiter's",
    }),
  })
  .meta({
    id: "ArbiterJournalVerification",
    description: "a full re-verification of the journal, done in steps of at most 100 000 entries",
  });

/** One entry of the arbiter's hash-chained journal (src/core/arbiter/journal.ts, seed 001 §6 field names). */
const JournalEntry = z
  .object({
    index: z.number().int().min(0),
    timestamp: z.number().meta({ description: "seconds since the Unix epoch (seed §6 `timestamp: float`)" }),
    data: z
      .looseObject({ type: z.string() })
      .meta({ description: "genesis, pulse, flow_result or action, with its fields" }),
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
      merkle_root: Hash.nullable().meta({ description: "null once a verification found the chain broken" }),
      first_timestamp: z.number().nullable(),
      last_timestamp: z.number().nullable(),
      verified: z.boolean().meta({
        description:
          "false once a verification (POST …/journal/verify) found the chain broken; reads do not rehash the journal, see `verification` for how far and when it was last checked",
      }),
    }),
    entries: z.array(JournalEntry),
    next: z.number().int().nullable().meta({ description: "`from` of the next page; null on the last one" }),
    verification: JournalVerification.nullable().meta({
      description: "the last operator verification (POST …/journal/verify); null if none ran",
    }),
    anchoredRoot: z.string(),
  })
  .meta({ id: "ArbiterJournal" });

export const TrainModel = z
  .object({
    samples: z
      .array(z.object({ anoms: z.number().finite().min(0).max(1e6), label: z.number().min(0).max(1) }))
      .min(2)
      .max(10_000),
    epochs: z.number().int().min(1).max(MAX_EPOCHS).optional(),
    learningRate: z.number().positive().max(10).optional(),
  })
  .meta({ id: "TrainModel" });

export const EntropyModel = z
  .object({
    version: z.number().int(),
    w: z.number(),
    b: z.number(),
    loss: z.number().nullable(),
    auc: z.number().nullable(),
    samples: z.number().int(),
    epochs: z.number().int(),
    learningRate: z.number().nullable(),
    createdAt: z.number(),
  })
  .meta({ id: "EntropyModel", description: "threat = sigmoid(w · anoms + b); version 0 is the seed default" });

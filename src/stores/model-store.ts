// Entropy-model versions (seed 001 §5) in D1 (drizzle, table `arbiter_models` in src/db/schema.ts):
// every world line's arbiter beats with the latest one. Version 0 is the seed's default
// (w = ml_weight = 0.12, b = 0) and is not stored.
import { desc } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { z } from "zod";
import {
  DEFAULT_ENTROPY_MODEL,
  trainEntropyModel,
  type EntropyModel,
  type TrainingSample,
} from "../core/arbiter/entropy-model.js";
import { arbiterModels } from "../db/schema.js";
import type { EntropyModel as EntropyModelSchema } from "../schemas/arbiter.js";

/** A model version as stored and as GET /api/v1/arbiter/model answers it: the core's `EntropyModel` with how it was trained. */
export type StoredModel = z.infer<typeof EntropyModelSchema>;

const DEFAULT_MODEL: StoredModel = {
  ...DEFAULT_ENTROPY_MODEL,
  loss: null,
  auc: null,
  samples: 0,
  epochs: 0,
  learningRate: null,
  createdAt: 0,
};

// Beats run every second per world line; the latest model is re-read at most this often.
const CACHE_MS = 5_000;
let cached: { model: StoredModel; at: number } | null = null;

export async function currentModel(env: Env): Promise<StoredModel> {
  const latest = await drizzle(env.DB).select().from(arbiterModels).orderBy(desc(arbiterModels.version)).limit(1).get();
  return latest ?? DEFAULT_MODEL; // the row's columns are StoredModel's fields
}

export async function latestEntropyModel(env: Env): Promise<EntropyModel> {
  if (cached && Date.now() - cached.at < CACHE_MS) return cached.model;
  const model = await currentModel(env);
  cached = { model, at: Date.now() };
  return model;
}

/** Trains from the current model and stores the result as the next version. */
export async function trainAndStore(
  env: Env,
  samples: TrainingSample[],
  options: { epochs?: number; learningRate?: number },
): Promise<StoredModel> {
  const current = await currentModel(env);
  const trained = trainEntropyModel(current, samples, options);
  const version = current.version + 1;
  const stored: StoredModel = {
    ...trained.model,
    version,
    loss: trained.loss,
    auc: trained.auc,
    samples: samples.length,
    epochs: trained.epochs,
    learningRate: options.learningRate ?? 0.01,
    createdAt: Date.now(),
  };
  await drizzle(env.DB).insert(arbiterModels).values(stored);
  cached = { model: stored, at: Date.now() };
  return stored;
}

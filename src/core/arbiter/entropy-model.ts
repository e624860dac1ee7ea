// The Entropy model (seed 001 §5): torch.nn.Linear(1, 1) followed by a sigmoid, so
//
//   threat = sigmoid(w · total_anoms + b),   w = ml_weight = 0.12, b = 0 by default.
//
// With defaults, 5 anomalies give sigmoid(0.6) ≈ 0.6457 (seed §"Validation Results").
// Training is "MSE Loss with optimizer" and evaluation is "AUC/ROC"; we use plain full-batch gradient
// descent (no Torch at the edge), which is deterministic: same model + samples + options → same result.
import { DomainError } from "../problem.js";
import { DEFAULT_ML_WEIGHT, type Genome } from "./genome.js";

export interface EntropyModel {
  /** Slope of the Linear(1, 1) layer; the genome's `ml.ml_weight`. */
  w: number;
  /** Bias of the Linear(1, 1) layer. */
  b: number;
  /** Bumped by every training run; reported by the Entropy core as its `version`. */
  version: number;
}

export const DEFAULT_ENTROPY_MODEL: Readonly<EntropyModel> = Object.freeze({ w: DEFAULT_ML_WEIGHT, b: 0, version: 0 });

/** The model a genome implies: w from `ml.ml_weight` (what `inject_data` updates, seed §7), b = 0. */
export function modelFromGenome(genome: Genome): EntropyModel {
  return { w: genome.ml.ml_weight, b: 0, version: 0 };
}

/** Logistic function, written so neither branch overflows for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Seed §5: threat_score ∈ [0, 1] from the total anomaly count. */
export function inferThreat(model: EntropyModel, totalAnoms: number): number {
  return sigmoid(model.w * totalAnoms + model.b);
}

export interface TrainingSample {
  anoms: number;
  /** Target threat in [0, 1]; for the AUC a label ≥ 0.5 counts as a positive. */
  label: number;
}

export interface TrainingOptions {
  learningRate?: number;
  epochs?: number;
}

export interface TrainingResult {
  model: EntropyModel;
  /** Mean squared error of the returned model on the samples. */
  loss: number;
  /** ROC AUC of the returned model on the samples; null when the samples hold only one class. */
  auc: number | null;
  epochs: number;
}

export const DEFAULT_LEARNING_RATE = 0.01;
export const DEFAULT_EPOCHS = 200;
/** Training runs inside a request or an alarm; this bounds its CPU time. */
export const MAX_EPOCHS = 10_000;

export function mseLoss(model: EntropyModel, samples: readonly TrainingSample[]): number {
  let sum = 0;
  for (const { anoms, label } of samples) {
    const error = inferThreat(model, anoms) - label;
    sum += error * error;
  }
  return sum / samples.length;
}

/**
 * Full-batch gradient descent on MSE. For z = w·x + b and ŷ = σ(z):
 *   ∂L/∂z = (2/n)·(ŷ − y)·ŷ·(1 − ŷ),   ∂L/∂w = Σ ∂L/∂z · x,   ∂L/∂b = Σ ∂L/∂z.
 * Returns a new model (version + 1); the input model is not changed.
 */
export function trainEntropyModel(
  model: EntropyModel,
  samples: readonly TrainingSample[],
  { learningRate = DEFAULT_LEARNING_RATE, epochs = DEFAULT_EPOCHS }: TrainingOptions = {},
): TrainingResult {
  validateTraining(samples, learningRate, epochs);
  const n = samples.length;
  let { w, b } = model;
  for (let epoch = 0; epoch < epochs; epoch++) {
    let gradW = 0;
    let gradB = 0;
    for (const { anoms, label } of samples) {
      const y = sigmoid(w * anoms + b);
      const dz = (2 / n) * (y - label) * y * (1 - y);
      gradW += dz * anoms;
      gradB += dz;
    }
    w -= learningRate * gradW;
    b -= learningRate * gradB;
  }
  if (!Number.isFinite(w) || !Number.isFinite(b)) {
    throw new DomainError(
      "training-diverged",
      `training produced a non-finite model (w=${w}, b=${b}); lower the learning rate`,
    );
  }
  const trained: EntropyModel = { w, b, version: model.version + 1 };
  const scores = samples.map((s) => inferThreat(trained, s.anoms));
  return {
    model: trained,
    loss: mseLoss(trained, samples),
    auc: rocAuc(
      scores,
      samples.map((s) => s.label >= 0.5),
    ),
    epochs,
  };
}

/**
 * ROC AUC as the Mann–Whitney statistic: the probability that a random positive scores above a random
 * negative, ties counting one half. Ranks with averaged ties make it O(n log n).
 */
export function rocAuc(scores: readonly number[], positives: readonly boolean[]): number | null {
  const order = scores.map((score, i) => ({ score, positive: positives[i] })).sort((a, b) => a.score - b.score);
  let positiveCount = 0;
  let positiveRankSum = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1].score === order[i].score) j++;
    const averageRank = (i + j) / 2 + 1; // ranks are 1-based
    for (let k = i; k <= j; k++) {
      if (order[k].positive) {
        positiveCount++;
        positiveRankSum += averageRank;
      }
    }
    i = j + 1;
  }
  const negativeCount = order.length - positiveCount;
  if (positiveCount === 0 || negativeCount === 0) return null;
  return (positiveRankSum - (positiveCount * (positiveCount + 1)) / 2) / (positiveCount * negativeCount);
}

function validateTraining(samples: readonly TrainingSample[], learningRate: number, epochs: number): void {
  const errors: { path: string; message: string }[] = [];
  if (samples.length === 0) errors.push({ path: "/samples", message: "at least one sample is needed" });
  samples.forEach((s, i) => {
    if (!(Number.isFinite(s.anoms) && s.anoms >= 0))
      errors.push({ path: `/samples/${i}/anoms`, message: "anoms must be a finite number ≥ 0" });
    if (!(Number.isFinite(s.label) && s.label >= 0 && s.label <= 1))
      errors.push({ path: `/samples/${i}/label`, message: "label must be in [0, 1]" });
  });
  if (!(Number.isFinite(learningRate) && learningRate > 0))
    errors.push({ path: "/learningRate", message: "learningRate must be a finite number > 0" });
  if (!(Number.isInteger(epochs) && epochs >= 1 && epochs <= MAX_EPOCHS))
    errors.push({ path: "/epochs", message: `epochs must be an integer in [1, ${MAX_EPOCHS}]` });
  if (errors.length)
    throw new DomainError("invalid-training", {
      detail: "the entropy model cannot be trained on this input",
      errors,
    });
}

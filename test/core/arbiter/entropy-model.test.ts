import { describe, expect, it } from "vitest";
import { DomainError } from "../../../src/core/problem.js";
import { createGenome, injectData } from "../../../src/core/arbiter/genome.js";
import {
  DEFAULT_ENTROPY_MODEL,
  inferThreat,
  modelFromGenome,
  mseLoss,
  rocAuc,
  sigmoid,
  trainEntropyModel,
  type TrainingSample,
} from "../../../src/core/arbiter/entropy-model.js";

const separable: TrainingSample[] = [
  ...[0, 1, 2, 3, 4].map((anoms) => ({ anoms, label: 0 })),
  ...[20, 25, 30, 35, 40].map((anoms) => ({ anoms, label: 1 })),
];

describe("entropy model (seed 001 §5)", () => {
  it("defaults to w = ml_weight = 0.12 and b = 0, so no anomalies mean threat 0.5", () => {
    expect(DEFAULT_ENTROPY_MODEL).toMatchObject({ w: 0.12, b: 0 });
    expect(inferThreat(DEFAULT_ENTROPY_MODEL, 0)).toBe(0.5);
  });

  it("5 anomalies give threat sigmoid(0.6) = 0.6457", () => {
    expect(inferThreat(DEFAULT_ENTROPY_MODEL, 5)).toBeCloseTo(0.6457, 4);
  });

  it("takes its weight from the genome's ml_weight, which inject_data updates", () => {
    const genome = injectData(createGenome(), { ml_weight: 0.5 });
    expect(inferThreat(modelFromGenome(genome), 2)).toBeCloseTo(sigmoid(1), 12);
  });

  it("sigmoid stays finite and within [0, 1] at extreme inputs", () => {
    expect(sigmoid(1e6)).toBe(1);
    expect(sigmoid(-1e6)).toBe(0);
    expect(sigmoid(-800)).toBeGreaterThanOrEqual(0);
  });

  it("training by gradient descent on MSE lowers the loss", () => {
    const before = mseLoss(DEFAULT_ENTROPY_MODEL, separable);
    const result = trainEntropyModel(DEFAULT_ENTROPY_MODEL, separable, { learningRate: 0.05, epochs: 500 });
    expect(result.loss).toBeLessThan(before);
    expect(result.loss).toBeCloseTo(mseLoss(result.model, separable), 15);
    expect(result.epochs).toBe(500);
  });

  it("training reports ROC AUC 1.0 on separable samples", () => {
    const result = trainEntropyModel(DEFAULT_ENTROPY_MODEL, separable, { learningRate: 0.05, epochs: 500 });
    expect(result.auc).toBe(1);
  });

  it("training returns a new model with a bumped version and leaves the input alone", () => {
    const start = { w: 0.12, b: 0, version: 3 };
    const result = trainEntropyModel(start, separable, { epochs: 10 });
    expect(result.model.version).toBe(4);
    expect(start).toEqual({ w: 0.12, b: 0, version: 3 });
    expect(trainEntropyModel(start, separable, { epochs: 10 })).toEqual(result); // deterministic
  });

  it("ROC AUC counts ties as one half and is null without both classes", () => {
    expect(rocAuc([0.1, 0.9], [false, true])).toBe(1);
    expect(rocAuc([0.9, 0.1], [false, true])).toBe(0);
    expect(rocAuc([0.5, 0.5], [false, true])).toBe(0.5);
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBe(0.75);
    expect(rocAuc([0.2, 0.3], [true, true])).toBeNull();
  });

  it("refuses to train on no samples, bad labels or a bad learning rate", () => {
    expect(() => trainEntropyModel(DEFAULT_ENTROPY_MODEL, [])).toThrow(DomainError);
    expect(() => trainEntropyModel(DEFAULT_ENTROPY_MODEL, [{ anoms: 1, label: 2 }])).toThrow(DomainError);
    expect(() => trainEntropyModel(DEFAULT_ENTROPY_MODEL, separable, { learningRate: 0 })).toThrow(DomainError);
    expect(() => trainEntropyModel(DEFAULT_ENTROPY_MODEL, separable, { epochs: 1.5 })).toThrow(DomainError);
  });
});

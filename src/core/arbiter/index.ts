// The world-line arbiter (seed 001, VENOM Λ-GENESIS): pure math, no Cloudflare imports.
export * from "./t-lambda.js";
export * from "./genome.js";
export * from "./pid.js";
export * from "./entropy-model.js";
export * from "./cores.js";
export * from "./decision.js";
export * from "./journal.js";
export * from "./state.js";
export * from "./beat.js";
export * from "./outbox.js";

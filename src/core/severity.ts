// Event severities (seed 003 event wormholes), least to most severe. The zod enum in
// src/schemas/events.ts is built from this list, so the dashboard has it without bundling zod.
export const SEVERITIES = ["debug", "info", "warning", "error", "critical"] as const;

// Event wormholes, the pure parts: sealing an event (id, time, defaults, validation), sizing it
// for the queue, chunking for sendBatch, the retry backoff and the HALO rule. No bindings here;
// src/events/ is the thin Cloudflare side.
import { newId } from "./ids.js";
import { DomainError } from "./problem.js";
import { Event, MAX_EVENT_DATA_BYTES, type Severity } from "../schemas/events.js";
import {
  DEFAULT_SEVERITY,
  isSystemEventType,
  namespaceOf,
  type EventData,
  type SystemEventType,
} from "../schemas/event-data.js";

export const DEFAULT_SOURCE = "darkmatter-edge";

interface EnvelopeOptions {
  id?: string;
  severity?: Severity;
  source?: string;
  worldline?: string;
  agent?: string;
  /** Milliseconds since the epoch; default: now. */
  time?: number;
}

/** What an emitter inside the system hands the producer: a system type with its typed data. */
export type SystemEventInput = {
  [T in SystemEventType]: EnvelopeOptions & { type: T; data: EventData<T> };
}[SystemEventType];

/** Any event before sealing: system types, or outside types with free-form data. */
export type EventDraft = EnvelopeOptions & { type: string; data: Record<string, unknown> };

const encoder = new TextEncoder();
export const jsonBytes = (value: unknown) => encoder.encode(JSON.stringify(value)).byteLength;

/** Fills id, time, source and severity, then validates the whole envelope (the type rule included). */
export function sealEvent(draft: EventDraft, now = Date.now()): Event {
  const candidate = {
    id: draft.id ?? newId("ev", now),
    type: draft.type,
    source: draft.source ?? DEFAULT_SOURCE,
    severity: draft.severity ?? (isSystemEventType(draft.type) ? DEFAULT_SEVERITY[draft.type] : "info"),
    time: draft.time ?? now,
    ...(draft.worldline !== undefined && { worldline: draft.worldline }),
    ...(draft.agent !== undefined && { agent: draft.agent }),
    data: draft.data,
  };
  const parsed = Event.safeParse(candidate);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => ({
      path: "/" + issue.path.map(String).join("/"),
      message: issue.message,
    }));
    throw new DomainError("invalid-event", {
      detail: `event ${candidate.type} is invalid at ${errors[0]!.path}: ${errors[0]!.message}`,
      errors,
    });
  }
  checkEventSize(parsed.data);
  return parsed.data;
}

/** 413 when `data` is over MAX_EVENT_DATA_BYTES: the envelope must fit in one queue message. */
export function checkEventSize(event: { type: string; data: unknown }, pointer = "/data"): void {
  const bytes = jsonBytes(event.data);
  if (bytes > MAX_EVENT_DATA_BYTES) {
    throw new DomainError("event-too-large", {
      detail: `the data of a ${event.type} event is ${bytes} bytes of JSON; the limit is ${MAX_EVENT_DATA_BYTES}`,
      errors: [{ path: pointer, message: "over the size limit" }],
    });
  }
}

// Cloudflare Queues limits: sendBatch takes at most 100 messages and 256 KB in total. We stay a
// little under the byte limit for the per-message overhead the platform counts.
export const QUEUE_BATCH_MESSAGES = 100;
export const QUEUE_BATCH_BYTES = 250_000;

/** Splits events into sendBatch-sized groups, keeping their order. */
export function queueChunks<T>(items: T[], size: (item: T) => number = jsonBytes): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const itemBytes = size(item);
    if (current.length && (current.length >= QUEUE_BATCH_MESSAGES || bytes + itemBytes > QUEUE_BATCH_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += itemBytes;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

export const DEFAULT_RETRY_BASE_SECONDS = 2;
export const MAX_RETRY_DELAY_SECONDS = 15 * 60;

/**
 * Exponential backoff for a failed delivery: base · 2^(attempts−1), capped. With the default base
 * of 2 s and `max_retries = 5` a message is tried at 0, 2, 4, 8, 16 and 32 s after the first
 * failure (about a minute in all) before the queue moves it to the dead-letter queue.
 */
export function retryDelaySeconds(attempts: number, baseSeconds = DEFAULT_RETRY_BASE_SECONDS): number {
  const exponent = Math.max(0, Math.min(attempts, 30) - 1);
  return Math.min(MAX_RETRY_DELAY_SECONDS, Math.round(baseSeconds * 2 ** exponent));
}

/**
 * Seed 003: "Event Wormholes triggers HALO Loop (if critical/error)". HALO's own events are the
 * exception: a critical weak point found by a cycle must not start another cycle about itself.
 */
export function triggersHalo(event: Pick<Event, "type" | "severity">): boolean {
  return (event.severity === "error" || event.severity === "critical") && namespaceOf(event.type) !== "halo";
}

/** An error a retry cannot fix (a malformed message, a handler refusing the event for good): straight to the dead letters. */
export class PermanentEventError extends Error {
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = "PermanentEventError";
  }
}

export const isPermanent = (error: unknown): boolean => (error as { retryable?: unknown } | null)?.retryable === false;

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 4096);
  return String(error).slice(0, 4096);
}

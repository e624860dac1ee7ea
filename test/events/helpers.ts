// Shared by test/events: D1 reads through the real EventStore, bounded polling for the real
// queue, and hand-made batches for driving the consumer directly.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { vi } from "vitest";
import { EventStore } from "../../src/stores/event-store.js";
import { newId } from "../../src/core/ids.js";
import { queue } from "../../src/events/consumer.js";
import type { Event, StoredEvent } from "../../src/schemas/events.js";

export const store = () => new EventStore(env.DB);

/** Polls until `read` gives something truthy; the real queue delivers after its 1 s batch timeout. */
export async function eventually<T>(
  read: () => Promise<T | null | undefined | false>,
  what: string,
  timeout = 20_000,
): Promise<T> {
  return vi.waitFor(
    async () => {
      const value = await read();
      if (!value) throw new Error(`still waiting for ${what}`);
      return value;
    },
    { timeout, interval: 100 },
  );
}

export const storedEvent = (id: string, timeout?: number) =>
  eventually(() => store().get(id), `event ${id} in D1`, timeout);

/** Every stored event matching the filters (all pages). */
export async function allEvents(
  filters: { type?: string; worldline?: string; agent?: string } = {},
): Promise<StoredEvent[]> {
  const items: StoredEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = (await store().list({ ...filters, cursor, limit: 500 }))!;
    items.push(...page.items);
    cursor = page.next ?? undefined;
  } while (cursor);
  return items;
}

export function makeEvent(overrides: Partial<Event> = {}): Event {
  return {
    id: newId("ev"),
    type: "sim.episode.finished",
    source: "test",
    severity: "info",
    time: Date.now(),
    data: { episode: 1 },
    ...overrides,
  } as Event;
}

/** A queue message as createMessageBatch takes it (its type is missing from the generated runtime types). */
export interface QueueMessageInit {
  id: string;
  timestamp: Date;
  attempts: number;
  body: unknown;
}

let counter = 0;
export function message(body: unknown, attempts = 1): QueueMessageInit {
  return { id: `msg-${Date.now()}-${counter++}`, timestamp: new Date(), attempts, body };
}

/** Runs the Worker's queue handler on a hand-made batch; returns acks and the delay of each retry. */
export async function deliver(queueName: string, messages: QueueMessageInit[], overrides: Partial<Env> = {}) {
  const batch = createMessageBatch(queueName, messages as never) as MessageBatch<unknown>;
  const delays = new Map<string, number | undefined>();
  for (const m of batch.messages) {
    const retry = m.retry.bind(m);
    m.retry = (options?: QueueRetryOptions) => {
      delays.set(m.id, options?.delaySeconds);
      retry(options);
    };
  }
  const ctx = createExecutionContext();
  await queue(batch, { ...env, ...overrides } as Env, ctx);
  const result: {
    explicitAcks: string[];
    retryMessages: Array<{ msgId: string }>;
    retryBatch: { retry: boolean };
    ackAll: boolean;
  } = await getQueueResult(batch, ctx);
  return {
    acked: new Set(result.explicitAcks),
    retried: new Set(result.retryMessages.map((r) => r.msgId)),
    delays,
    retryAll: result.retryBatch.retry,
    ackAll: result.ackAll,
  };
}

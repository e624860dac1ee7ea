// The deep health check's rules (issue 16): each dependency is checked on its own, bounded by a
// timeout, and the report names every failing one with its error text. The checks themselves
// (a D1 query, a Ledger RPC, a queue send) are src/routes/health.ts's; this file has no runtime.
import { scrubText } from "./log.js";

/** Longest a single component may take before it counts as down. */
export const HEALTH_CHECK_TIMEOUT_MS = 2000;

/**
 * The message the deep check sends on the event queue. The consumer acks it and stores nothing
 * (src/events/consumer.ts): it proves the queue accepts, it is not an event.
 */
export const HEALTH_PROBE_KIND = "darkmatter.health-probe";
export interface HealthProbe {
  kind: typeof HEALTH_PROBE_KIND;
  at: number;
}
export const healthProbe = (at = Date.now()): HealthProbe => ({ kind: HEALTH_PROBE_KIND, at });
export const isHealthProbe = (body: unknown): body is HealthProbe =>
  body !== null && typeof body === "object" && (body as { kind?: unknown }).kind === HEALTH_PROBE_KIND;

export interface ComponentHealth {
  ok: boolean;
  ms: number;
  /** Why it is down: the error's own text, scrubbed of credentials and cut short. */
  error?: string;
}

export interface HealthReport {
  ok: boolean;
  components: Record<string, ComponentHealth>;
  /** The names of the components that are down, in check order; absent when all are up. */
  failing?: string[];
}

/** Runs one check; a throw, a rejection or no answer within `timeoutMs` is a component down. */
export async function checkComponent(work: () => Promise<unknown>, timeoutMs = HEALTH_CHECK_TIMEOUT_MS) {
  const started = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([work(), timeout]);
    return { ok: true, ms: Date.now() - started } satisfies ComponentHealth;
  } catch (error) {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { ok: false, ms: Date.now() - started, error: scrubText(text, 300) } satisfies ComponentHealth;
  } finally {
    clearTimeout(timer);
  }
}

/** Every check at once; the report is ok only when every component is. */
export async function checkHealth(
  checks: Record<string, () => Promise<unknown>>,
  timeoutMs = HEALTH_CHECK_TIMEOUT_MS,
): Promise<HealthReport> {
  const names = Object.keys(checks);
  const results = await Promise.all(names.map((name) => checkComponent(checks[name]!, timeoutMs)));
  const components = Object.fromEntries(names.map((name, i) => [name, results[i]!]));
  const failing = names.filter((_, i) => !results[i]!.ok);
  return failing.length ? { ok: false, components, failing } : { ok: true, components };
}

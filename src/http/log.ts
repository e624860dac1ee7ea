// Structured logs, the writing half (issue 16; formatting and scrubbing are src/core/log.ts):
// - `log.info|warn|error(msg, fields)`: one JSON line through console.log, for anything worth
//   saying (a failed emit, a retried effect);
// - `requestLog()`: the first middleware. It takes or makes the request id, echoes it on the
//   response, stamps it into problem+json bodies as `requestId`, and writes one line per request;
// - `loggedStep(step, fields, work)`: one line per background step (a queue batch, an alarm, the
//   cron) with its duration and outcome; a failure is logged and thrown on, so the platform still
//   retries it.
// Workers Logs (wrangler.toml [observability]) and `wrangler tail` pick the lines up as JSON.
import type { MiddlewareHandler } from "hono";
import { formatLogLine, requestLevel, type LogFields, type LogLevel } from "../core/log.js";
import { REQUEST_ID_HEADER, requestIdOf } from "../core/request-id.js";
import type { AppEnv } from "./app-env.js";
import { routePattern } from "./route-pattern.js";

const write = (level: LogLevel, msg: string, fields?: LogFields) => console.log(formatLogLine(level, msg, fields));

export const log = {
  info: (msg: string, fields?: LogFields) => write("info", msg, fields),
  warn: (msg: string, fields?: LogFields) => write("warn", msg, fields),
  error: (msg: string, fields?: LogFields) => write("error", msg, fields),
};

/** An error as log text: its name and message, never its stack (which can quote arguments). */
export const errorText = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

export const requestLog = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const started = Date.now();
  const requestId = requestIdOf(c.req.header(REQUEST_ID_HEADER));
  c.set("requestId", requestId);
  await next();
  const code = await stampProblem(c, requestId);
  c.header(REQUEST_ID_HEADER, requestId);
  const status = c.res.status;
  write(requestLevel(status), "request", {
    requestId,
    method: c.req.method,
    route: routePattern(c),
    status,
    durationMs: Date.now() - started,
    ...(code !== undefined && { code }),
  });
};

/**
 * Adds `requestId` to a problem+json body, wherever it was rendered (the app's renderer, or a
 * Durable Object answering through a route), and answers its code for the log line.
 */
async function stampProblem(c: Parameters<MiddlewareHandler<AppEnv>>[0], requestId: string) {
  const response = c.res;
  if (!(response.headers.get("content-type") ?? "").includes("problem+json") || response.bodyUsed) return undefined;
  let body: Record<string, unknown>;
  try {
    body = (await response.clone().json()) as Record<string, unknown>;
  } catch {
    return undefined; // not a JSON problem after all: pass it on untouched
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) return undefined;
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  c.res = undefined;
  c.res = new Response(JSON.stringify({ ...body, requestId }), { status: response.status, headers });
  return typeof body.code === "string" ? body.code.slice(0, 128) : undefined;
}

/** Runs a background step and logs it once: the step as `msg`, its fields, `durationMs`, `ok`, and the error if it failed. */
export async function loggedStep<T>(
  step: string,
  fields: LogFields,
  work: () => Promise<T>,
  summary?: (result: T) => LogFields,
): Promise<T> {
  const started = Date.now();
  try {
    const result = await work();
    write("info", step, { ...fields, ...summary?.(result), ok: true, durationMs: Date.now() - started });
    return result;
  } catch (error) {
    write("error", step, { ...fields, ok: false, durationMs: Date.now() - started, error: errorText(error) });
    throw error;
  }
}

/** A Durable Object's alarm as a logged step: `alarm`, the object's kind and name. */
export const loggedAlarm = (object: string, ctx: DurableObjectState, work: () => Promise<void>): Promise<void> =>
  loggedStep("alarm", { object, name: ctx.id.name ?? ctx.id.toString() }, work);

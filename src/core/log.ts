// Structured logs, the formatting half (issue 16): one JSON object per line, so Workers Logs and
// `wrangler tail --format json` index every field. Pure: src/http/log.ts writes the lines.
//
// Never a secret in a line: a field whose name says credential is replaced, a bearer credential
// inside any text is cut out, and long text is truncated. Callers pass no headers and no bodies;
// this is the net under them, not a licence to.

export type LogLevel = "info" | "warn" | "error";

export type LogFields = Record<string, unknown>;

const CREDENTIAL_NAME = /authori[sz]ation|token|secret|password|passport|private.?key|cookie|api.?key/i;
const BEARER_CREDENTIAL = /\b(bearer|basic)\s+[^\s"',;]+/gi;
const MAX_TEXT = 2048;
const MAX_DEPTH = 4;

export const REDACTED = "[redacted]";

/** Text safe to log: bearer and basic credentials cut out, at most MAX_TEXT characters. */
export function scrubText(text: string, max = MAX_TEXT): string {
  const scrubbed = text.replace(BEARER_CREDENTIAL, (_, scheme: string) => `${scheme} ${REDACTED}`);
  return scrubbed.length > max ? `${scrubbed.slice(0, max)}…` : scrubbed;
}

function scrub(value: unknown, depth: number): unknown {
  if (typeof value === "string") return scrubText(value);
  if (value === null || typeof value !== "object") return typeof value === "bigint" ? String(value) : value;
  if (depth >= MAX_DEPTH) return "[nested]";
  if (Array.isArray(value)) return value.slice(0, 100).map((item) => scrub(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, CREDENTIAL_NAME.test(key) ? REDACTED : scrub(item, depth + 1)]),
  );
}

/** One log line: `time` (ISO 8601) and `level` first, then `msg`, then the fields, scrubbed. */
export function formatLogLine(level: LogLevel, msg: string, fields: LogFields = {}, time = Date.now()): string {
  const { time: _t, level: _l, msg: _m, ...rest } = fields;
  return JSON.stringify({
    time: new Date(time).toISOString(),
    level,
    msg: scrubText(msg, 256),
    ...(scrub(rest, 0) as LogFields),
  });
}

/** The level a finished request is logged at: a 5xx is ours to fix, a 4xx the caller's, the rest news. */
export const requestLevel = (status: number): LogLevel => (status >= 500 ? "error" : status >= 400 ? "warn" : "info");

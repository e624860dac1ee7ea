// What the property tests of test/mesh/fuzz.test.ts and test/routes/api-fuzz.test.ts share: a
// direct call of the Worker, hostile JSON values, plans that turn a valid body into a mutated
// one, and hostile path parameters.
import fc from "fast-check";
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../src/index.js";
import { OPERATOR_TOKEN, type Call } from "./api.js";

export interface CallOptions {
  body?: unknown;
  raw?: string;
  token?: string | null;
  headers?: Record<string, string>;
  /** The env the Worker sees (default: the real one); test/routes/api-fuzz.test.ts instruments it. */
  env?: Env;
}

/**
 * test/api.ts's `api`, but calling the Worker's fetch handler directly: the same app, routes and
 * Durable Objects, without the pool's `exports.default.fetch`, whose per-request cost grows with
 * every request made in the instance (cloudflare/workers-sdk#15446: 2 ms → 50 ms per request
 * after 600 here), which would make a few thousand fuzz requests take minutes.
 */
export async function directApi(
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Call & { response: Response }> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? OPERATOR_TOKEN : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let payload = options.raw;
  if (options.body !== undefined) {
    payload = JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  const response = await worker.fetch(
    new Request(`http://localhost${path}`, { method, headers, body: payload }) as Request<
      unknown,
      IncomingRequestCfProperties
    >,
    options.env ?? env,
    createExecutionContext(),
  );
  const contentType = response.headers.get("content-type") ?? "";
  const text = response.webSocket ? "" : await response.text();
  let body: unknown = text;
  if (contentType.includes("json") && text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text; // a JSON media type with a body that is not JSON: the caller's assertions say so
    }
  }
  return { status: response.status, headers: response.headers, contentType, body, response };
}

let addressCounter = 0;
/** A fresh client address per request (IPv4 from 198.18.0.0/15, or a fresh IPv6 /64), so per-address limits do not dominate. */
export function freshAddress(): string {
  const n = ++addressCounter;
  return n % 3 === 0
    ? `2001:db8:${(n >> 16).toString(16)}:${(n & 0xffff).toString(16)}::1`
    : `198.${18 + ((n >> 16) & 1)}.${(n >> 8) & 0xff}.${n & 0xff}`;
}

// ---- hostile values ---------------------------------------------------------------------------

/** A JSON value as text, so that nesting far deeper than JSON.stringify could recurse is still expressible. */
export type Hostile =
  | { kind: "json"; value: unknown }
  | { kind: "huge"; unit: string; length: number }
  | { kind: "deep"; depth: number; shape: "array" | "object" };

export const loneSurrogates = fc.constantFrom(
  "\ud800",
  "\udfff",
  "a\ud83d",
  "\udc00b",
  "\ud83d\ude00\ud83d",
  "x\u0000y",
  "\u202e\u200b\ufeff",
);
export const unicodeText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  loneSurrogates,
);
export const hostile: fc.Arbitrary<Hostile> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .oneof(
        fc.jsonValue({ maxDepth: 3 }),
        unicodeText,
        fc.integer(),
        fc.double(),
        fc.boolean(),
        fc.constant(null),
        fc.constant([]),
        fc.constant({}),
        fc.constant(-1),
        fc.constant(1e308),
        fc.constant("0".repeat(64)),
      )
      .map((value) => ({ kind: "json" as const, value })),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("huge" as const),
      unit: fc.constantFrom("a", "é", "😀", "\ud800", "\\", '"'),
      length: fc.constantFrom(129, 2049, 70_000, 140_000, 300_000),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("deep" as const),
      depth: fc.constantFrom(64, 1000, 20_000, 60_000),
      shape: fc.constantFrom("array" as const, "object" as const),
    }),
  },
);

export function encode(value: Hostile): string {
  switch (value.kind) {
    case "json":
      return JSON.stringify(value.value) ?? "null";
    case "huge":
      return JSON.stringify(value.unit.repeat(value.length));
    case "deep":
      return value.shape === "array"
        ? "[".repeat(value.depth) + "0" + "]".repeat(value.depth)
        : '{"a":'.repeat(value.depth) + "0" + "}".repeat(value.depth);
  }
}

/** How one case departs from a valid body. */
export type Plan =
  | { kind: "valid" }
  | { kind: "set"; field: number; value: Hostile }
  | { kind: "delete"; field: number }
  | { kind: "extra"; key: string; value: Hostile }
  | { kind: "tweak"; field: number; how: "append" | "truncate" | "upper" | "space" | "surrogate" }
  | { kind: "whole"; value: Hostile }
  | { kind: "text"; text: string }
  | { kind: "empty" };

export const plan: fc.Arbitrary<Plan> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: "valid" as const }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("set" as const), field: fc.nat(), value: hostile }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("delete" as const), field: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("extra" as const),
      key: fc.oneof(
        fc.constantFrom("__proto__", "constructor", "prototype", "toString", "", "error", "agent_id"),
        unicodeText,
      ),
      value: hostile,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("tweak" as const),
      field: fc.nat(),
      how: fc.constantFrom(
        "append" as const,
        "truncate" as const,
        "upper" as const,
        "space" as const,
        "surrogate" as const,
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("whole" as const), value: hostile }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("text" as const),
      text: fc.oneof(unicodeText, fc.constantFrom("{", '{"a":', "nul", "[1,2", '"unterminated', "{}{}", " ", "\u0000")),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "empty" as const }) },
);

export function tweak(value: unknown, how: Extract<Plan, { kind: "tweak" }>["how"]): unknown {
  if (typeof value === "number") return how === "append" ? value + 1 : -value;
  if (typeof value === "boolean") return !value;
  if (typeof value !== "string") return how === "space" ? " " : null;
  switch (how) {
    case "append":
      return value + "0";
    case "truncate":
      return value.slice(0, -1);
    case "upper":
      return value.toUpperCase();
    case "space":
      return ` ${value}\n`;
    case "surrogate":
      return value + "\ud800";
  }
}

/**
 * The body text of a case: the valid body with the plan applied. Fields (or, for an array body,
 * elements) keep their order; `extra` adds a field (or appends an element).
 */
export function bodyText(valid: Record<string, unknown> | unknown[], p: Plan): string {
  const isArray = Array.isArray(valid);
  const entries = (isArray ? valid.map((value, i) => [String(i), value] as const) : Object.entries(valid)).map(
    ([key, value]) => [key, JSON.stringify(value) ?? "null"] as [string, string],
  );
  const source = valid as Record<string, unknown>;
  const at = (field: number) => field % Math.max(1, entries.length);
  switch (p.kind) {
    case "valid":
      break;
    case "set":
      if (entries.length) entries[at(p.field)]![1] = encode(p.value);
      break;
    case "delete":
      entries.splice(at(p.field), 1);
      break;
    case "extra":
      entries.push([p.key, encode(p.value)]);
      break;
    case "tweak":
      if (entries.length) {
        const [key] = entries[at(p.field)]!;
        entries[at(p.field)]![1] = JSON.stringify(tweak(source[key], p.how)) ?? "null";
      }
      break;
    case "whole":
      return encode(p.value);
    case "text":
      return p.text;
    case "empty":
      return "";
  }
  if (isArray) return `[${entries.map(([, value]) => value).join(",")}]`;
  return `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(",")}}`;
}

// ---- path parameters --------------------------------------------------------------------------

/** Percent-encodes any string, lone surrogates included (as their WTF-8 bytes, which no decoder accepts). */
export function percentEncode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return [...text]
      .map((ch) =>
        ch.length === 1 && ch.charCodeAt(0) >= 0xd800 && ch.charCodeAt(0) <= 0xdfff
          ? `%${(0xe0 | (ch.charCodeAt(0) >> 12)).toString(16)}%${(0x80 | ((ch.charCodeAt(0) >> 6) & 0x3f)).toString(16)}%${(0x80 | (ch.charCodeAt(0) & 0x3f)).toString(16)}`
          : encodeURIComponent(ch),
      )
      .join("");
  }
}

export type Param =
  | { kind: "focus" }
  | { kind: "known"; which: number }
  | { kind: "encoded"; text: string }
  | { kind: "raw"; text: string }
  | { kind: "long"; length: number };
export const param: fc.Arbitrary<Param> = fc.oneof(
  fc.record({ kind: fc.constant("known" as const), which: fc.nat() }),
  fc.record({
    kind: fc.constant("encoded" as const),
    text: fc.oneof(
      unicodeText,
      fc.constantFrom("..", ".", "a/b", "?x=1", "#frag", "%", "%zz", "\\", "msg-", "req-00000000"),
    ),
  }),
  fc.record({
    kind: fc.constant("raw" as const),
    text: fc.constantFrom("%", "%zz", "%E0%A4%A", "%ED%A0%80", "..", "%2e%2e", "a%2Fb", "%00", "%25", "%C0%AF"),
  }),
  fc.record({ kind: fc.constant("long" as const), length: fc.constantFrom(129, 2049, 8000) }),
);

/** `known` picks one of the ids that mean something to the receiver (the first is the focus). */
export function paramText(known: readonly string[], p: Param): string {
  switch (p.kind) {
    case "focus":
      return known[0]!;
    case "known":
      return known[p.which % known.length]!;
    case "encoded":
      return percentEncode(p.text);
    case "raw":
      return p.text;
    case "long":
      return "a".repeat(p.length);
  }
}

/** Status counts per label, printed after a file's properties ran. */
export class CaseCounter {
  readonly runs = new Map<string, Map<number, number>>();
  private readonly times = new Map<string, number>();
  /** How long a label's cases took (ms), shown in the table. */
  elapsed(label: string, ms: number): void {
    this.times.set(label, (this.times.get(label) ?? 0) + ms);
  }
  count(label: string, status: number): void {
    const statuses = this.runs.get(label) ?? new Map<number, number>();
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    this.runs.set(label, statuses);
  }
  table(title: string): string {
    const rows = [...this.runs].map(([label, statuses]) => ({
      label,
      cases: [...statuses.values()].reduce((a, b) => a + b, 0),
      statuses: Object.fromEntries([...statuses].sort(([a], [b]) => a - b)),
    }));
    const width = Math.max(42, ...rows.map((row) => row.label.length + 1));
    const total = rows.reduce((sum, row) => sum + row.cases, 0);
    const time = (label: string) =>
      this.times.has(label) ? `${(this.times.get(label)! / 1000).toFixed(1).padStart(5)} s  ` : "";
    return `${title} (${total} cases):\n${rows.map((row) => `  ${row.label.padEnd(width)} ${String(row.cases).padStart(4)}  ${time(row.label)}${JSON.stringify(row.statuses)}`).join("\n")}`;
  }
}

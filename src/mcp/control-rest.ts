// The control plane's MCP tools call the REST API in-process: each tool is one /api/v1 request,
// sent through the Worker's own Hono app (`app.fetch`, no network hop) with the MCP caller's
// Authorization header, and its answer is the tool's result or, as a problem, the tool's error.
//
// Why the route rather than the services behind it: a route is more than its Durable Object call.
// The auth middleware (operator token, operator-only reads of events and tasks), the body checks
// (8 MiB, depth, lone surrogates, `__proto__` keys: src/http/body.ts), validation with field
// errors, and the rules that live in handlers (the anonymous ledger page filled past hidden
// entries, a fork's privacy, a proposal's target, an event batch's size checks) would otherwise
// be reached around, or written a second time for MCP. Through the route there is one
// implementation and no way for the two surfaces to drift; the price is one JSON round trip inside
// the isolate per tool call. The routes' API counters (src/http/api-events.ts) count these calls
// under their REST route, as the operation they are.
import { DomainError, notFound, type FieldError, type Problem } from "../core/problem.js";

/** The Worker's fetch handler, bound to this request's env and execution context. */
export type AppFetch = (request: Request) => Promise<Response>;

export interface RestCall {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  /** Under /api/v1, its parameters already through `segment`. */
  path: string;
  query?: Record<string, unknown>;
  /** The JSON body, exactly as the MCP client sent it (see control-server.ts). */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string | undefined>;
  /** Where the body sits in the tool's arguments (`/jsonPatch`), so field errors name the argument. */
  bodyAt?: string;
}

export type Rest = (call: RestCall) => Promise<unknown>;

/**
 * A path parameter as one URL segment. `.` and `..` cannot be one (WHATWG URL resolves them, so
 * `/promotions/..` would be another route): no id is either, so they name nothing, as in REST.
 */
export function segment(value: string, what: string): string {
  if (value === "." || value === "..") throw notFound(what);
  return encodeURIComponent(value);
}

/** A REST caller for one MCP request: the caller's credentials, the request's origin. */
export function restClient(fetch: AppFetch, origin: string, authorization: string | undefined): Rest {
  return async (call) => {
    const url = new URL(`/api/v1${call.path}`, origin);
    for (const [key, value] of Object.entries(call.query ?? {}))
      if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
    const headers = new Headers();
    if (authorization !== undefined) headers.set("authorization", authorization);
    for (const [name, value] of Object.entries(call.headers ?? {})) if (value !== undefined) headers.set(name, value);
    let body: string | undefined;
    if (call.body !== undefined) {
      body = JSON.stringify(call.body);
      headers.set("content-type", call.contentType ?? "application/json");
    }
    const response = await fetch(new Request(url, { method: call.method, headers, body }));
    const type = response.headers.get("content-type") ?? "";
    if (response.ok) return type.includes("json") ? response.json() : response.text();
    throw DomainError.from(await problemOf(response, type, call.bodyAt));
  };
}

/** The problem a refusal carries, with body field errors re-pointed into the tool's arguments. */
async function problemOf(response: Response, type: string, bodyAt = ""): Promise<Problem> {
  if (!type.includes("json"))
    // Every /api/v1 refusal is problem+json (src/http/problem.ts): anything else is our bug.
    return {
      status: 500,
      code: "internal-error",
      detail: `HTTP ${response.status} without a problem: ${(await response.text()).slice(0, 200)}`,
    };
  const { type: _type, title: _title, instance: _instance, ...problem } = (await response.json()) as Problem;
  const errors = problem.errors?.map((error: FieldError): FieldError =>
    error.in === "body" ? { ...error, path: bodyAt + (error.path === "/" ? "" : error.path) || "/" } : error,
  );
  return { ...problem, ...(errors && { errors }) };
}

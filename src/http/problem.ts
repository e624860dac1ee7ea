// RFC 9457 rendering: the one place a DomainError (or anything else thrown) becomes a response.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { DomainError, type Problem } from "../core/problem.js";

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  410: "Gone",
  412: "Precondition Failed",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  423: "Locked",
  429: "Too Many Requests",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
};

// Stable codes for errors raised by Hono itself rather than by our code.
const HTTP_EXCEPTION_CODES: Record<number, string> = {
  400: "malformed-request",
  413: "body-too-large",
  415: "unsupported-media-type",
};

export const PROBLEM_TYPE_PREFIX = "urn:darkmatter:problem:";

export function problemResponse(problem: Problem, instance?: string, headers: Record<string, string> = {}): Response {
  const { status, code, detail, ...extensions } = problem;
  const body = {
    type: PROBLEM_TYPE_PREFIX + code,
    title: TITLES[status] ?? "Error",
    status,
    code,
    detail,
    ...(instance && { instance }),
    ...extensions,
  };
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/problem+json", ...headers },
  });
}

export function problem(
  c: Context,
  status: number,
  code: string,
  detail: string,
  extensions: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Response {
  return problemResponse({ status, code, detail, ...extensions }, new URL(c.req.url).pathname, headers);
}

/** A zod failure as the 400 every surface answers: the fields at fault as JSON Pointers into the request part. */
export function validationError(
  target: string,
  issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>,
): DomainError {
  const part = target === "json" ? "body" : target;
  const errors = issues.map((issue) => ({
    in: part,
    path: "/" + issue.path.map((token) => String(token).replace(/~/g, "~0").replace(/\//g, "~1")).join("/"),
    message: issue.message,
  }));
  const fields = [
    ...new Set(errors.map((error) => (error.path === "/" ? error.in : `${error.in} ${error.path}`))),
  ].join(", ");
  return new DomainError(400, "validation-failed", {
    detail: `the request is invalid at ${fields}: ${errors[0]?.message ?? ""}`,
    errors,
  });
}

export function errorResponse(error: unknown, c: Context): Response {
  const instance = new URL(c.req.url).pathname;
  if (error instanceof DomainError) return problemResponse(error.toProblem(), instance);
  if (error instanceof HTTPException) {
    const status = error.status;
    const code = HTTP_EXCEPTION_CODES[status] ?? `http-${status}`;
    return problemResponse({ status, code, detail: error.message || TITLES[status] || "request failed" }, instance);
  }
  console.error("unhandled error", c.req.method, instance, error);
  return problemResponse(
    {
      status: 500,
      code: "internal-error",
      detail: "the server failed while handling this request; it has been logged",
    },
    instance,
  );
}

// RFC 9457 rendering: the one place a DomainError (or anything else thrown) becomes a response.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { CATALOGUE } from "../core/error-catalogue.js";
import { DomainError, type Problem, type ProblemCode } from "../core/problem.js";

// Stable codes for errors raised by Hono itself rather than by our code; any other status it
// raises is a bug of ours and answers as one (500, logged).
const HTTP_EXCEPTION_CODES: Partial<Record<number, ProblemCode>> = {
  400: "malformed-request",
  413: "body-too-large",
  415: "unsupported-media-type",
};

export const PROBLEM_TYPE_PREFIX = "urn:darkmatter:problem:";

/** The response for a problem: its status and title are its code's (src/core/error-catalogue.ts). */
export function problemResponse(problem: Problem, instance?: string, headers: Record<string, string> = {}): Response {
  const { status: _, code, detail, ...extensions } = problem;
  const { status, title } = CATALOGUE[code];
  const body = {
    type: PROBLEM_TYPE_PREFIX + code,
    title,
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
  code: ProblemCode,
  detail: string,
  extensions: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Response {
  return problemResponse(
    new DomainError(code, { ...extensions, detail }).toProblem(),
    new URL(c.req.url).pathname,
    headers,
  );
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
  return new DomainError("validation-failed", {
    detail: `the request is invalid at ${fields}: ${errors[0]?.message ?? ""}`,
    errors,
  });
}

export function errorResponse(error: unknown, c: Context): Response {
  const instance = new URL(c.req.url).pathname;
  if (error instanceof DomainError) return problemResponse(error.toProblem(), instance);
  if (error instanceof HTTPException) {
    const code = HTTP_EXCEPTION_CODES[error.status];
    if (code)
      return problemResponse(new DomainError(code, error.message || CATALOGUE[code].title).toProblem(), instance);
  }
  console.error("unhandled error", c.req.method, instance, error);
  return problemResponse(
    new DomainError("internal-error", "the server failed while handling this request; it has been logged").toProblem(),
    instance,
  );
}

/** An If-Match header's entity tag without its weak prefix and quotes (RFC 9110 §8.8.3), or undefined without one. */
export const ifMatchTag = (header: string | undefined): string | undefined =>
  header
    ?.trim()
    .replace(/^W\//, "")
    .replace(/^"(.*)"$/, "$1");

// The pieces every OpenAPI router shares: one router factory whose validation failures render as
// our problem+json, the route declaration that lists the problems an operation answers, and the
// shapes of JSON request and response declarations.
import { createRoute, OpenAPIHono, type RouteConfig } from "@hono/zod-openapi";
import type { z } from "zod";
import type { ProblemCode } from "../core/problem.js";
import { problemResponses } from "../schemas/common.js";
import type { AppEnv } from "./app-env.js";
import { errorResponse, validationError } from "./problem.js";

export function apiRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) =>
      result.success ? undefined : errorResponse(validationError(result.target, result.error.issues), c),
  });
}

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  body: { required: true, content: { "application/json": { schema } } },
});

/** The `security` of operations that need `Authorization: Bearer <DM_OPERATOR_TOKEN>`. */
export const OPERATOR = [{ operatorToken: [] }];

const SAFE_METHODS = new Set(["get", "head", "options"]);

/**
 * The problems an /api/v1 operation answers before its handler runs, from how it is declared:
 * a wrong token anywhere (src/http/auth.ts), a missing one where the operator token is required,
 * the body reader's refusals on every other method than GET (src/http/body.ts reads even an
 * operation without a body), and the schema's refusal of its parameters or body.
 */
export function edgeProblems(route: Pick<RouteConfig, "method" | "security" | "request">): ProblemCode[] {
  const codes: ProblemCode[] = ["forbidden"];
  if (route.security?.length) codes.push("unauthorized");
  if (!SAFE_METHODS.has(route.method))
    codes.push(
      "invalid-json",
      "json-too-deep",
      "invalid-unicode",
      "body-too-large",
      "unsupported-media-type",
      "forbidden-key",
    );
  const { params, query, headers, body } = route.request ?? {};
  if (params || query || headers || body) codes.push("validation-failed");
  return codes;
}

/**
 * createRoute, with the codes the operation can answer (`problems`: what its handler and the
 * services and objects it calls raise) documented with those of the edge (edgeProblems) as its
 * problem responses, grouped by status.
 */
export const apiRoute = <P extends string, R extends Omit<RouteConfig, "path"> & { path: P }>({
  problems,
  ...route
}: R & { problems: readonly ProblemCode[] }) =>
  createRoute({
    ...route,
    // Typed as the route's own responses: handlers return those; problems are thrown and rendered by onError.
    responses: { ...route.responses, ...problemResponses(...edgeProblems(route), ...problems) } as R["responses"],
  });

/**
 * An operation whose answer is one JSON document: the shape the spores, squads and arbiter routes
 * share (tag, method, path, summary, request, the document's schema and status, its problems).
 */
export const operatorRoute = <
  M extends "get" | "post" | "put" | "patch" | "delete",
  P extends string,
  R extends NonNullable<RouteConfig["request"]>,
  S extends z.ZodType,
  C extends 200 | 201,
>(
  tag: string,
  method: M,
  path: P,
  summary: string,
  request: R,
  response: S,
  status: C,
  problems: ProblemCode[],
  description?: string,
  secured = true,
) =>
  apiRoute({
    method,
    path,
    tags: [tag],
    summary,
    ...(description && { description }),
    ...(secured && { security: OPERATOR }),
    request,
    responses: {
      ...({ [status]: jsonContent(response, "the result") } as Record<C, ReturnType<typeof jsonContent<S>>>),
    },
    problems,
  });

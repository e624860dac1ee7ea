// The pieces every OpenAPI router shares: one router factory whose validation failures render as
// our problem+json, and the shapes of JSON request and response declarations.
import { OpenAPIHono } from "@hono/zod-openapi";
import type { z } from "zod";
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

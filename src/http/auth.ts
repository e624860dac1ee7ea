// Operator authentication: `Authorization: Bearer $DM_OPERATOR_TOKEN`. Mutations need it; reads
// accept it to see private world lines. A wrong token is refused even on reads.
import type { MiddlewareHandler } from "hono";
import { bearerToken, isOperatorToken } from "../core/operator-token.js";
import type { Viewer } from "../core/privacy.js";
import { problem } from "./problem.js";
import type { AppEnv } from "./app-env.js";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export const operatorAuth =
  (options: { isPublicMutation?: (method: string, path: string) => boolean } = {}): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const header = c.req.header("authorization");
    const mutation = !SAFE_METHODS.has(c.req.method) && !options.isPublicMutation?.(c.req.method, c.req.path);
    if (header === undefined) {
      if (mutation)
        return problem(
          c,
          "unauthorized",
          "this call changes state: send Authorization: Bearer <DM_OPERATOR_TOKEN>",
          {},
          { "www-authenticate": 'Bearer realm="darkmatter"' },
        );
      c.set("isOperator", false);
      return next();
    }
    if (!isOperatorToken(bearerToken(header), c.env.DM_OPERATOR_TOKEN))
      return problem(c, "forbidden", "the bearer token is not the operator token");
    c.set("isOperator", true);
    return next();
  };

/** For surfaces whose reads are private too (agents, events): the operator token on every call. */
export const requireOperator =
  (what: string): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    if (!c.get("isOperator"))
      return problem(
        c,
        "unauthorized",
        `${what} are visible to the operator only: send Authorization: Bearer <DM_OPERATOR_TOKEN>`,
        {},
        { "www-authenticate": 'Bearer realm="darkmatter"' },
      );
    return next();
  };

/** Who the request is, as the world line and ledger objects judge visibility: what operatorAuth found. */
export const viewer = (c: { get: (key: "isOperator") => boolean }): Viewer => ({ isOperator: c.get("isOperator") });

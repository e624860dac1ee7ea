// Operator authentication: `Authorization: Bearer $DM_OPERATOR_TOKEN`. Mutations need it; reads
// accept it to see private world lines. A wrong token is refused even on reads. A hosted agent's
// own token (issue 14) is accepted on that agent's operator API only (`agentToken` says where
// that is and checks it); everywhere else it is a wrong token like any other.
import type { MiddlewareHandler } from "hono";
import { bearerToken, isOperatorToken } from "../core/operator-token.js";
import type { Viewer } from "../core/privacy.js";
import { problem } from "./problem.js";
import type { AppEnv } from "./app-env.js";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface AgentTokenCheck {
  /** The agent whose API a path is under, if any. */
  agentOf(path: string): string | undefined;
  /** Is the token that agent's own? */
  matches(env: Env, agent: string, token: string | null): Promise<boolean>;
}

export const operatorAuth =
  (
    options: { isPublicMutation?: (method: string, path: string) => boolean; agentToken?: AgentTokenCheck } = {},
  ): MiddlewareHandler<AppEnv> =>
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
    const token = bearerToken(header);
    if (!isOperatorToken(token, c.env.DM_OPERATOR_TOKEN)) {
      const agent = options.agentToken?.agentOf(c.req.path);
      if (agent !== undefined && (await options.agentToken!.matches(c.env, agent, token))) {
        c.set("isOperator", false);
        c.set("agent", agent);
        return next();
      }
      return problem(c, "forbidden", "the bearer token is not the operator token");
    }
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

/** For one agent's operator API: the operator token, or that agent's own token (operatorAuth found which). */
export const requireOperatorOrAgent =
  (what: string): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    if (!c.get("isOperator") && (c.get("agent") === undefined || c.get("agent") !== c.req.param("name")))
      return problem(
        c,
        "unauthorized",
        `${what} are visible to the operator only: send Authorization: Bearer <DM_OPERATOR_TOKEN> (or this agent's own token)`,
        {},
        { "www-authenticate": 'Bearer realm="darkmatter"' },
      );
    return next();
  };

/** Who the request is, as the world line and ledger objects judge visibility: what operatorAuth found. */
export const viewer = (c: { get: (key: "isOperator") => boolean }): Viewer => ({ isOperator: c.get("isOperator") });

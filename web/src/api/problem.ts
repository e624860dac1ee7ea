// RFC 9457 problem details as the dashboard shows them: the server's `detail`, next to what caused it.
import type { ApiProblem } from "./types";

/** The API's problem, of which a mesh `{error}`, a plain-text answer or a network failure have only status and detail. */
export type Problem = Partial<ApiProblem> & Pick<ApiProblem, "status" | "detail">;

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }

  get status(): number {
    return this.problem.status;
  }

  /** 404 `no-route`: this server does not have the endpoint at all (an older or partial deployment). */
  get isMissingRoute(): boolean {
    return this.problem.status === 404 && this.problem.code === "no-route";
  }
}

/** Turns any failed response body (problem+json, a mesh `{error}`, text, nothing) into a Problem. */
export function toProblem(status: number, body: unknown, statusText = ""): Problem {
  if (body && typeof body === "object") {
    const object = body as Record<string, unknown>;
    if (typeof object.detail === "string") return { ...object, status, detail: object.detail } as Problem;
    if (typeof object.error === "string") return { status, detail: object.error };
  }
  if (typeof body === "string" && body.trim()) return { status, detail: body.trim().slice(0, 500) };
  return { status, detail: `${status} ${statusText}`.trim() || "the request failed" };
}

/** Network failures (server down, CORS refused) become a problem too, so every view shows errors one way. */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError({
    status: 0,
    code: "network",
    detail: `could not reach the API (${message}); is the server running and does its CORS allow this origin?`,
  });
}

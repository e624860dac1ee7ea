// Typed calls to /api/v1: openapi-fetch over the types generated from the committed OpenAPI
// snapshot (web/src/api/openapi.json → schema.d.ts, `npm run api:types`). Every call carries the
// operator token when one is set, and every failure is thrown as an ApiError (problem+json).
import createClient from "openapi-fetch";
import type { paths } from "./schema";
import { ApiError, asApiError, toProblem } from "./problem";
import { darkMatterStore } from "../store/darkMatterStore";

const authorized = (request: Request) => {
  const token = darkMatterStore.get().token;
  if (token) request.headers.set("authorization", `Bearer ${token}`);
  return request;
};

let client = createClient<paths>({ baseUrl: "" });

export function configureApi(apiUrl: string): void {
  darkMatterStore.setApiUrl(apiUrl);
  client = createClient<paths>({ baseUrl: apiUrl });
  client.use({ onRequest: ({ request }) => authorized(request) });
}
configureApi("");

/** The typed client: `api().GET("/api/v1/worldlines/{id}", { params: { path: { id } } })`. */
export const api = () => client;

/** Unwraps an openapi-fetch result: the data, or an ApiError carrying the problem. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch (error) {
    throw asApiError(error);
  }
  if (result.error !== undefined || !result.response.ok) throw new ApiError(toProblem(result.response.status, result.error, result.response.statusText));
  return result.data as T;
}

/**
 * A call to an endpoint the snapshot does not describe yet (tasks, the arbiter while it is being
 * built). Typed by the caller against the endpoint's documented shape; a 404 `no-route` says the
 * server lacks it, which the views show as "not available on this server".
 */
export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers = new Headers(body === undefined ? {} : { "content-type": "application/json" });
  let response: Response;
  try {
    response = await fetch(authorized(new Request(darkMatterStore.get().apiUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })));
  } catch (error) {
    throw asApiError(error);
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text for the problem detail
  }
  if (!response.ok) throw new ApiError(toProblem(response.status, parsed, response.statusText));
  return parsed as T;
}

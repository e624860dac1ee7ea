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

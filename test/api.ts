// Talks to the Worker exactly as a client would: real routes, real Durable Objects, real D1.
import { exports } from "cloudflare:workers";

export const OPERATOR_TOKEN = "test-operator-token";

export interface Call {
  status: number;
  headers: Headers;
  body: any;
  contentType: string;
}

export async function api(
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; token?: string | null; headers?: Record<string, string> } = {},
): Promise<Call> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? OPERATOR_TOKEN : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let payload: string | undefined = options.raw;
  if (options.body !== undefined) {
    payload = JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  const response = await (exports as any).default.fetch(
    new Request(`http://localhost${path}`, { method, headers, body: payload }),
  );
  const contentType = response.headers.get("content-type") ?? "";
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    contentType,
    body: contentType.includes("json") && text ? JSON.parse(text) : text,
  };
}

export async function createWorldLine(body: Record<string, unknown> = {}) {
  const created = await api("POST", "/api/v1/worldlines", { body: { name: "test", ...body } });
  if (created.status !== 201) throw new Error(`create failed: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body as { id: string; head: string; [key: string]: any };
}

export const jsonPatch = (id: string, operations: unknown[], headers: Record<string, string> = {}) =>
  api("PATCH", `/api/v1/worldlines/${id}/state`, {
    raw: JSON.stringify(operations),
    headers: { "content-type": "application/json-patch+json", ...headers },
  });

export const mergePatch = (id: string, patch: unknown, headers: Record<string, string> = {}) =>
  api("PATCH", `/api/v1/worldlines/${id}/state`, {
    raw: JSON.stringify(patch),
    headers: { "content-type": "application/merge-patch+json", ...headers },
  });

export const state = async (id: string, at?: string, token?: string | null) =>
  (await api("GET", `/api/v1/worldlines/${id}/state${at ? `?at=${at}` : ""}`, { token })).body;

import { inject } from "vitest";

export const baseUrl = () => inject("baseUrl");

export async function http(
  method: string,
  path: string,
  options: { body?: unknown; contentType?: string; token?: string | null; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? inject("operatorToken") : options.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers["content-type"] = options.contentType ?? "application/json";
  const response = await fetch(baseUrl() + path, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    redirect: "manual",
  });
  const text = await response.text();
  const contentType = response.headers.get("content-type") ?? "";
  return {
    status: response.status,
    headers: response.headers,
    contentType,
    body: contentType.includes("json") && text ? JSON.parse(text) : text,
  };
}

// A JSON call over node:http, for the benchmarks and the e2e tests that need what fetch lacks:
// Node's fetch gives up after 300 s without response headers (a full ledger verify at 1M entries
// can take longer), and it cannot bind the client socket to a chosen source address.
import { request, type Agent } from "node:http";

/**
 * `token` null sends no Authorization header. `localAddress` binds the client socket to one
 * loopback address (wrangler dev reports it as CF-Connecting-IP); `agent` reuses sockets. A
 * string body is sent as it is, anything else as JSON.
 */
export function callJson(
  base: string,
  token: string | null,
  method: string,
  path: string,
  body?: unknown,
  options: { localAddress?: string; agent?: Agent } = {},
): Promise<{ status: number; body: any }> {
  const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
  const headers = {
    ...(token !== null && { authorization: `Bearer ${token}` }),
    ...(payload !== undefined && { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }),
  };
  return new Promise((resolve, reject) => {
    const req = request(
      base + path,
      {
        method,
        headers,
        ...(options.localAddress && { localAddress: options.localAddress }),
        ...(options.agent && { agent: options.agent }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          try {
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
          } catch {
            resolve({ status: res.statusCode ?? 0, body: text });
          }
        });
      },
    );
    req.on("error", reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** An operator API caller for scripts and benchmarks: the parsed body, or an error naming the call on any status ≥ 400. */
export function operatorCaller(base: string, token: string) {
  return async (method: string, path: string, body?: unknown) => {
    const response = await callJson(base, token, method, path, body);
    if (response.status >= 400)
      throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`);
    return response.body;
  };
}

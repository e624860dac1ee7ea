// A JSON call from the benchmarks. node:http rather than fetch: Node's fetch gives up after 300 s
// without response headers, and a full ledger verify at 1M entries can take longer than that.
import { request } from "node:http";

/** `localAddress` binds the client socket to one loopback address: wrangler dev reports it as CF-Connecting-IP. */
export function callJson(base: string, token: string, method: string, path: string, body?: unknown, options: { localAddress?: string } = {}): Promise<{ status: number; body: any }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(base + path, { method, ...(options.localAddress && { localAddress: options.localAddress }), headers: { authorization: `Bearer ${token}`, ...(payload && { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }) } }, (res) => {
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
    });
    req.on("error", reject);
    if (payload) req.write(payload);
    req.end();
  });
}

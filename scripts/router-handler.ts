// A router handler (issue 15; README "Routers and handlers"): an HTTP endpoint a hosted agent
// POSTs each message it hands off, signed with the agent's passport. This one is the handler the
// tests, the e2e run and `npm run bench -- mesh` start on loopback, and a starting point for a
// real one (run it: `npx tsx scripts/router-handler.ts [port]`, then point an agent's router at
// http://127.0.0.1:<port>/any-key?echo=1 while the Worker runs locally).
//
// It checks the signature over the exact body with the key the request names, and answers
// according to its query, so one process can play every handler a test needs:
//   ?echo=1                 {"response": "handled: <content>"}
//   ?reply=<JSON>           that JSON, as it is ({"response": …}, {"forward": […]}, {"drop": true}, …)
//   ?status=<n>             that HTTP status (with ?reply, or an empty JSON object)
//   ?raw=<text>             that text, not JSON
//   ?delayMs=<n>            wait first (a slow handler; a timeout)
// Every request is recorded under the first path segment: GET /requests/<key> lists them as
// {headers, body, verified}. A real handler would pin the agent's public key instead of trusting
// the one in the body, and refuse stale timestamps.
import { createServer, type IncomingMessage, type Server } from "node:http";
import { ed25519 } from "@noble/curves/ed25519.js";
import { hexToBytes } from "@noble/hashes/utils.js";

export interface RecordedHandlerRequest {
  headers: Record<string, string>;
  body: string;
  /** Whether x-darkmatter-signature verifies over `body` with the body's agent.public_key_hex. */
  verified: boolean;
}

export interface HandlerServer {
  origin: string;
  close(): Promise<void>;
}

function verifySignature(body: string, signatureHex: string | undefined): boolean {
  try {
    const publicKey = (JSON.parse(body) as { agent?: { public_key_hex?: string } }).agent?.public_key_hex;
    if (!publicKey || !signatureHex) return false;
    return ed25519.verify(hexToBytes(signatureHex), new TextEncoder().encode(body), hexToBytes(publicKey));
  } catch {
    return false;
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startHandlerServer(port = 0, host = "127.0.0.1"): Promise<HandlerServer> {
  const recorded = new Map<string, RecordedHandlerRequest[]>();
  const server: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://handler");
    const [first, key] = url.pathname.split("/").filter(Boolean);
    if (request.method === "GET" && first === "requests" && key) {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(recorded.get(key) ?? []));
      return;
    }
    const body = await readBody(request);
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [
        name,
        Array.isArray(value) ? value.join(",") : (value ?? ""),
      ]),
    );
    const entry = { headers, body, verified: verifySignature(body, headers["x-darkmatter-signature"]) };
    if (first) recorded.set(first, [...(recorded.get(first) ?? []), entry]);
    const delayMs = Number(url.searchParams.get("delayMs") ?? 0);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (response.destroyed) return;
    const status = Number(url.searchParams.get("status") ?? 200);
    const raw = url.searchParams.get("raw");
    if (raw !== null) {
      response.writeHead(status, { "content-type": "text/plain" });
      response.end(raw);
      return;
    }
    let answer: unknown = {};
    if (url.searchParams.has("reply")) answer = JSON.parse(url.searchParams.get("reply")!);
    else if (url.searchParams.has("echo")) {
      const content = (JSON.parse(body) as { message?: { content?: string } }).message?.content ?? "";
      answer = { response: `handled: ${content}` };
    }
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the handler server has no port");
  return {
    origin: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const handler = await startHandlerServer(Number(process.argv[2] ?? 8790));
  console.log(`router handler listening on ${handler.origin} (GET /requests/<key> lists what it received)`);
}

// Outgoing mesh HTTP. A URL that names one of this Worker's own agents (or its anchor and its
// well-known document) is served in-process through the Durable Object stub: a Worker cannot reliably fetch its own hostname,
// and going through the stub is also what makes two hosted agents work in tests. Everything
// else is a real fetch with the spec's timeouts, never following redirects (mesh spec §4.1), and
// only after the URL passes the SSRF fetch rule (ssrf.ts).
import { checkFetchTarget, checkHandlerUrl, isRefusedHost, type FetchPolicy } from "../core/mesh/ssrf.js";
import { readLimited } from "../http/body.js";
import { canonicalPublicUrl } from "../core/mesh/url.js";
import { CLIENT_KEY_HEADER, INTERNAL_CLIENT } from "../core/client-address.js";
import { agentStub, directoryStub } from "../stubs.js";

export const DEFAULT_PUBLIC_URL = "http://localhost:8787";

/** The origin this Worker advertises (DM_PUBLIC_URL, canonical, no trailing slash). */
export function publicOrigin(env: Env): string {
  return canonicalPublicUrl(env.DM_PUBLIC_URL || DEFAULT_PUBLIC_URL) ?? DEFAULT_PUBLIC_URL;
}

/** P for a hosted agent (mesh spec §3.3): `<DM_PUBLIC_URL>/agents/<name>`. */
export function agentPublicUrl(env: Env, name: string): string {
  return `${publicOrigin(env)}/agents/${name}`;
}

/**
 * The fetch rule's policy for this Worker. DM_PRIVATE_PEERS: "allow" or "refuse"; otherwise
 * private peers are allowed exactly when our own origin is itself private (a local stack such as
 * the default http://localhost:8787, whose Python reference nodes listen on 127.0.0.1).
 */
export function fetchPolicy(env: Env): FetchPolicy {
  const ownPublicUrl = publicOrigin(env);
  const setting = env.DM_PRIVATE_PEERS;
  const allowPrivate =
    setting === "allow" ? true : setting === "refuse" ? false : isRefusedHost(new URL(ownPublicUrl).hostname);
  return { ownPublicUrl, allowPrivate };
}

export const AGENT_NAME_HEADER = "x-dm-agent-name";
export const AGENT_PATH = /^\/agents\/([a-z0-9][a-z0-9-]{0,62})(\/.*)?$/;

export type MeshCall = { ok: true; status: number; body: unknown } | { ok: false; error: string };

/** One mesh call: the status and parsed JSON body, or a transport failure (refused URL, connect error, timeout, non-JSON). */
export async function meshCall(
  env: Env,
  url: string,
  init: { method: "GET" | "POST"; body?: unknown; timeoutMs: number },
): Promise<MeshCall> {
  const verdict = checkFetchTarget(url, fetchPolicy(env)); // our own origin passes: it is dispatched in-process
  if (!verdict.isAllowed) return { ok: false, error: verdict.error };
  const request = new Request(url, {
    method: init.method,
    headers: init.body === undefined ? {} : { "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    redirect: "manual",
  });
  let response: Response;
  try {
    response = await withTimeout(dispatch(env, request), init.timeoutMs);
  } catch (error) {
    return { ok: false, error: (error as Error).message || "unreachable" };
  }
  const text = await response.text();
  try {
    return { ok: true, status: response.status, body: text ? JSON.parse(text) : undefined };
  } catch {
    return { ok: false, error: `non-JSON reply (HTTP ${response.status})` }; // §4.3: a non-JSON reply is a transport failure
  }
}

/** What a document fetch found: an answer (body undefined when it was not JSON), or why there is none. */
export type DocumentFetch =
  { kind: "answered"; status: number; body: unknown } | { kind: "refused" | "unreachable"; error: string };

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * GET a JSON document, following up to `maxRedirects` redirects by hand so that every hop passes
 * the SSRF fetch rule (mesh spec §13.1: discover_domain follows redirects and refuses a private
 * final host; checking each hop also refuses a private one on the way). `unreachable` is a
 * connection failure or timeout, the case the spec retries over http.
 */
export async function fetchDocument(
  env: Env,
  url: string,
  options: { timeoutMs: number; maxRedirects: number },
): Promise<DocumentFetch> {
  const deadline = Date.now() + options.timeoutMs;
  let current = url;
  for (let hop = 0; ; hop++) {
    const verdict = checkFetchTarget(current, fetchPolicy(env));
    if (!verdict.isAllowed) return { kind: "refused", error: verdict.error };
    let response: Response;
    try {
      const request = new Request(current, { method: "GET", redirect: "manual" });
      response = await withTimeout(dispatch(env, request), Math.max(0, deadline - Date.now()));
    } catch (error) {
      return { kind: "unreachable", error: (error as Error).message || "unreachable" };
    }
    const location = response.headers.get("location");
    if (REDIRECTS.has(response.status) && location) {
      await response.body?.cancel();
      if (hop >= options.maxRedirects) return { kind: "refused", error: `more than ${options.maxRedirects} redirects` };
      try {
        current = new URL(location, current).href;
      } catch {
        return { kind: "refused", error: "redirected to an invalid URL" };
      }
      continue;
    }
    const text = await response.text();
    try {
      return { kind: "answered", status: response.status, body: text ? JSON.parse(text) : undefined };
    } catch {
      return { kind: "answered", status: response.status, body: undefined };
    }
  }
}

/** The largest handler reply read: a `response` is at most 65 536 code points (4 bytes each) plus its JSON. */
export const MAX_HANDLER_REPLY_BYTES = 512 * 1024;

/**
 * One call of a router handler (src/mesh/agent/router.ts): a real fetch, never in-process, after
 * the URL passes the handler rule again (checkHandlerUrl: the rule may have changed with
 * DM_PUBLIC_URL since the PUT); no redirects; aborted at the timeout; the reply read up to
 * MAX_HANDLER_REPLY_BYTES.
 */
export async function handlerCall(
  env: Env,
  url: string,
  init: { body: string; headers: Record<string, string>; timeoutMs: number },
): Promise<{ ok: true; status: number; text: string } | { ok: false; error: string }> {
  const refused = checkHandlerUrl(url, publicOrigin(env));
  if (refused) return { ok: false, error: `handler URL refused: ${refused}` };
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), init.timeoutMs);
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...init.headers },
      body: init.body,
      redirect: "manual",
      signal: abort.signal,
    });
    const text = await readLimited(response, MAX_HANDLER_REPLY_BYTES);
    if (text === null) return { ok: false, error: `the handler's reply is over ${MAX_HANDLER_REPLY_BYTES} bytes` };
    return { ok: true, status: response.status, text };
  } catch (error) {
    if (abort.signal.aborted)
      return { ok: false, error: `the handler did not answer within ${init.timeoutMs / 1000} s` };
    return { ok: false, error: `the handler is unreachable: ${(error as Error).message || "fetch failed"}` };
  } finally {
    clearTimeout(timer);
  }
}

function dispatch(env: Env, request: Request): Promise<Response> {
  const origin = publicOrigin(env);
  if (request.url.startsWith(origin + "/")) {
    const path = request.url.slice(origin.length).split("?")[0]!;
    if (path === "/.well-known/darkmatter.json" && request.method === "GET")
      return directoryStub(env)
        .wellKnown()
        .then((document) => Response.json(document)); // our anchor's document (§9.3), as the mesh route serves it
    const agent = AGENT_PATH.exec(path);
    if (agent) {
      const stub = agentStub(env, agent[1]!); // AGENT_PATH admits only valid names
      const forwarded = new Request(request);
      forwarded.headers.set(AGENT_NAME_HEADER, agent[1]!);
      forwarded.headers.set(CLIENT_KEY_HEADER, INTERNAL_CLIENT); // our own agents are not anonymous clients
      return stub.fetch(forwarded);
    }
    if (path.startsWith("/__darkmatter__/peer_")) {
      const forwarded = new Request(request);
      forwarded.headers.set(CLIENT_KEY_HEADER, INTERNAL_CLIENT); // our agents registering with our own anchor
      return directoryStub(env).fetch(forwarded);
    }
  }
  return fetch(request);
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

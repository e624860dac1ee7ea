import { api } from "../api.js";

export const agentUrl = (name: string) => `http://localhost/agents/${name}`;

export async function createAgent(name: string) {
  const created = await api("POST", "/api/v1/agents", { body: { name, bio: `agent ${name}` } });
  if (created.status !== 201) throw new Error(`create ${name}: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body as { name: string; agent_id: string; url: string; token: string };
}

export const connection = (name: string, body: Record<string, unknown>) =>
  api("POST", `/api/v1/agents/${name}/connections`, { body });
export const send = (name: string, body: Record<string, unknown>) =>
  api("POST", `/api/v1/agents/${name}/messages`, { body });

/** a requests, b accepts: both sides end up connected (spec §10.2). */
export async function connect(a: string, b: string) {
  const requested = await connection(a, { action: "request", target_url: agentUrl(b) });
  if (requested.body.status === "connected") return;
  const pending = (await api("GET", `/api/v1/agents/${b}/connections/pending`)).body.requests;
  const request = pending.find((p: { from_agent_url: string }) => p.from_agent_url === agentUrl(a));
  const accepted = await connection(b, { action: "accept", request_id: request.request_id });
  if (accepted.status !== 200) throw new Error(`accept failed: ${JSON.stringify(accepted.body)}`);
}

/** Raw mesh call to a hosted agent, as a peer would make it. */
export async function mesh(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  return api(method, path, {
    token: null,
    headers,
    ...(body !== undefined && {
      raw: typeof body === "string" ? body : JSON.stringify(body),
      headers: { "content-type": "application/json", ...headers },
    }),
  });
}

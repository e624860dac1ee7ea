// Signed messages accepted per second by one hosted agent, from a loopback load generator (this
// process), with the agent's rate limits raised for the run. The inbox holds 50 messages (spec
// §12.1), so the load comes in waves of 45 concurrent deliveries and the inbox is dropped between
// waves; only the waves are timed. Ceilings to compare with: Ed25519 verify ≈ 15k/s per core via
// WebCrypto in workerd; one Durable Object serves roughly 1k requests/s.
import { signedMessageBody } from "../src/core/mesh/message-signing.js";
import { newPassport } from "../src/core/mesh/passport.js";
import { formatMeshTimestamp } from "../src/core/mesh/timestamp.js";
import { callJson } from "./http.js";
import { percentile, round, type Figure } from "./report.js";
import type { DevServer } from "../scripts/wrangler-dev.js";

const WAVE = 45;

export async function benchMesh(server: DevServer): Promise<Figure[]> {
  const token = server.vars.DM_OPERATOR_TOKEN!;
  const op = async (method: string, path: string, body?: unknown) => {
    const response = await callJson(server.baseUrl, token, method, path, body);
    if (response.status >= 400) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };
  await op("POST", "/api/v1/agents", { name: "bench-target" });
  const peer = newPassport();
  const requested = await callJson(server.baseUrl, "", "POST", "/agents/bench-target/__darkmatter__/connection_request", { from_agent_id: peer.agentId, from_agent_url: "http://127.0.0.1:9", from_agent_public_key_hex: peer.publicKeyHex });
  await op("POST", "/api/v1/agents/bench-target/connections", { action: "accept", request_id: requested.body.request_id });
  await op("PUT", "/api/v1/agents/bench-target/rate-limits", { limit: -1 });
  await op("PUT", "/api/v1/agents/bench-target/rate-limits", { agent_id: peer.agentId, limit: -1 });

  const latencies: number[] = [];
  let accepted = 0;
  let timedMs = 0;
  const waves = Number(process.env.DM_BENCH_MESH_WAVES ?? 40);
  let counter = 0;
  for (let wave = 0; wave < waves; wave++) {
    const bodies = await Promise.all(
      Array.from({ length: WAVE }, () =>
        signedMessageBody(peer, { message_id: `msg-${(counter++).toString(16).padStart(12, "0")}`, content: "load", webhook: "http://127.0.0.1:9/__darkmatter__/webhook/x", hops_remaining: 1, metadata: {}, timestamp: formatMeshTimestamp(Date.now()) }),
      ),
    );
    const start = performance.now();
    const results = await Promise.all(
      bodies.map(async (body) => {
        const t0 = performance.now();
        const response = await callJson(server.baseUrl, "", "POST", "/agents/bench-target/__darkmatter__/message", body);
        latencies.push(performance.now() - t0);
        return response.status;
      }),
    );
    timedMs += performance.now() - start;
    accepted += results.filter((status) => status === 200).length;
    if (results.some((status) => status !== 200)) throw new Error(`refused deliveries in wave ${wave}: ${results.filter((s) => s !== 200).join(",")}`);
    await op("DELETE", "/api/v1/agents/bench-target/inbox");
  }
  return [
    { name: "mesh.messages_accepted.rate", value: round(accepted / (timedMs / 1000), 0), unit: "messages/s", params: { messages: accepted, concurrency: WAVE, agent: "one hosted agent" } },
    { name: "mesh.message.latency.p50", value: round(percentile(latencies, 50)), unit: "ms", params: { concurrency: WAVE } },
    { name: "mesh.message.latency.p99", value: round(percentile(latencies, 99)), unit: "ms", params: { concurrency: WAVE } },
  ];
}

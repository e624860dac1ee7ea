// Signed messages accepted per second by one hosted agent, from a loopback load generator (this
// process), with the agent's rate limits raised for the run. The inbox holds 50 messages (spec
// §12.1), so the load comes in waves of 45 concurrent deliveries and the inbox is dropped between
// waves; only the waves are timed. Ceilings to compare with: Ed25519 verify ≈ 15k/s per core via
// WebCrypto in workerd; one Durable Object serves roughly 1k requests/s.
//
// Then the same figure while another client floods the same agent with anonymous requests (issue
// 11): the peer sends from 127.0.0.1, the flooder from 127.0.0.2 (wrangler dev reports the socket's
// address as CF-Connecting-IP), and the flood — connection requests, messages claiming the peer's
// id with another key's signature, unsigned peer_updates for the peer — is answered from the
// flooder's own per-address budget. The ratio flooded / quiet should stay near 1; both are
// measured back to back with the same number of waves, so they share the machine's state.
import { signedMessageBody, signedPeerUpdate } from "../src/core/mesh/message-signing.js";
import { newPassport, type Passport } from "../src/core/mesh/passport.js";
import { formatMeshTimestamp } from "../src/core/mesh/timestamp.js";
import { callJson, operatorCaller } from "../scripts/http-json.js";
import { percentile, round, type Figure } from "./report.js";
import type { DevServer } from "../scripts/wrangler-dev.js";

const WAVE = 45;
const PEER_ADDRESS = "127.0.0.1";
const FLOOD_ADDRESS = "127.0.0.2";
/** Anonymous requests in flight at once from the flooder. */
const FLOOD_CONCURRENCY = 8;
/** Bounds on the flood, whatever happens to the timed waves. */
const FLOOD_MAX_REQUESTS = 50_000;
const FLOOD_MAX_MS = 120_000;

interface WaveResult {
  accepted: number;
  refused: Record<number, number>;
  timedMs: number;
  latencies: number[];
}

export async function benchMesh(server: DevServer): Promise<Figure[]> {
  const token = server.vars.DM_OPERATOR_TOKEN!;
  const op = operatorCaller(server.baseUrl, token);
  await op("POST", "/api/v1/agents", { name: "bench-target" });
  await op("POST", "/api/v1/agents", { name: "bench-bystander" });
  const peer = newPassport();
  const requested = await callJson(
    server.baseUrl,
    "",
    "POST",
    "/agents/bench-target/__darkmatter__/connection_request",
    { from_agent_id: peer.agentId, from_agent_url: "http://127.0.0.1:9", from_agent_public_key_hex: peer.publicKeyHex },
  );
  await op("POST", "/api/v1/agents/bench-target/connections", {
    action: "accept",
    request_id: requested.body.request_id,
  });
  await op("PUT", "/api/v1/agents/bench-target/rate-limits", { limit: -1 });
  await op("PUT", "/api/v1/agents/bench-target/rate-limits", { agent_id: peer.agentId, limit: -1 });

  let counter = 0;
  /** `waves` timed waves of WAVE concurrent signed deliveries from the peer, the inbox emptied between them. */
  const signedWaves = async (waves: number, options: { isRefusalFatal: boolean }): Promise<WaveResult> => {
    const result: WaveResult = { accepted: 0, refused: {}, timedMs: 0, latencies: [] };
    for (let wave = 0; wave < waves; wave++) {
      const bodies = await Promise.all(
        Array.from({ length: WAVE }, () =>
          signedMessageBody(peer, {
            message_id: `msg-${(counter++).toString(16).padStart(12, "0")}`,
            content: "load",
            webhook: "http://127.0.0.1:9/__darkmatter__/webhook/x",
            hops_remaining: 1,
            metadata: {},
            timestamp: formatMeshTimestamp(Date.now()),
          }),
        ),
      );
      const start = performance.now();
      const statuses = await Promise.all(
        bodies.map(async (body) => {
          const t0 = performance.now();
          const response = await callJson(
            server.baseUrl,
            "",
            "POST",
            "/agents/bench-target/__darkmatter__/message",
            body,
            { localAddress: PEER_ADDRESS },
          );
          result.latencies.push(performance.now() - t0);
          return response.status;
        }),
      );
      result.timedMs += performance.now() - start;
      for (const status of statuses) {
        if (status === 200) result.accepted++;
        else result.refused[status] = (result.refused[status] ?? 0) + 1;
      }
      if (options.isRefusalFatal && statuses.some((status) => status !== 200))
        throw new Error(`refused deliveries in wave ${wave}: ${statuses.filter((s) => s !== 200).join(",")}`);
      await op("DELETE", "/api/v1/agents/bench-target/inbox");
    }
    return result;
  };

  const waves = Number(process.env.DM_BENCH_MESH_WAVES ?? 40);
  const plain = await signedWaves(waves, { isRefusalFatal: true });

  const floodWaves = Number(process.env.DM_BENCH_MESH_FLOOD_WAVES ?? 20);
  const quiet = await signedWaves(floodWaves, { isRefusalFatal: true });
  const flood = startFlood(server.baseUrl, "bench-target", peer);
  const flooded = await signedWaves(floodWaves, { isRefusalFatal: false });
  const flooding = await flood.stop();
  // Control: the same flood against another hosted agent. What the peer loses here is the
  // machine's (the flooder, wrangler dev and this generator share its cores), not the target's;
  // the gap between the two ratios is what the flood costs the agent it aims at.
  const quietAgain = await signedWaves(floodWaves, { isRefusalFatal: true });
  const elsewhere = startFlood(server.baseUrl, "bench-bystander", peer);
  const floodedElsewhere = await signedWaves(floodWaves, { isRefusalFatal: false });
  const floodingElsewhere = await elsewhere.stop();

  const rate = (r: WaveResult) => r.accepted / (r.timedMs / 1000);
  const quietRate = rate(quiet);
  const floodedRate = rate(flooded);
  const floodParams = {
    flooder: FLOOD_ADDRESS,
    peer: PEER_ADDRESS,
    flood_concurrency: FLOOD_CONCURRENCY,
    concurrency: WAVE,
    waves: floodWaves,
  };
  return [
    {
      name: "mesh.messages_accepted.rate",
      value: round(rate(plain), 0),
      unit: "messages/s",
      params: { messages: plain.accepted, concurrency: WAVE, agent: "one hosted agent" },
    },
    {
      name: "mesh.message.latency.p50",
      value: round(percentile(plain.latencies, 50)),
      unit: "ms",
      params: { concurrency: WAVE },
    },
    {
      name: "mesh.message.latency.p99",
      value: round(percentile(plain.latencies, 99)),
      unit: "ms",
      params: { concurrency: WAVE },
    },
    {
      name: "mesh.messages_accepted.quiet.rate",
      value: round(quietRate, 0),
      unit: "messages/s",
      params: { ...floodParams, messages: quiet.accepted, flood: "none" },
    },
    {
      name: "mesh.messages_accepted.under_flood.rate",
      value: round(floodedRate, 0),
      unit: "messages/s",
      params: {
        ...floodParams,
        messages: flooded.accepted,
        refused: flooded.refused,
        flood_requests: flooding.requests,
      },
    },
    {
      name: "mesh.messages_accepted.under_flood.ratio",
      value: round(floodedRate / quietRate, 2),
      unit: "x",
      params: { ...floodParams, ratioOf: "under_flood/quiet" },
    },
    {
      name: "mesh.messages_accepted.flood_elsewhere.ratio",
      value: round(rate(floodedElsewhere) / rate(quietAgain), 2),
      unit: "x",
      params: {
        ...floodParams,
        ratioOf: "under_flood_of_another_agent/quiet",
        quiet_rate: round(rate(quietAgain), 0),
        flooded_rate: round(rate(floodedElsewhere), 0),
        flood_requests: floodingElsewhere.requests,
      },
    },
    {
      name: "mesh.message.under_flood.latency.p99",
      value: round(percentile(flooded.latencies, 99)),
      unit: "ms",
      params: { ...floodParams, quiet_p99_ms: round(percentile(quiet.latencies, 99)) },
    },
    {
      name: "mesh.flood.anonymous_requests.rate",
      value: round(flooding.requests / (flooding.ms / 1000), 0),
      unit: "requests/s",
      params: { ...floodParams, requests: flooding.requests, statuses: flooding.statuses },
    },
  ];
}

/**
 * Anonymous requests against `target` from FLOOD_ADDRESS, FLOOD_CONCURRENCY at a time, until
 * stopped (or FLOOD_MAX_REQUESTS / FLOOD_MAX_MS, whichever comes first).
 */
function startFlood(base: string, target: string, peer: Passport) {
  const stranger = newPassport(); // signs what it claims the peer's identity for: never the peer's key
  const statuses: Record<number, number> = {};
  const started = performance.now();
  let requests = 0;
  let isStopped = false;
  const next = async (i: number) => {
    const now = formatMeshTimestamp(Date.now());
    switch (i % 3) {
      case 0:
        return callJson(
          base,
          "",
          "POST",
          `/agents/${target}/__darkmatter__/connection_request`,
          { from_agent_id: `flood-${i}`, from_agent_url: `https://flood-${i}.example.com` },
          { localAddress: FLOOD_ADDRESS },
        );
      case 1: {
        const forged = await signedMessageBody(stranger, {
          message_id: `msg-f${i.toString(16).padStart(11, "0")}`,
          content: "forged",
          webhook: "https://flood.example.com/__darkmatter__/webhook/x",
          hops_remaining: 1,
          metadata: {},
          timestamp: now,
        });
        return callJson(
          base,
          "",
          "POST",
          `/agents/${target}/__darkmatter__/message`,
          { ...forged, from_agent_id: peer.agentId, from_public_key_hex: peer.publicKeyHex },
          { localAddress: FLOOD_ADDRESS },
        );
      }
      default:
        return callJson(
          base,
          "",
          "POST",
          `/agents/${target}/__darkmatter__/peer_update`,
          { ...(await signedPeerUpdate(stranger, "https://hijack.example.com", now)), agent_id: peer.agentId },
          { localAddress: FLOOD_ADDRESS },
        );
    }
  };
  const worker = async () => {
    while (!isStopped && requests < FLOOD_MAX_REQUESTS && performance.now() - started < FLOOD_MAX_MS) {
      const { status } = await next(requests++);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  const workers = Promise.all(Array.from({ length: FLOOD_CONCURRENCY }, worker));
  return {
    async stop() {
      isStopped = true;
      await workers;
      return { requests, ms: performance.now() - started, statuses };
    },
  };
}

// MCP overhead (issue 14): `tools/call` through a hosted agent's MCP server against the same
// operation over the REST operator API, through wrangler dev, one call at a time (latency, not
// throughput). darkmatter_get_identity ~ GET /api/v1/agents/{name}; darkmatter_send_message ~
// POST /api/v1/agents/{name}/messages (a signed message to a connected hosted agent, in-process).
// The ratio MCP p50 / REST p50 is the overhead: the SDK client's JSON-RPC framing, the SDK
// server's message validation and transport, and the tool's argument validation; `overhead_ms`
// is the same difference in milliseconds. Target ≤ 1.3.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { operatorCaller } from "../scripts/http-json.js";
import { percentile, round, type Figure } from "./report.js";
import type { DevServer } from "../scripts/wrangler-dev.js";

const CALLS = 200;
/** The receiver's inbox holds 50 (spec §12.1): it is emptied between batches, outside the timing. */
const BATCH = 40;

export async function benchMcp(server: DevServer): Promise<Figure[]> {
  const token = server.vars.DM_OPERATOR_TOKEN!;
  const op = operatorCaller(server.baseUrl, token);
  const sender = await op("POST", "/api/v1/agents", { name: "mcp-bench-a" });
  const receiver = await op("POST", "/api/v1/agents", { name: "mcp-bench-b" });
  await op("POST", "/api/v1/agents/mcp-bench-a/connections", { action: "request", target_url: receiver.url });
  const pending = await op("GET", "/api/v1/agents/mcp-bench-b/connections/pending");
  await op("POST", "/api/v1/agents/mcp-bench-b/connections", {
    action: "accept",
    request_id: pending.requests[0].request_id,
  });
  for (const name of ["mcp-bench-a", "mcp-bench-b"])
    await op("PUT", `/api/v1/agents/${name}/rate-limits`, { limit: -1 });
  await op("PUT", "/api/v1/agents/mcp-bench-b/rate-limits", { agent_id: sender.agent_id, limit: -1 });
  await op("PUT", "/api/v1/agents/mcp-bench-a/rate-limits", { agent_id: receiver.agent_id, limit: -1 });

  const client = new Client({ name: "darkmatter-bench", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${server.baseUrl}/agents/mcp-bench-a/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  const tool = async (name: string, params?: unknown) => {
    const result = await client.callTool({ name, arguments: params === undefined ? {} : { params } });
    if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content)}`);
  };

  // REST and MCP calls alternate, one each per round, so both see the same machine load, isolate
  // warmth and garbage collector (timed in blocks, the later block drifted by up to 2x here).
  const timedPair = async (
    rest: () => Promise<unknown>,
    mcp: () => Promise<unknown>,
    between?: () => Promise<unknown>,
  ) => {
    const samples = { rest: [] as number[], mcp: [] as number[] };
    for (let i = 0; i < CALLS; i++) {
      if (between && i % (BATCH / 2) === 0) await between();
      for (const [kind, work] of [
        ["rest", rest],
        ["mcp", mcp],
      ] as const) {
        const started = performance.now();
        await work();
        samples[kind].push(performance.now() - started);
      }
    }
    return samples;
  };
  const dropInbox = () => op("DELETE", "/api/v1/agents/mcp-bench-b/inbox");
  const message = { content: "bench", target_agent_id: receiver.agent_id };

  // Warm both paths first (isolate, objects, the SDK client's negotiation).
  await timedPair(
    () => op("GET", "/api/v1/agents/mcp-bench-a"),
    () => tool("darkmatter_get_identity"),
  );
  const figures: Figure[] = [];
  const pairs: Array<[string, () => Promise<unknown>, () => Promise<unknown>, (() => Promise<unknown>)?]> = [
    ["get_identity", () => op("GET", "/api/v1/agents/mcp-bench-a"), () => tool("darkmatter_get_identity")],
    [
      "send_message",
      () => op("POST", "/api/v1/agents/mcp-bench-a/messages", message),
      () => tool("darkmatter_send_message", message),
      dropInbox,
    ],
  ];
  for (const [name, rest, mcp, between] of pairs) {
    const { rest: restSamples, mcp: mcpSamples } = await timedPair(rest, mcp, between);
    const restP50 = percentile(restSamples, 50);
    const mcpP50 = percentile(mcpSamples, 50);
    figures.push(
      { name: `mcp.${name}.rest.p50`, value: round(restP50), unit: "ms", params: { calls: CALLS } },
      { name: `mcp.${name}.rest.p99`, value: round(percentile(restSamples, 99)), unit: "ms", params: { calls: CALLS } },
      { name: `mcp.${name}.tools_call.p50`, value: round(mcpP50), unit: "ms", params: { calls: CALLS } },
      {
        name: `mcp.${name}.tools_call.p99`,
        value: round(percentile(mcpSamples, 99)),
        unit: "ms",
        params: { calls: CALLS },
      },
      { name: `mcp.${name}.overhead`, value: round(mcpP50 / restP50), unit: "ratio", params: { target: "≤ 1.3" } },
      { name: `mcp.${name}.overhead_ms`, value: round(mcpP50 - restP50), unit: "ms", params: { calls: CALLS } },
    );
  }
  await client.close();
  return figures;
}

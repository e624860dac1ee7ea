// Messages answered per second by a hosted agent's router (issue 15), end to end: a hosted
// sender posts messages to a hosted responder through the operator API; the responder's router
// answers each through the sender's webhook, signed; a message counts once the sender's sent
// record holds its response. Two routers: a RESPOND rule (no handler), and spawn mode with a
// handler process on loopback (scripts/router-handler.ts, in this process) that echoes.
//
// Messages go in waves of WAVE at once, the next wave after every answer of the last one arrived:
// WAVE stays under the handler's maxConcurrent bound (16), so no message is refused for it, and
// under the sender's 100 kept sent messages. Part of `npm run bench -- mesh`.
import { operatorCaller } from "../scripts/http-json.js";
import { startHandlerServer } from "../scripts/router-handler.js";
import { percentile, round, type Figure } from "./report.js";
import type { DevServer } from "../scripts/wrangler-dev.js";

const WAVE = 16;
/** How often the sender's sent records are read while a wave is answered (each read is a call on the sender's object). */
const POLL_MS = Number(process.env.DM_BENCH_ROUTER_POLL_MS ?? 25);

export async function benchRouter(server: DevServer): Promise<Figure[]> {
  const token = server.vars.DM_OPERATOR_TOKEN!;
  const op = operatorCaller(server.baseUrl, token);
  const handler = await startHandlerServer();
  const waves = Number(process.env.DM_BENCH_ROUTER_WAVES ?? 12);
  try {
    const run = async (label: string, router: unknown) => {
      const sender = `bench-router-${label}-a`;
      const responder = `bench-router-${label}-b`;
      await op("POST", "/api/v1/agents", { name: sender });
      const b = await op("POST", "/api/v1/agents", { name: responder });
      const requested = await op("POST", `/api/v1/agents/${sender}/connections`, {
        action: "request",
        target_url: `${server.baseUrl}/agents/${responder}`,
      });
      await op("POST", `/api/v1/agents/${responder}/connections`, {
        action: "accept",
        request_id: requested.request_id,
      });
      for (const [name, peer] of [
        [sender, b.agent_id],
        [responder, (await op("GET", `/api/v1/agents/${sender}`)).agent_id],
      ]) {
        await op("PUT", `/api/v1/agents/${name}/rate-limits`, { limit: -1 });
        await op("PUT", `/api/v1/agents/${name}/rate-limits`, { agent_id: peer, limit: -1 });
      }
      await op("PUT", `/api/v1/agents/${responder}/router`, router);

      let answered = 0;
      let unanswered = 0;
      let timedMs = 0;
      const latencies: number[] = [];
      for (let wave = 0; wave < waves; wave++) {
        const started = performance.now();
        const sent = await Promise.all(
          Array.from({ length: WAVE }, async (_, i) => {
            const t0 = performance.now();
            const result = await op("POST", `/api/v1/agents/${sender}/messages`, {
              content: `wave ${wave} message ${i}`,
              target_agent_id: b.agent_id,
            });
            return { id: result.message_id as string, t0 };
          }),
        );
        const waiting = new Map(sent.map((s) => [s.id, s.t0]));
        const deadline = performance.now() + 30_000;
        while (waiting.size > 0 && performance.now() < deadline) {
          const items = (await op("GET", `/api/v1/agents/${sender}/sent`)).items as Array<{
            message_id: string;
            response: unknown;
          }>;
          const now = performance.now();
          for (const item of items)
            if (item.response && waiting.has(item.message_id)) {
              latencies.push(now - waiting.get(item.message_id)!);
              waiting.delete(item.message_id);
              answered++;
            }
          if (waiting.size > 0) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        }
        unanswered += waiting.size;
        timedMs += performance.now() - started;
      }
      const decisions = (await op("GET", `/api/v1/agents/${responder}/router/decisions`)).items as Array<{
        outcome: string;
      }>;
      return {
        answered,
        unanswered,
        timedMs,
        latencies,
        failedDecisions: decisions.filter((d) => d.outcome !== "done").length,
      };
    };

    const rule = await run("rule", {
      mode: "rules_only",
      rules: [{ action: "RESPOND", response: "ack: {{content}}" }],
    });
    const handled = await run("handler", {
      mode: "spawn",
      handler: { url: `${handler.origin}/bench?echo=1`, maxConcurrent: 16, maxPerHour: 3600 },
    });
    const figure = (label: string, r: typeof rule, what: string): Figure[] => [
      {
        name: `mesh.router.${label}.answered.rate`,
        value: round(r.answered / (r.timedMs / 1000), 0),
        unit: "messages/s",
        params: {
          what,
          concurrency: WAVE,
          waves,
          answered: r.answered,
          unanswered: r.unanswered,
          failed_decisions: r.failedDecisions,
        },
      },
      {
        name: `mesh.router.${label}.answer.latency.p50`,
        value: round(percentile(r.latencies, 50)),
        unit: "ms",
        params: { what: "send → response on the sender's sent record", poll_ms: POLL_MS, concurrency: WAVE },
      },
      {
        name: `mesh.router.${label}.answer.latency.p99`,
        value: round(percentile(r.latencies, 99)),
        unit: "ms",
        params: { concurrency: WAVE },
      },
    ];
    return [
      ...figure("respond_rule", rule, "a RESPOND rule answers (no handler)"),
      ...figure("loopback_handler", handled, "spawn: a loopback handler process answers each message"),
    ];
  } finally {
    await handler.close();
  }
}

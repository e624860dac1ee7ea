// A poison message through the real queues: it ends in the dead-letter queue without reaching
// HALO, and the pipeline's own report of it (events.dead_lettered, an error) is what HALO sees.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newId } from "../../src/core/ids.js";
import { api } from "../api.js";
import { allEvents, eventually, store } from "../events/helpers.js";

describe("a poison message", { timeout: 40_000 }, () => {
  it("ends in the dead-letter queue, and HALO sees the report of it as evidence", async () => {
    const id = newId("ev");
    const poison = {
      id,
      type: "squad.task.completed",
      source: "test",
      severity: "info",
      time: Date.now(),
      data: { result: "no task id" },
    };
    await env.EVENTS.send(poison, { contentType: "json" });
    const failure = await eventually(async () => {
      const row = await store().failure(id);
      return row?.status === "dead-lettered" && row;
    }, "the dead letter");
    expect(failure).toMatchObject({ eventId: id, type: "squad.task.completed", attempts: 1 });
    expect(failure.lastError).toContain("/data/taskId");
    expect(await store().get(id)).toBeNull();
    expect(
      (await env.DB.prepare("SELECT count(*) AS n FROM halo_triggers WHERE event_id = ?")
        .bind(id)
        .first<{ n: number }>())!.n,
    ).toBe(0);

    const report = await eventually(
      async () => (await allEvents({ type: "events.dead_lettered" })).find((e) => e.data.eventId === id),
      "events.dead_lettered",
    );
    const seen = await eventually(async () => {
      const cycles = (await api("GET", "/api/v1/halo/cycles?trigger=event&limit=100")).body.items as Array<{
        id: string;
        triggerEvents: string[];
      }>;
      const cycle = cycles.find((c) => c.triggerEvents.includes(report.id));
      if (!cycle) return null;
      return (await api("GET", `/api/v1/halo/cycles/${cycle.id}`)).body.found.find(
        (w: { fingerprint: string }) => w.fingerprint === "error-events:event:events.dead_lettered",
      );
    }, "the cycle of the report");
    expect(seen.evidence).toContain(report.id);
    expect(seen.taskId).toMatch(/^task_/);
  });
});

import { describe, expect, it } from "vitest";
import { http } from "./http.js";

async function poll<T>(read: () => Promise<T | null>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`not there after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("events over HTTP against wrangler dev", () => {
  it("an event posted to /api/v1/events goes through the local queue and becomes readable at GET /api/v1/events/:id", async () => {
    const posted = await http("POST", "/api/v1/events", {
      body: { type: "sim.episode.finished", source: "e2e", severity: "error", data: { episode: 1, reward: 0.5 } },
    });
    expect(posted.status).toBe(202);
    const id = posted.body.id;
    const read = await poll(async () => {
      const response = await http("GET", `/api/v1/events/${id}`);
      return response.status === 200 && response.body.routedAt !== null ? response : null; // stored, then routed (HALO trigger) moments later
    });
    expect(read.body).toMatchObject({
      id,
      type: "sim.episode.finished",
      source: "e2e",
      severity: "error",
      data: { episode: 1, reward: 0.5 },
      routedAt: expect.any(Number),
    });
    const listed = await http("GET", "/api/v1/events?type=sim.*&severity=error");
    expect(listed.body.items.map((e: { id: string }) => e.id)).toContain(id);
  });

  it("a world line created over HTTP shows up as a worldline.created event", async () => {
    const wl = (await http("POST", "/api/v1/worldlines", { body: { name: "e2e-events" } })).body;
    const event = await poll(
      async () => (await http("GET", `/api/v1/events?worldline=${wl.id}&type=worldline.created`)).body.items[0] ?? null,
    );
    expect(event).toMatchObject({
      type: "worldline.created",
      worldline: wl.id,
      data: { name: "e2e-events", head: wl.head },
    });
  });
});

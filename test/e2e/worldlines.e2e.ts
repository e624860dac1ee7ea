import { describe, expect, it } from "vitest";
import { http } from "./http.js";

describe("world lines over HTTP against wrangler dev", () => {
  it("creates, patches, forks, patches both sides and merges", async () => {
    const created = await http("POST", "/api/v1/worldlines", {
      body: { name: "e2e", entities: { sun: { mass: 1, spin: 1 }, earth: { mass: 1 } } },
    });
    expect(created.status).toBe(201);
    const id = created.body.id;

    const patched = await http("PATCH", `/api/v1/worldlines/${id}/state`, {
      body: [{ op: "add", path: "/moon", value: { mass: 0.01 } }],
      contentType: "application/json-patch+json",
    });
    expect(patched.status).toBe(200);

    const fork = await http("POST", `/api/v1/worldlines/${id}/fork`, { body: { name: "e2e-fork" } });
    expect(fork.status).toBe(201);
    expect(fork.body.head).toBe(patched.body.commit);

    const ours = await http("PATCH", `/api/v1/worldlines/${id}/state`, {
      body: { sun: { mass: 2 } },
      contentType: "application/merge-patch+json",
      headers: { "if-match": `"${patched.body.commit}"` },
    });
    const theirs = await http("PATCH", `/api/v1/worldlines/${fork.body.id}/state`, {
      body: { sun: { spin: 9 }, earth: null },
      contentType: "application/merge-patch+json",
    });
    expect([ours.status, theirs.status]).toEqual([200, 200]);

    const merged = await http("POST", `/api/v1/worldlines/${id}/merge`, { body: { source: fork.body.id } });
    expect(merged.status).toBe(200);
    expect(merged.body.parents).toEqual([ours.body.commit, theirs.body.commit]);

    const state = await http("GET", `/api/v1/worldlines/${id}/state`);
    expect(state.body.entities).toEqual({ sun: { mass: 2, spin: 9 }, moon: { mass: 0.01 } });
    const graph = await http("GET", "/api/v1/multiverse");
    expect(
      graph.body.edges
        .filter((e: { to: string; from: string }) => e.to === id || e.from === id)
        .map((e: { kind: string }) => e.kind),
    ).toEqual(["fork", "merge"]);
  });

  it("answers problem+json for bad input, missing tokens and unknown routes, and serves docs and the dashboard", async () => {
    const noToken = await http("POST", "/api/v1/worldlines", { body: { name: "x" }, token: null });
    expect([noToken.status, noToken.contentType]).toEqual([401, "application/problem+json"]);
    const bad = await http("POST", "/api/v1/worldlines", { body: { name: 5 } });
    expect([bad.status, bad.body.errors[0].path]).toEqual([400, "/name"]);
    const unknown = await http("GET", "/api/v1/unknown");
    expect([unknown.status, unknown.contentType]).toEqual([404, "application/problem+json"]);
    expect((await http("GET", "/api/openapi.json")).body.openapi).toBe("3.1.0");
    expect((await http("GET", "/api/docs")).contentType).toContain("text/html");
    const dashboard = await http("GET", "/");
    expect(dashboard.contentType).toContain("text/html");
    expect(dashboard.body).toContain('<div id="root">');
  });
});

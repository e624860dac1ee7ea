// Issue 14: an LLM drives the control plane through MCP alone — create, patch, fork, merge,
// propose — and the REST API reads back exactly what it did.
import { describe, expect, it } from "vitest";
import { api } from "../api.js";
import { controlClient, result } from "./control-client.js";

describe("a control-plane flow over MCP", { timeout: 60_000 }, () => {
  it("creates, patches, forks, merges and proposes, and REST sees every step", async () => {
    const client = await controlClient();
    const line = await result(client, "darkmatter_worldline_create", {
      name: "orbit",
      entities: { sun: { mass: 1 } },
      privacy: "public-network",
    });
    const patched = await result(client, "darkmatter_worldline_patch", {
      id: line.id,
      jsonPatch: [{ op: "add", path: "/earth", value: { mass: 0.003, moons: 1 } }],
      message: "add earth",
    });
    const fork = await result(client, "darkmatter_worldline_fork", { id: line.id, name: "orbit-experiment" });
    const experiment = await result(client, "darkmatter_worldline_patch", {
      id: fork.id,
      mergePatch: { mars: { mass: 0.0003 } },
    });
    const merge = await result(client, "darkmatter_worldline_merge", {
      id: line.id,
      source: fork.id,
      message: "bring mars in",
    });
    const proposal = await result(client, "darkmatter_promotion_propose", { kind: "promote", worldline: line.id });

    const state = (await api("GET", `/api/v1/worldlines/${line.id}/state`)).body;
    expect(state.entities).toEqual({ sun: { mass: 1 }, earth: { mass: 0.003, moons: 1 }, mars: { mass: 0.0003 } });
    const info = (await api("GET", `/api/v1/worldlines/${line.id}`)).body;
    expect(info).toMatchObject({ head: merge.commit, color: "blue", privacy: "public-network" });
    const commits = (await api("GET", `/api/v1/worldlines/${line.id}/commits`)).body.items;
    expect(commits[0]).toMatchObject({ id: merge.commit, message: "bring mars in" });
    expect(commits[0].parents.sort()).toEqual([patched.commit, experiment.commit].sort());
    expect(commits.map((commit: { message: string }) => commit.message)).toContain("add earth");
    const forkInfo = (await api("GET", `/api/v1/worldlines/${fork.id}`)).body;
    expect(forkInfo).toMatchObject({ parents: [line.id], head: experiment.commit, privacy: "public-network" });
    const graph = (await api("GET", "/api/v1/multiverse")).body;
    expect(graph.edges).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ from: line.id, to: fork.id, kind: "fork" }),
        expect.objectContaining({ from: fork.id, to: line.id, kind: "merge", commit: merge.commit }),
      ]),
    );
    const pending = (await api("GET", `/api/v1/promotions/${proposal.id}`)).body;
    expect(pending).toMatchObject({
      status: "pending",
      approvals: [],
      payload: { kind: "promote", worldline: line.id, commit: merge.commit },
    });
  });
});

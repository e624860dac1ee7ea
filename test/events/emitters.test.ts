// The system's own emitters: world-line and ledger writes produce their events, through the real
// queue into D1; an emit that fails never fails the write that caused it.
import { describe, expect, it } from "vitest";
import { emitEvent } from "../../src/events/producer.js";
import { api, createWorldLine, mergePatch } from "../api.js";
import { authorities } from "../keys.js";
import { approve, propose } from "../ledger-helpers.js";
import { allEvents, eventually } from "./helpers.js";

const [alice, bob] = authorities;

/** The events about one world line, once `types` are all there (the queue delivers within seconds). */
async function eventsFor(worldline: string, types: string[]) {
  return eventually(
    async () => {
      const found = await allEvents({ worldline });
      return types.every((type) => found.some((e) => e.type === type)) && found;
    },
    `${types.join(", ")} for ${worldline}`,
  );
}

describe("world-line events", () => {
  it("creating, forking, merging and terminating a world line each leave their event in D1", async () => {
    const parent = await createWorldLine({ name: "origin", entities: { sun: { mass: 1 } }, privacy: "p2p" });
    const fork = (await api("POST", `/api/v1/worldlines/${parent.id}/fork`, { body: { name: "branch" } })).body;
    await mergePatch(fork.id, { moon: { mass: 0.01 } });
    const merged = (await api("POST", `/api/v1/worldlines/${parent.id}/merge`, { body: { source: fork.id } })).body;
    await api("DELETE", `/api/v1/worldlines/${fork.id}`);

    const onParent = await eventsFor(parent.id, ["worldline.created", "worldline.merged"]);
    expect(onParent.find((e) => e.type === "worldline.created")).toMatchObject({
      severity: "info",
      source: "darkmatter-edge",
      data: { name: "origin", privacy: "p2p", head: parent.head },
    });
    expect(onParent.find((e) => e.type === "worldline.merged")!.data).toEqual({
      source: fork.id,
      commit: merged.commit,
      base: parent.head,
      changed: 1,
      resolved: 0,
    });
    const onFork = await eventsFor(fork.id, ["worldline.forked", "worldline.terminated"]);
    expect(onFork.find((e) => e.type === "worldline.forked")!.data).toEqual({
      parent: parent.id,
      name: "branch",
      privacy: "p2p",
      head: parent.head,
    });
    expect(onFork.find((e) => e.type === "worldline.terminated")!.data).toMatchObject({ name: "branch" });
    // a patch is not an event of its own (commits are in the history); and nothing is doubled
    expect(onFork.map((e) => e.type).sort()).toEqual(["worldline.forked", "worldline.terminated"]);
  });

  it("a refused write emits nothing", async () => {
    const wl = await createWorldLine();
    await api("DELETE", `/api/v1/worldlines/${wl.id}`);
    expect((await api("DELETE", `/api/v1/worldlines/${wl.id}`)).status).toBe(410);
    const events = await eventsFor(wl.id, ["worldline.created", "worldline.terminated"]);
    expect(events.filter((e) => e.type === "worldline.terminated")).toHaveLength(1);
  });
});

describe("ledger events", () => {
  it("a proposal, its promotion and a rollback each leave their event in D1", async () => {
    const wl = await createWorldLine({ entities: { v: 1 } });
    const promote = async () => {
      const { body } = await propose({ worldline: wl.id, kind: "promote" });
      await approve(body.id, body.digest, alice!);
      return { proposal: body, decided: (await approve(body.id, body.digest, bob!)).body };
    };
    const first = await promote();
    await mergePatch(wl.id, { v: 2 });
    await promote();
    const { body: rollback } = await propose({
      worldline: wl.id,
      kind: "rollback",
      commit: first.proposal.payload.commit,
    });
    await approve(rollback.id, rollback.digest, alice!);
    const rolledBack = (await approve(rollback.id, rollback.digest, bob!)).body;

    const events = await eventsFor(wl.id, ["ledger.proposal.created", "ledger.promoted", "ledger.rolled_back"]);
    const proposals = events.filter((e) => e.type === "ledger.proposal.created");
    expect(proposals.map((e) => e.data.kind).sort()).toEqual(["promote", "promote", "rollback"]);
    expect(proposals.find((e) => e.data.proposal === first.proposal.id)!.data).toEqual({
      proposal: first.proposal.id,
      kind: "promote",
      commit: wl.head,
      stateRoot: first.proposal.payload.stateRoot,
      digest: first.proposal.digest,
    });
    const promoted = await eventually(
      async () =>
        (await allEvents({ worldline: wl.id, type: "ledger.promoted" })).length === 2 &&
        (await allEvents({ worldline: wl.id, type: "ledger.promoted" })),
      "both promotions",
    );
    expect(promoted.find((e) => e.data.proposal === first.proposal.id)!.data).toEqual({
      proposal: first.proposal.id,
      commit: wl.head,
      stateRoot: first.proposal.payload.stateRoot,
      ledgerIndex: first.decided.decision.index,
      ledgerHash: first.decided.decision.hash,
      approvals: 2,
    });
    expect(events.find((e) => e.type === "ledger.rolled_back")).toMatchObject({
      severity: "warning",
      data: { proposal: rollback.id, commit: wl.head, ledgerIndex: rolledBack.decision.index },
    });
  });
});

describe("the producer", () => {
  it("never throws: a queue that refuses, or an invalid event, is logged and reported as null", async () => {
    const refusing = {
      EVENTS: {
        send: async () => {
          throw new Error("queue down");
        },
        sendBatch: async () => {
          throw new Error("queue down");
        },
      } as unknown as Queue,
    };
    await expect(
      emitEvent(refusing, { type: "worldline.terminated", data: { name: "x", head: "0".repeat(64) } }),
    ).resolves.toBeNull();
    const accepting = { EVENTS: { sendBatch: async () => ({}) } as unknown as Queue };
    await expect(
      emitEvent(accepting, { type: "worldline.terminated", data: { name: "x", head: "not a hash" } }),
    ).resolves.toBeNull();
    await expect(
      emitEvent(accepting, { type: "worldline.terminated", data: { name: "x", head: "0".repeat(64) } }),
    ).resolves.toMatch(/^ev_/);
  });
});

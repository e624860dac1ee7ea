// Issue 12: every arbiter effect (quarantine, event, hub broadcast, ledger anchor) happens once per
// beat, however often a flush is retried or interleaved, and none is lost while a dependency fails.
// The failing dependency is real: a subscriber agent set inactive answers the hub's message 503.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createWorldLine } from "../api.js";
import { allEvents, eventually } from "../events/helpers.js";
import { connect, createAgent } from "../mesh/mesh-helpers.js";
import { effectKey, effectsOfBeat } from "../../src/core/arbiter/outbox.js";
import { LEDGER_NAME } from "../../src/core/object-names.js";

const arbiterStub = (id: string) => env.ARBITER.get(env.ARBITER.idFromName(id)) as unknown as DurableObjectStub;
const beats = (id: string, count: number) => api("POST", `/api/v1/worldlines/${id}/arbiter/beats`, { body: { count } });
const anchors = async (id: string) =>
  (await api("GET", `/api/v1/ledger/entries?kind=anchor&worldline=${id}&limit=1000`)).body.items as Array<{
    data: { root: string; size: number; note: string };
  }>;
const inbox = async (agent: string) =>
  ((await api("GET", `/api/v1/agents/${agent}/inbox`)).body.items as Array<{ content: string }>).map(
    (m) => JSON.parse(m.content) as { type: string; beat: number; worldline: string },
  );
const pending = (id: string) =>
  runInDurableObject(arbiterStub(id), (_i, state) =>
    state.storage.sql.exec<{ key: string; effect: string }>("SELECT key, effect FROM outbox ORDER BY seq").toArray(),
  );
const setActive = (agent: string, active: boolean) =>
  api("PUT", `/api/v1/agents/${agent}/status`, { body: { active } });

/** Events reach D1 through the real queue (1 s batches): wait for `count`, then long enough for a duplicate to land too. */
async function settledEvents(worldline: string, type: string, count: number) {
  await eventually(async () => (await allEvents({ worldline, type })).length >= count, `${count} ${type} events`);
  await new Promise((resolve) => setTimeout(resolve, 2500));
  return allEvents({ worldline, type });
}

let agents = 0;
/** A hosted agent connected to the hub, subscribed to a new world line's arbiter. */
async function subscribedWorldLine(options: { subscribers?: number } = {}) {
  const names: string[] = [];
  const ids: string[] = [];
  for (let i = 0; i < (options.subscribers ?? 1); i++) {
    const name = `effects-watcher-${++agents}`;
    const agent = await createAgent(name);
    await connect(name, "hub");
    names.push(name);
    ids.push(agent.agent_id);
  }
  const wl = await createWorldLine();
  expect((await api("PUT", `/api/v1/worldlines/${wl.id}/subscribers`, { body: { agents: ids } })).status).toBe(200);
  return { wl, names, ids };
}

describe("arbiter effects while a subscriber refuses the hub's message", { timeout: 40_000 }, () => {
  it("applies the rest once, keeps the broadcast, and delivers it once on a later alarm when the subscriber is back", async () => {
    const {
      wl,
      names: [watcher],
    } = await subscribedWorldLine();
    await setActive(watcher!, false);
    await api("POST", `/api/v1/worldlines/${wl.id}/telemetry`, { body: { anoms: 500 } });
    const { decisions } = (await beats(wl.id, 1)).body;
    expect(decisions[0].action).toBe("QUARANTINE");

    expect((await api("GET", `/api/v1/worldlines/${wl.id}`)).body.status).toBe("quarantined");
    expect(await inbox(watcher!)).toEqual([]);
    expect((await pending(wl.id)).map((row) => row.key)).toEqual([`arbiter:${wl.id}:1:broadcast`]);
    // the disabled arbiter still has an alarm, to retry what it decided; the failure has not cleared yet
    expect(await runDurableObjectAlarm(arbiterStub(wl.id))).toBe(true);
    expect(await runDurableObjectAlarm(arbiterStub(wl.id))).toBe(true);
    expect(await inbox(watcher!)).toEqual([]);

    await setActive(watcher!, true);
    await runDurableObjectAlarm(arbiterStub(wl.id)); // (on a slow machine the retry alarm, 15 s after the beat, may have fired by itself)
    expect(await inbox(watcher!)).toEqual([
      expect.objectContaining({ type: "darkmatter.arbiter.quarantine", worldline: wl.id, beat: 1 }),
    ]);
    expect(await pending(wl.id)).toEqual([]);
    expect(await runDurableObjectAlarm(arbiterStub(wl.id))).toBe(false); // nothing left to retry: no alarm
    expect(await inbox(watcher!)).toHaveLength(1);

    expect((await anchors(wl.id)).map((a) => a.data.note)).toEqual(["beat 1"]);
    expect((await settledEvents(wl.id, "arbiter.quarantine", 1)).map((e) => e.data.beat)).toEqual([1]);
  });

  it("on alarm-driven beats, each beat's anchor, event and broadcast happen once, however many alarms retried them", async () => {
    const {
      wl,
      names: [watcher],
    } = await subscribedWorldLine();
    await api("POST", `/api/v1/worldlines/${wl.id}/arbiter/inject`, { body: { anoms: 5 } }); // every beat alerts
    await api("PUT", `/api/v1/worldlines/${wl.id}/arbiter`, { body: { enabled: true, intervalMs: 86_400_000 } }); // only the alarms run here fire
    await setActive(watcher!, false);
    for (let i = 0; i < 3; i++) expect(await runDurableObjectAlarm(arbiterStub(wl.id))).toBe(true);
    expect((await pending(wl.id)).map((row) => row.key)).toEqual(
      [1, 2, 3].map((beat) => `arbiter:${wl.id}:${beat}:broadcast`),
    );

    await setActive(watcher!, true);
    expect(await runDurableObjectAlarm(arbiterStub(wl.id))).toBe(true); // beat 4, and the three broadcasts still pending
    expect(await runDurableObjectAlarm(arbiterStub(wl.id))).toBe(true); // beat 5
    expect((await inbox(watcher!)).map((m) => m.beat).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(await pending(wl.id)).toEqual([]);
    expect((await anchors(wl.id)).map((a) => a.data.note)).toEqual([1, 2, 3, 4, 5].map((beat) => `beat ${beat}`));
    expect((await settledEvents(wl.id, "arbiter.alert", 5)).map((e) => e.data.beat).sort()).toEqual([1, 2, 3, 4, 5]);
    await api("PUT", `/api/v1/worldlines/${wl.id}/arbiter`, { body: { enabled: false } });
  });

  it("reaches the other subscribers at once and retries only the one that refused", async () => {
    const {
      wl,
      names: [away, present],
    } = await subscribedWorldLine({ subscribers: 2 });
    await setActive(away!, false);
    await api("POST", `/api/v1/worldlines/${wl.id}/telemetry`, { body: { anoms: 5 } });
    await beats(wl.id, 1);
    expect((await inbox(present!)).map((m) => m.beat)).toEqual([1]);
    await setActive(away!, true);
    await runDurableObjectAlarm(arbiterStub(wl.id));
    expect((await inbox(away!)).map((m) => m.beat)).toEqual([1]);
    expect((await inbox(present!)).map((m) => m.beat)).toEqual([1]);
  });
});

describe(
  "an effect attempted again after it was applied (the reply lost, the instance reset)",
  { timeout: 40_000 },
  () => {
    it("is recorded once by the ledger, the event log and the hub", async () => {
      const {
        wl,
        names: [watcher],
        ids,
      } = await subscribedWorldLine();
      await api("POST", `/api/v1/worldlines/${wl.id}/telemetry`, { body: { anoms: 5 } });
      const { decisions, view } = (await beats(wl.id, 1)).body;
      expect(await pending(wl.id)).toEqual([]);
      // The same effects, as the beat recorded them, back in the outbox: as if the flush had done the
      // work and the instance had gone before removing them.
      const effects = effectsOfBeat({
        worldline: wl.id,
        beat: 1,
        action: decisions[0].action,
        threat: decisions[0].threat,
        at: view.lastDecision.at,
        journal: view.journal,
        subscribers: ids,
        anchorEvery: 100,
      });
      expect(effects.map((e) => e.kind)).toEqual(["event", "broadcast", "anchor"]);
      await runInDurableObject(arbiterStub(wl.id), (_i, state) => {
        for (const effect of effects)
          state.storage.sql.exec(
            "INSERT INTO outbox (key, effect) VALUES (?, ?)",
            effectKey(effect),
            JSON.stringify(effect),
          );
      });
      await api("PUT", `/api/v1/worldlines/${wl.id}/arbiter`, { body: { enabled: false } }); // schedules the retry of pending effects
      expect(await runDurableObjectAlarm(arbiterStub(wl.id))).toBe(true);
      expect(await pending(wl.id)).toEqual([]);
      expect(await anchors(wl.id)).toHaveLength(1);
      expect(await inbox(watcher!)).toHaveLength(1);
      expect(await settledEvents(wl.id, "arbiter.alert", 1)).toHaveLength(1);
    });

    it("the ledger answers a repeated anchor key with the first entry and appends nothing", async () => {
      const ledger = env.LEDGER.get(env.LEDGER.idFromName(LEDGER_NAME)) as unknown as {
        anchor(
          anchors: unknown[],
          worldline: string | null,
          key?: string,
        ): Promise<{ ok: true; value: Array<{ index: number; hash: string }> }>;
        status(): Promise<{ ok: true; value: { size: number } }>;
      };
      const anchor = { subject: "arbiter-journal:wl_keyed", root: "ab".repeat(32), size: 7, note: "beat 7" };
      const first = (await ledger.anchor([anchor], null, "test:keyed-anchor")).value;
      const size = (await ledger.status()).value.size;
      expect((await ledger.anchor([anchor], null, "test:keyed-anchor")).value).toEqual(first);
      expect((await ledger.status()).value.size).toBe(size);
      expect((await ledger.anchor([anchor], null, "test:another-key")).value[0]!.index).toBe(size); // another key appends
    });
  },
);

describe("beats calls arriving while a flush awaits its calls", { timeout: 40_000 }, () => {
  it("each call's effects are applied once, none twice and none dropped", async () => {
    const {
      wl,
      names: [watcher],
    } = await subscribedWorldLine();
    await api("POST", `/api/v1/worldlines/${wl.id}/arbiter/inject`, { body: { anoms: 5 } });
    const calls = await Promise.all([beats(wl.id, 3), beats(wl.id, 3), beats(wl.id, 3)]);
    expect(calls.map((c) => c.status)).toEqual([200, 200, 200]);
    // each burst coalesces to its worst alert and its last anchor: three of each, for three different beats
    const anchored = (await anchors(wl.id)).map((a) => a.data.note);
    expect(anchored).toHaveLength(3);
    expect(new Set(anchored).size).toBe(3);
    const delivered = (await inbox(watcher!)).map((m) => m.beat);
    expect(delivered).toHaveLength(3);
    expect(new Set(delivered).size).toBe(3);
    expect(await pending(wl.id)).toEqual([]);
    const events = await settledEvents(wl.id, "arbiter.alert", 3);
    expect(new Set(events.map((e) => e.data.beat))).toEqual(new Set(delivered));
    expect(events).toHaveLength(3);
  });
});

describe("an arbiter stored before the outbox table", { timeout: 40_000 }, () => {
  it("moves the effects of its list-form outbox into the table when it loads, and applies them", async () => {
    const wl = await createWorldLine();
    await beats(wl.id, 2);
    const before = (await anchors(wl.id)).length;
    // the layout before issue 12: pending effects in the stored state's `outbox` list, no outbox table
    await runInDurableObject(arbiterStub(wl.id), async (_i, state) => {
      const stored = (await state.storage.get<Record<string, unknown>>("arbiter"))!;
      state.storage.sql.exec("DROP TABLE outbox");
      await state.storage.put("arbiter", {
        ...stored,
        outbox: [
          { kind: "alert", worldline: wl.id, beat: 2, threat: 0.7 },
          { kind: "anchor", worldline: wl.id, beat: 2 },
        ],
      });
    });
    // a new instance loads it (abort rejects the call that asked for it)
    await runInDurableObject(arbiterStub(wl.id), (_i, state) => state.abort("reload with the old layout")).catch(
      () => undefined,
    );
    expect((await pending(wl.id)).map((row) => row.key)).toEqual([
      `arbiter:${wl.id}:2:event`,
      `arbiter:${wl.id}:2:anchor`,
    ]);
    expect(
      await runInDurableObject(arbiterStub(wl.id), (_i, state) =>
        state.storage.get<{ outbox?: unknown }>("arbiter").then((s) => s?.outbox),
      ),
    ).toBeUndefined();
    await api("PUT", `/api/v1/worldlines/${wl.id}/arbiter`, { body: { enabled: false } });
    expect(await runDurableObjectAlarm(arbiterStub(wl.id))).toBe(true);
    expect(await pending(wl.id)).toEqual([]);
    expect((await anchors(wl.id)).slice(before).map((a) => a.data.note)).toEqual(["beat 2"]);
    expect((await settledEvents(wl.id, "arbiter.alert", 1)).map((e) => e.data.beat)).toEqual([2]);
  });
});

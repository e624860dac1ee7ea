import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hashJson } from "../../src/core/hash.js";
import { verifyGreenBundle } from "../../src/core/proof-bundle.js";
import { api, createWorldLine, mergePatch, state } from "../api.js";
import { authorities, outsider } from "../keys.js";
import { approve, propose } from "../ledger-helpers.js";
import type { Ledger } from "../../durable-objects/ledger.js";
import { LEDGER_NAME } from "../../src/core/object-names.js";

const [alice, bob, carol] = authorities;

describe("Blue → Green promotion with a 2-of-3 quorum", () => {
  it("turns nothing green below quorum, and at quorum appends a promote entry with the four proofs and moves green", async () => {
    const wl = await createWorldLine({ entities: { sun: { mass: 1 } } });
    const created = await propose({ worldline: wl.id, kind: "promote" });
    expect(created.status).toBe(201);
    const proposal = created.body;
    expect(proposal).toMatchObject({ kind: "promote", status: "pending", approvals: [], quorum: 2 });
    expect(proposal.payload).toMatchObject({
      ledger: "test.darkmatter/ledger",
      proposal: proposal.id,
      worldline: wl.id,
      commit: wl.head,
    });
    expect(proposal.digest).toBe(hashJson(proposal.payload));

    const first = await approve(proposal.id, proposal.digest, alice!);
    expect([first.status, first.body.status, first.body.approvals.length]).toEqual([200, "pending", 1]);
    expect((await api("GET", `/api/v1/worldlines/${wl.id}`)).body).toMatchObject({ green: null, color: "blue" });

    const second = await approve(proposal.id, proposal.digest, bob!);
    expect(second.body.status).toBe("approved");
    const after = (await api("GET", `/api/v1/worldlines/${wl.id}`)).body;
    expect(after).toMatchObject({ green: wl.head, color: "green" });
    expect((await state(wl.id, "green")).entities).toEqual({ sun: { mass: 1 } });

    const decision = (await api("GET", `/api/v1/ledger/entries/${second.body.decision.index}`)).body;
    expect(decision.kind).toBe("promote");
    expect(decision.data.what).toMatchObject({
      worldline: wl.id,
      commit: wl.head,
      stateRoot: (await state(wl.id)).root,
    });
    expect(decision.data.who.approvals.map((a: { authority: string }) => a.authority)).toEqual([
      alice!.publicKey,
      bob!.publicKey,
    ]);
    expect(decision.data.when).toEqual({
      timestamp: decision.timestamp,
      previousHash: decision.previousHash,
      index: decision.index,
    });
    expect(decision.data.where).toMatchObject({
      worldline: wl.id,
      durableObject: env.WORLDLINE.idFromName(wl.id).toString(),
    });
    expect((await api("POST", "/api/v1/ledger/verify")).body.ok).toBe(true);

    // a later blue commit makes the world line blue again; green stays readable
    await mergePatch(wl.id, { sun: { mass: 2 } });
    expect((await api("GET", `/api/v1/worldlines/${wl.id}`)).body).toMatchObject({ green: wl.head, color: "blue" });
    expect((await state(wl.id, "green")).entities.sun.mass).toBe(1);
  });

  it("records the proposal and every approval as ledger entries", async () => {
    const wl = await createWorldLine({ entities: { a: 1 } });
    const before = (await api("GET", "/api/v1/ledger")).body.size;
    const { body: proposal } = await propose({ worldline: wl.id, kind: "promote" });
    await approve(proposal.id, proposal.digest, alice!);
    await approve(proposal.id, proposal.digest, carol!);
    const entries = (await api("GET", `/api/v1/ledger/entries?from=${before}`)).body.items;
    expect(entries.map((e: { kind: string }) => e.kind)).toEqual(["proposal", "approval", "approval", "promote"]);
    const forWorldLine = (await api("GET", `/api/v1/ledger/entries?worldline=${wl.id}`)).body.items;
    expect(forWorldLine).toHaveLength(4);
    expect(
      (await api("GET", "/api/v1/ledger/entries?kind=promote")).body.items.every(
        (e: { kind: string }) => e.kind === "promote",
      ),
    ).toBe(true);
  });

  it("refuses outsiders, bad signatures and replays from another proposal with 403, and repeats idempotently", async () => {
    const wl = await createWorldLine({ entities: { a: 1 }, privacy: "full-public" }); // hidden proposals answer 404 instead (ledger privacy)
    const { body: p1 } = await propose({ worldline: wl.id, kind: "promote" });
    const { body: p2 } = await propose({ worldline: wl.id, kind: "promote" });
    const stranger = await approve(p1.id, p1.digest, outsider);
    expect([stranger.status, stranger.body.code]).toEqual([403, "not-an-authority"]);
    const garbage = await approve(p1.id, p1.digest, alice!, { signature: "0".repeat(128) });
    expect([garbage.status, garbage.body.code]).toEqual([403, "bad-signature"]);
    const replay = await approve(p2.id, p1.digest, alice!); // a valid signature, but over the other proposal's digest
    expect([replay.status, replay.body.code]).toEqual([403, "bad-signature"]);
    const malformed = await api("POST", `/api/v1/promotions/${p1.id}/approvals`, {
      body: { authority: "xyz", signature: 5 },
      token: null,
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(["/authority", "/signature"]);
    const once = await approve(p1.id, p1.digest, alice!);
    const twice = await approve(p1.id, p1.digest, alice!);
    expect(twice.status).toBe(200);
    expect(twice.body.approvals).toEqual(once.body.approvals);
    expect((await api("GET", `/api/v1/promotions/${p1.id}`)).body.status).toBe("pending");
    expect((await api("GET", `/api/v1/worldlines/${wl.id}`)).body.green).toBeNull();
    expect(
      (
        await api("POST", "/api/v1/promotions/pr_nope/approvals", {
          body: { authority: alice!.publicKey, signature: "0".repeat(128) },
          token: null,
        })
      ).status,
    ).toBe(404);
  });

  it("answers 409 for a decided proposal and for stale ones (head moved past the commit, world line terminated)", async () => {
    const wl = await createWorldLine({ entities: { a: 1 } });
    const { body: decided } = await propose({ worldline: wl.id, kind: "promote" });
    await approve(decided.id, decided.digest, alice!);
    await approve(decided.id, decided.digest, bob!);
    const late = await approve(decided.id, decided.digest, carol!);
    expect([late.status, late.body.code]).toEqual([409, "proposal-decided"]);

    // a fork's commit that never reaches this world line's history is stale once proposed on the fork and the fork terminates
    const other = await createWorldLine({ entities: { b: 1 } });
    const { body: onOther } = await propose({ worldline: other.id, kind: "promote" });
    await api("DELETE", `/api/v1/worldlines/${other.id}`);
    const terminated = await approve(onOther.id, onOther.digest, alice!);
    expect([terminated.status, terminated.body.code]).toEqual([409, "proposal-stale"]);
    expect(terminated.body.detail).toContain("terminated");
    expect((await api("GET", `/api/v1/promotions/${onOther.id}`)).body).toMatchObject({ status: "stale" });
    const onTerminated = await propose({ worldline: other.id, kind: "promote" });
    expect([onTerminated.status, onTerminated.body.code]).toEqual([409, "target-worldline-terminated"]);
  });

  it("refuses proposals for unknown world lines, commits outside the history and malformed bodies, creating nothing", async () => {
    const wl = await createWorldLine({ entities: { a: 1 } });
    const other = await createWorldLine({ entities: { b: 1 } });
    const size = (await api("GET", "/api/v1/ledger")).body.size;
    expect((await propose({ worldline: "wl_0000000000000000000000000x", kind: "promote" })).status).toBe(404);
    expect((await propose({ worldline: wl.id, kind: "promote", commit: other.head })).body.code).toBe("unknown-commit");
    expect((await propose({ worldline: wl.id, kind: "explode" })).status).toBe(400);
    expect((await propose({ worldline: wl.id, kind: "rollback" })).body.errors[0].path).toBe("/commit");
    expect((await propose({ worldline: wl.id, kind: "rollback", commit: wl.head })).body.code).toBe(
      "not-an-earlier-green",
    );
    expect(
      (await api("POST", "/api/v1/promotions", { body: { worldline: wl.id, kind: "promote" }, token: null })).status,
    ).toBe(401);
    expect((await api("GET", "/api/v1/ledger")).body.size).toBe(size);
  });
});

describe("rollback", () => {
  it("rolls green back to an earlier green commit through its own quorum", async () => {
    const wl = await createWorldLine({ entities: { v: 1 } });
    const promote = async () => {
      const { body } = await propose({ worldline: wl.id, kind: "promote" });
      await approve(body.id, body.digest, alice!);
      return (await approve(body.id, body.digest, bob!)).body;
    };
    await promote();
    const first = (await api("GET", `/api/v1/worldlines/${wl.id}`)).body.green;
    await mergePatch(wl.id, { v: 2 });
    await promote();
    expect((await state(wl.id, "green")).entities.v).toBe(2);

    const { body: rollback } = await propose({ worldline: wl.id, kind: "rollback", commit: first });
    expect(rollback.payload).toMatchObject({ kind: "rollback", commit: first });
    await approve(rollback.id, rollback.digest, bob!);
    expect((await state(wl.id, "green")).entities.v).toBe(2);
    const done = await approve(rollback.id, rollback.digest, carol!);
    expect(done.body.status).toBe("approved");
    expect((await state(wl.id, "green")).entities.v).toBe(1);
    expect((await api("GET", `/api/v1/ledger/entries/${done.body.decision.index}`)).body.kind).toBe("rollback");
    const bundle = (await api("GET", `/api/v1/worldlines/${wl.id}/green/proof`)).body;
    expect(await verifyGreenBundle(bundle)).toMatchObject({ ok: true, kind: "rollback", commit: first });
  });
});

describe("green proof bundle", () => {
  it("verifies offline and fails once anything in it is tampered with", async () => {
    const wl = await createWorldLine({ entities: { a: 1 } });
    expect((await api("GET", `/api/v1/worldlines/${wl.id}/green/proof`)).body.code).toBe("no-green-commit");
    const { body: p } = await propose({ worldline: wl.id, kind: "promote" });
    await approve(p.id, p.digest, alice!);
    await approve(p.id, p.digest, bob!);
    const bundle = (await api("GET", `/api/v1/worldlines/${wl.id}/green/proof`)).body;
    const status = (await api("GET", "/api/v1/ledger")).body;
    expect(await verifyGreenBundle(bundle, { ledgerPublicKey: status.ledgerPublicKey })).toMatchObject({
      ok: true,
      worldline: wl.id,
      commit: wl.head,
      approvals: 2,
      quorum: 2,
      ledgerKeyPinned: true,
    });

    const tampered = [
      (b: any) => (b.commit = "f".repeat(64)),
      (b: any) => (b.decision.entry.data.what.commit = "f".repeat(64)),
      (b: any) => (b.decision.inclusion.proof[0] = "0".repeat(64)),
      (b: any) => (b.checkpoint = b.checkpoint.replace(/\n(\d+)\n/, (_: string, n: string) => `\n${Number(n) + 1}\n`)),
      (b: any) => (b.decision.entry.data.who.approvals = b.decision.entry.data.who.approvals.slice(0, 1)),
      (b: any) => (b.authorityChain[0].entry.data.quorum = 1),
    ];
    for (const tamper of tampered) {
      const copy = structuredClone(bundle);
      tamper(copy);
      expect((await verifyGreenBundle(copy)).ok).toBe(false);
    }
    expect((await verifyGreenBundle(bundle, { ledgerPublicKey: outsider.publicKey })).ok).toBe(false);

    // A refused inclusion proof says why (the verifier's reason), as `darkmatter verify` prints it.
    const index = bundle.decision.entry.index;
    const wrongSibling = structuredClone(bundle);
    wrongSibling.decision.inclusion.proof[0] = "0".repeat(64);
    expect(await verifyGreenBundle(wrongSibling)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(new RegExp(`^entry ${index}: .*\\(root-mismatch: calculated root [0-9a-f]{64} `)),
    });
    const shortProof = structuredClone(bundle);
    const length = shortProof.decision.inclusion.proof.length;
    shortProof.decision.inclusion.proof.pop();
    expect(await verifyGreenBundle(shortProof)).toMatchObject({
      ok: false,
      reason: expect.stringContaining(`(wrong-proof-size: wrong proof size ${length - 1}, want ${length})`),
    });
  });
});

describe("ledger verify", () => {
  it("finds an entry edited behind the Durable Object's back, at its index", async () => {
    const wl = await createWorldLine({ entities: { a: 1 } });
    const { body: p } = await propose({ worldline: wl.id, kind: "promote" });
    await approve(p.id, p.digest, alice!);
    expect((await api("POST", "/api/v1/ledger/verify")).body.ok).toBe(true);
    const target = (await api("GET", `/api/v1/promotions/${p.id}`)).body.approvals[0].entry;
    await runInDurableObject(env.LEDGER.get(env.LEDGER.idFromName("consensus-ledger")), async (_instance, state) => {
      const row = state.storage.sql.exec<{ data: string }>("SELECT data FROM entries WHERE idx = ?", target).one();
      const data = JSON.parse(row.data);
      data.authority = outsider.publicKey;
      state.storage.sql.exec("UPDATE entries SET data = ? WHERE idx = ?", JSON.stringify(data), target);
    });
    const result = (await api("POST", "/api/v1/ledger/verify")).body;
    expect(result).toMatchObject({ ok: false, firstBadIndex: target });
    expect(result.reason).toContain("hash");
  });
});

describe("ledger privacy", () => {
  it("hides ledger entries and proposals about private world lines from anonymous readers, but not from the operator", async () => {
    const hidden = await createWorldLine({ privacy: "p2p" });
    const open = await createWorldLine({ privacy: "full-public" });
    const { body: p1 } = await propose({ worldline: hidden.id, kind: "promote" });
    const { body: p2 } = await propose({ worldline: open.id, kind: "promote" });
    const anonymous = (await api("GET", "/api/v1/ledger/entries?kind=proposal&limit=1000", { token: null })).body.items;
    const ids = anonymous.map((e: { data: { proposal: string } }) => e.data.proposal);
    expect(ids).toContain(p2.id);
    expect(ids).not.toContain(p1.id);
    const all = (await api("GET", "/api/v1/ledger/entries?kind=proposal&limit=1000")).body.items.map(
      (e: { data: { proposal: string } }) => e.data.proposal,
    );
    expect(all).toEqual(expect.arrayContaining([p1.id, p2.id]));
    const hiddenEntry = (await api("GET", `/api/v1/ledger/entries?worldline=${hidden.id}`)).body.items[0];
    expect((await api("GET", `/api/v1/ledger/entries/${hiddenEntry.index}`, { token: null })).status).toBe(404);
    expect((await api("GET", `/api/v1/ledger/entries/${hiddenEntry.index}`)).status).toBe(200);
    const listed = (await api("GET", "/api/v1/promotions?limit=500", { token: null })).body.items.map(
      (p: { id: string }) => p.id,
    );
    expect(listed).toContain(p2.id);
    expect(listed).not.toContain(p1.id);
  });

  it("never names a hidden proposal in a cursor, and answers 404 for one to anonymous readers", async () => {
    const open1 = await createWorldLine({ privacy: "public-network" });
    const hidden = await createWorldLine({ privacy: "private" });
    const open2 = await createWorldLine({ privacy: "full-public" });
    const { body: visibleOld } = await propose({ worldline: open1.id, kind: "promote" });
    const { body: secret } = await propose({ worldline: hidden.id, kind: "promote" });
    const { body: visibleNew } = await propose({ worldline: open2.id, kind: "promote" });

    // newest first, one per page: the hidden proposal (between the two) is neither shown nor named
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 1000; page++) {
      const path: string = `/api/v1/promotions?limit=1${cursor ? `&cursor=${cursor}` : ""}`;
      const body: { items: Array<{ id: string }>; next: string | null } = (await api("GET", path, { token: null }))
        .body;
      expect(body.next).not.toBe(secret.id);
      expect(JSON.stringify(body)).not.toContain(hidden.id);
      seen.push(...body.items.map((p) => p.id));
      if (body.items.length > 0) expect(body.next === null || body.next === body.items[0]!.id).toBe(true);
      if (body.next === null) break;
      cursor = body.next;
    }
    expect(seen.indexOf(visibleNew.id)).toBeGreaterThanOrEqual(0);
    expect(seen.indexOf(visibleOld.id)).toBeGreaterThan(seen.indexOf(visibleNew.id));
    expect(seen).not.toContain(secret.id);
    expect(new Set(seen).size).toBe(seen.length); // each once

    const detail = await api("GET", `/api/v1/promotions/${secret.id}`, { token: null });
    const missing = await api("GET", "/api/v1/promotions/pr_00000000000000000000000000", { token: null });
    expect([detail.status, detail.body.code]).toEqual([404, "not-found"]);
    expect(detail.body.detail.replace(secret.id, "X")).toBe(
      missing.body.detail.replace("pr_00000000000000000000000000", "X"),
    );
    expect(JSON.stringify(detail.body)).not.toContain(hidden.id);
    expect((await api("GET", `/api/v1/promotions/${secret.id}`)).body.payload.worldline).toBe(hidden.id);
  });

  it("answers an approval of a hidden proposal like a missing one unless an authority signed it", async () => {
    const hidden = await createWorldLine({ privacy: "p2p" });
    const { body: secret } = await propose({ worldline: hidden.id, kind: "promote" });
    const answers = await Promise.all([
      approve(secret.id, secret.digest, outsider),
      approve(secret.id, secret.digest, alice!, { signature: "0".repeat(128) }),
      approve("pr_00000000000000000000000000", secret.digest, alice!),
    ]);
    expect(answers.map((a) => [a.status, a.body.code])).toEqual([
      [404, "not-found"],
      [404, "not-found"],
      [404, "not-found"],
    ]);
    expect((await api("GET", `/api/v1/promotions/${secret.id}`)).body.approvals).toEqual([]);
    const signed = await approve(secret.id, secret.digest, alice!);
    expect([signed.status, signed.body.approvals.length]).toEqual([200, 1]);
  });

  it("fills an anonymous page of entries past hidden ones, and its cursor follows the last entry shown", async () => {
    const hidden = await createWorldLine({ privacy: "private" });
    const open = await createWorldLine({ privacy: "full-public" });
    const from = (await api("GET", "/api/v1/ledger")).body.size;
    await propose({ worldline: open.id, kind: "promote" });
    for (let i = 0; i < 3; i++) await propose({ worldline: hidden.id, kind: "promote" });
    await propose({ worldline: open.id, kind: "promote" });
    await propose({ worldline: hidden.id, kind: "promote" }); // so there is more after the page
    const page = (await api("GET", `/api/v1/ledger/entries?from=${from}&kind=proposal&limit=2`, { token: null })).body;
    expect(page.items.map((e: { data: { payload: { worldline: string } } }) => e.data.payload.worldline)).toEqual([
      open.id,
      open.id,
    ]);
    expect(page.next).toBe(page.items[1].index + 1);
    const rest = (await api("GET", `/api/v1/ledger/entries?from=${page.next}&kind=proposal`, { token: null })).body;
    expect(rest.items).toEqual([]); // only the hidden one is left
    expect(rest.next).toBeNull();
    // asking for a hidden world line's entries by id answers as for one that does not exist
    const byId = (await api("GET", `/api/v1/ledger/entries?worldline=${hidden.id}`, { token: null })).body;
    const unknown = (
      await api("GET", "/api/v1/ledger/entries?worldline=wl_00000000000000000000000000", { token: null })
    ).body;
    expect([byId.items, byId.next]).toEqual([[], null]);
    expect([unknown.items, unknown.next]).toEqual([[], null]);
  });
});

describe("green outbox: a decision reaches its world line exactly once", () => {
  const ledger = () => env.LEDGER.get(env.LEDGER.idFromName(LEDGER_NAME));
  const pending = () =>
    runInDurableObject(
      ledger(),
      async (instance: Ledger) =>
        (await instance.pendingGreens()) as {
          ok: true;
          value: Array<{ ledgerIndex: number; attempts: number; lastError: string | null }>;
        },
    );

  it("keeps the decision when the world line call fails, and green converges on the ledger's alarm", async () => {
    const wl = await createWorldLine({ entities: { sun: { mass: 1 } }, privacy: "full-public" });
    const { body: proposal } = await propose({ worldline: wl.id, kind: "promote" });
    await approve(proposal.id, proposal.digest, alice!);
    const listed = async () =>
      (await api("GET", "/api/v1/worldlines?limit=500")).body.items.find((item: { id: string }) => item.id === wl.id);

    // The world line cannot answer setGreen (the commit graph's table is gone for now): the call fails for real.
    await env.DB.exec("ALTER TABLE commits RENAME TO commits_away");
    await evictDurableObject(env.WORLDLINE.get(env.WORLDLINE.idFromName(wl.id))); // a fresh instance: nothing cached
    let decided;
    try {
      decided = await approve(proposal.id, proposal.digest, bob!);
    } finally {
      await env.DB.exec("ALTER TABLE commits_away RENAME TO commits");
    }
    expect([decided.status, decided.body.status]).toEqual([200, "approved"]);
    const stuck = (await pending()).value;
    expect(stuck).toMatchObject([{ ledgerIndex: decided.body.decision.index, attempts: 1 }]);
    expect(stuck[0]!.lastError).toMatch(/commits/);
    expect(await runInDurableObject(ledger(), (_instance, state) => state.storage.getAlarm())).not.toBeNull();
    expect(await listed()).toMatchObject({ green: null, color: "blue" }); // the world line disagrees with the decision…
    expect((await api("GET", `/api/v1/worldlines/${wl.id}`)).body).toMatchObject({ green: null, color: "blue" });
    expect((await api("GET", `/api/v1/worldlines/${wl.id}/state?at=green`)).status).toBe(404);

    // …until the alarm delivers the decision again; the world line applies it, and the outbox lets go.
    expect(await runDurableObjectAlarm(ledger())).toBe(true);
    expect(await listed()).toMatchObject({ green: wl.head, color: "green" });
    expect((await api("GET", `/api/v1/worldlines/${wl.id}`)).body).toMatchObject({ green: wl.head, color: "green" });
    expect((await state(wl.id, "green")).entities).toEqual({ sun: { mass: 1 } });
    expect((await pending()).value).toEqual([]);
    expect(await runInDurableObject(ledger(), (_instance, state) => state.storage.getAlarm())).toBeNull();
    const bundle = (await api("GET", `/api/v1/worldlines/${wl.id}/green/proof`)).body;
    expect([bundle.commit, bundle.decision.entry.index]).toEqual([wl.head, decided.body.decision.index]);
  });

  it("applies a decision idempotently by ledger index: a repeat or an older one changes nothing", async () => {
    const wl = await createWorldLine({ entities: { a: 1 }, privacy: "full-public" });
    const first = wl.head;
    const { body: p1 } = await propose({ worldline: wl.id, kind: "promote" });
    await approve(p1.id, p1.digest, alice!);
    const d1 = (await approve(p1.id, p1.digest, bob!)).body.decision.index;
    const second = (await mergePatch(wl.id, { a: 2 })).body.commit;
    const { body: p2 } = await propose({ worldline: wl.id, kind: "promote" });
    await approve(p2.id, p2.digest, alice!);
    const d2 = (await approve(p2.id, p2.digest, carol!)).body.decision.index;
    expect((await api("GET", `/api/v1/worldlines/${wl.id}`)).body.green).toBe(second);

    const stub = env.WORLDLINE.get(env.WORLDLINE.idFromName(wl.id));
    expect((await stub.setGreen(first, d1)).ok).toBe(true); // a late retry of the older decision
    expect((await stub.setGreen(second, d2)).ok).toBe(true); // a repeat of the newer one
    expect((await api("GET", `/api/v1/worldlines/${wl.id}`)).body).toMatchObject({ green: second, color: "green" });
  });
});

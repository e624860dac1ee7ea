import { describe, expect, it } from "vitest";
import { verifyGreenBundle } from "../../src/core/proof-bundle.js";
import { generateKeyPair } from "../../src/core/signing.js";
import { api, createWorldLine } from "../api.js";
import { authorities } from "../keys.js";
import { approve, propose } from "../ledger-helpers.js";

const [alice, bob, carol] = authorities;

describe("authority rotation", () => {
  it("replaces the authority set through a quorum entry, after which old keys stop counting", async () => {
    const dave = generateKeyPair();
    const erin = generateKeyPair();
    const wl = await createWorldLine({ entities: { a: 1 }, privacy: "full-public" }); // a hidden proposal answers a non-authority 404, not 403
    const { body: pendingPromote } = await propose({ worldline: wl.id, kind: "promote" });
    await approve(pendingPromote.id, pendingPromote.digest, alice!);

    const created = await propose({
      kind: "authorities",
      authorities: [carol!.publicKey, dave.publicKey, erin.publicKey],
      quorum: 2,
    });
    expect(created.status).toBe(201);
    const rotation = created.body;
    expect(rotation.payload.authorities).toEqual({
      authorities: [carol!.publicKey, dave.publicKey, erin.publicKey],
      quorum: 2,
    });
    await approve(rotation.id, rotation.digest, alice!);
    const done = await approve(rotation.id, rotation.digest, bob!);
    expect(done.body.status).toBe("approved");
    expect((await api("GET", "/api/v1/ledger")).body.authorities).toEqual([
      carol!.publicKey,
      dave.publicKey,
      erin.publicKey,
    ]);
    expect((await api("GET", `/api/v1/ledger/entries/${done.body.decision.index}`)).body.kind).toBe("authorities");

    // alice's earlier approval no longer counts, and she can no longer approve
    const refused = await approve(pendingPromote.id, pendingPromote.digest, bob!);
    expect([refused.status, refused.body.code]).toEqual([403, "not-an-authority"]);
    await approve(pendingPromote.id, pendingPromote.digest, carol!);
    expect((await api("GET", `/api/v1/worldlines/${wl.id}`)).body.green).toBeNull();
    const decided = await approve(pendingPromote.id, pendingPromote.digest, {
      publicKey: dave.publicKey,
      privateKey: dave.privateKey,
    });
    expect(decided.body.status).toBe("approved");
    expect((await api("GET", `/api/v1/worldlines/${wl.id}`)).body.green).toBe(wl.head);

    // the whole history still verifies, judging each entry by the set in force when it was written
    expect((await api("POST", "/api/v1/ledger/verify")).body.ok).toBe(true);
    const bundle = (await api("GET", `/api/v1/worldlines/${wl.id}/green/proof`)).body;
    expect(bundle.authorityChain.map((p: { entry: { kind: string } }) => p.entry.kind)).toEqual([
      "genesis",
      "authorities",
    ]);
    expect(await verifyGreenBundle(bundle)).toMatchObject({ ok: true });
    const withoutRotation = { ...bundle, authorityChain: bundle.authorityChain.slice(0, 1) };
    expect((await verifyGreenBundle(withoutRotation)).ok).toBe(false);
  });

  it("refuses an authority set with a quorum out of range or bad keys", async () => {
    expect((await propose({ kind: "authorities", authorities: [alice!.publicKey], quorum: 2 })).body.code).toBe(
      "invalid-quorum",
    );
    expect((await propose({ kind: "authorities", authorities: ["abc"] })).status).toBe(400);
  });
});

// The `darkmatter` CLI as a user runs it: a real process against the real wrangler dev.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { http } from "./http.js";

function darkmatter(...args: string[]) {
  const result = spawnSync("node", ["cli/darkmatter.mjs", ...args], {
    encoding: "utf8",
    env: { ...process.env, DM_URL: inject("baseUrl"), DM_OPERATOR_TOKEN: inject("operatorToken") },
  });
  return { code: result.status, out: result.stdout + result.stderr };
}

describe("darkmatter CLI", () => {
  it("approves a promotion with local authority keys to quorum, then verifies the green bundle offline and rejects it tampered", async () => {
    const keys = join(inject("persistDir"), ".darkmatter", "authorities.json");
    const wl = (await http("POST", "/api/v1/worldlines", { body: { name: "cli", entities: { sun: { mass: 1 } } } }))
      .body;
    const proposal = (await http("POST", "/api/v1/promotions", { body: { worldline: wl.id, kind: "promote" } })).body;

    const first = darkmatter("approve", proposal.id, "--authority", "1", "--keys", keys);
    expect(first.code).toBe(0);
    expect(first.out).toContain("1 of 2 approvals, status pending");
    const second = darkmatter("approve", proposal.id, "--authority", "authority-3", "--keys", keys);
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/2 of 2 approvals, status approved, decided at ledger entry \d+/);
    expect((await http("GET", `/api/v1/worldlines/${wl.id}`)).body.color).toBe("green");

    const dir = mkdtempSync(join(tmpdir(), "dm-bundle-"));
    const bundle = (await http("GET", `/api/v1/worldlines/${wl.id}/green/proof`)).body;
    const ledgerKey = (await http("GET", "/api/v1/ledger")).body.ledgerPublicKey;
    writeFileSync(join(dir, "bundle.json"), JSON.stringify(bundle));
    const ok = darkmatter("verify", join(dir, "bundle.json"), "--ledger-key", ledgerKey);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(`✓ ${wl.id} green = ${wl.head}`);

    bundle.decision.entry.data.what.stateRoot = "0".repeat(64);
    writeFileSync(join(dir, "tampered.json"), JSON.stringify(bundle));
    const bad = darkmatter("verify", join(dir, "tampered.json"));
    expect(bad.code).toBe(1);
    expect(bad.out).toContain("hash does not match");
  });

  it("runs ledger verify against the server and explains usage errors with a non-zero exit", () => {
    const verified = darkmatter("ledger", "verify");
    expect(verified.code).toBe(0);
    expect(verified.out).toMatch(/✓ ledger verified: \d+ entries/);
    expect(darkmatter("approve", "pr_x").code).toBe(1);
    expect(darkmatter("frobnicate").code).toBe(2);
    expect(darkmatter("verify", "/nonexistent.json").out).toContain("cannot read");
    expect(
      darkmatter(
        "approve",
        "pr_nope",
        "--authority",
        "1",
        "--keys",
        join(inject("persistDir"), ".darkmatter", "authorities.json"),
      ).out,
    ).toContain("404");
  });
});

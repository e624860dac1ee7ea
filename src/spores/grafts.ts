// Grafts (seed 003, Graft Engine): installing a graft is one world-line commit applying its
// spore's template (a merge patch, planned on the head inside the WorldLine object's write queue);
// uninstalling is one commit applying the revert patch planned with it (src/core/spore.ts). Either
// fails as a whole: the world line is unchanged and the graft says why. `installing` /
// `uninstalling` claim the graft while the commit is made; a claim can be taken over once stale,
// and the world line applies each graft's install and revert once per graft id, so a takeover
// never applies a template twice or records an inverse planned on the template's own result.
import type { JsonObject } from "../core/canonical-json.js";
import { describeError } from "../core/events.js";
import { DomainError, notFound, unwrap } from "../core/problem.js";
import type { GraftInstall } from "../core/spore.js";
import { SporeStore, type GraftStatus, type StoredGraft } from "../stores/spore-store.js";
import { emitEvent } from "../events/producer.js";
import type { Graft } from "../schemas/spores.js";
import { worldLineStub } from "../stubs.js";

/** A claim older than this belongs to a worker that died: the next install or uninstall takes it over. */
export const GRAFT_CLAIM_STALE_MS = 60_000;

export const graftNotFound = (id: string) => notFound(`graft ${id.slice(0, 64)}`);
const publicView = ({ inverse: _inverse, claimedAt: _claimedAt, ...graft }: StoredGraft): Graft => graft;

const wrongStatus = (graft: Graft, action: string, from: GraftStatus[]) =>
  new DomainError("illegal-graft-transition", {
    detail: `graft ${graft.id} is ${graft.status}; only a ${from.join(" or ")} graft can be ${action}`,
    status_now: graft.status,
  });

export async function getGraft(env: Env, id: string): Promise<Graft> {
  const graft = await new SporeStore(env.DB).graft(id);
  if (!graft) throw graftNotFound(id);
  return publicView(graft);
}

/** Installs (or retries installing) a graft: `installed` and `graft.installed`, or `failed` and `graft.install.failed` with nothing changed. */
export async function installGraft(env: Env, id: string): Promise<Graft> {
  const store = new SporeStore(env.DB);
  const graft = await store.graft(id);
  if (!graft) throw graftNotFound(id);
  const from: GraftStatus[] = ["pending", "failed"];
  const claimed = await store.moveGraft(id, from, "installing", { claimedAt: Date.now(), error: null }, Date.now(), {
    status: "installing",
    staleAfterMs: GRAFT_CLAIM_STALE_MS,
  });
  if (!claimed) throw wrongStatus(publicView((await store.graft(id)) ?? graft), "installed", from);
  const spore = (await store.spore(graft.sporeId))!;
  const about = { graftId: id, name: `${spore.name}`.slice(0, 4096), target: graft.worldline };
  let install: GraftInstall;
  try {
    // Applied once per graft id by the world line: a claimant that took over a stale claim gets the
    // first install back (its commit and the inverse planned on the state it was applied to).
    install = unwrap(
      await worldLineStub(env, graft.worldline).applyGraft({
        graftId: id,
        template: spore.entities as JsonObject,
        author: `graft:${id}`,
        message: `install spore ${spore.name} v${spore.version} (graft ${id})`,
      }),
    );
  } catch (error) {
    const reason = error instanceof DomainError ? error.message : describeError(error);
    const failed = await store.moveGraft(id, ["installing"], "failed", { error: reason, claimedAt: null }, Date.now());
    await emitEvent(env, {
      type: "graft.install.failed",
      worldline: graft.worldline,
      data: { ...about, error: reason.slice(0, 4096) },
    });
    if (!(error instanceof DomainError)) throw error;
    throw new DomainError("graft-install-failed", {
      detail: `graft ${id} was not installed and world line ${graft.worldline} is unchanged: ${reason}`,
      reason: error.code,
      graft: failed ? publicView(failed) : null,
    });
  }
  // A failure from here on (D1) leaves the claim; the install after it goes stale records the same install.
  const now = Date.now();
  const installed = await store.moveGraft(
    id,
    ["installing"],
    "installed",
    { ...install, installedAt: now, claimedAt: null, error: null },
    now,
  );
  if (!installed) return publicView((await store.graft(id))!); // another claimant recorded it first (the same install)
  await emitEvent(env, {
    type: "graft.installed",
    worldline: graft.worldline,
    data: { ...about, version: String(spore.version) },
  });
  return publicView(installed);
}

/** Reverts an installed graft's commit; 409 `graft-conflict` (nothing changed) when the entities it wrote were changed since. */
export async function uninstallGraft(env: Env, id: string): Promise<Graft> {
  const store = new SporeStore(env.DB);
  const graft = await store.graft(id);
  if (!graft) throw graftNotFound(id);
  const claimed = await store.moveGraft(id, ["installed"], "uninstalling", { claimedAt: Date.now() }, Date.now(), {
    status: "uninstalling",
    staleAfterMs: GRAFT_CLAIM_STALE_MS,
  });
  if (!claimed) throw wrongStatus(publicView((await store.graft(id)) ?? graft), "uninstalled", ["installed"]);
  let revert: { commit: string };
  try {
    // Once per graft id, like the install: a second claimant gets the first revert back instead of
    // testing the inverse against the state it already restored.
    const outcome = await worldLineStub(env, graft.worldline).revertGraft({
      graftId: id,
      inverse: claimed.inverse!,
      author: `graft:${id}`,
      message: `uninstall graft ${id}`,
    });
    if (!outcome.ok && outcome.problem.code === "patch-failed") {
      throw new DomainError("graft-conflict", {
        detail: `entities graft ${id} installed were changed since (${outcome.problem.detail}); nothing was reverted: restore them or revert by hand`,
      });
    }
    revert = unwrap(outcome);
  } catch (error) {
    await store.moveGraft(
      id,
      ["uninstalling"],
      "installed",
      { claimedAt: null, error: error instanceof Error ? error.message : String(error) },
      Date.now(),
    );
    throw error;
  }
  const now = Date.now();
  const uninstalled = await store.moveGraft(
    id,
    ["uninstalling"],
    "uninstalled",
    { uninstallCommit: revert.commit, uninstalledAt: now, claimedAt: null, error: null },
    now,
  );
  return publicView(uninstalled ?? (await store.graft(id))!);
}

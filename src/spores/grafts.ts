// Grafts (seed 003, Graft Engine): installing a graft is one world-line commit applying its
// spore's template (a merge patch, If-Match the head it was planned on); uninstalling is one
// commit applying the revert patch planned with it (src/core/spore.ts). Either fails as a whole:
// the world line is unchanged and the graft says why. `installing` / `uninstalling` claim the
// graft while the commit is made, so two installs cannot both apply it.
import type { Json } from "../core/canonical-json.js";
import { describeError } from "../core/events.js";
import { DomainError, notFound, unwrap } from "../core/problem.js";
import { planGraft, templateEntityIds } from "../core/spore.js";
import { SporeStore, type GraftStatus, type StoredGraft } from "../adapter/spore-store.js";
import { emitEvent } from "../events/producer.js";
import type { Graft, Spore } from "../schemas/spores.js";
import { worldLineStub } from "../routes/worldlines.js";

/** A claim older than this belongs to a worker that died: the next install or uninstall takes it over. */
export const GRAFT_CLAIM_STALE_MS = 60_000;
const INSTALL_TRIES = 3;
const operator = { isOperator: true };

export const graftNotFound = (id: string) => notFound(`graft ${id.slice(0, 64)}`);
const publicView = ({ inverse: _inverse, claimedAt: _claimedAt, ...graft }: StoredGraft): Graft => graft;

const wrongStatus = (graft: Graft, action: string, from: GraftStatus[]) =>
  new DomainError(409, "illegal-graft-transition", { detail: `graft ${graft.id} is ${graft.status}; only a ${from.join(" or ")} graft can be ${action}`, status_now: graft.status });

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
  const claimed = await store.moveGraft(id, from, "installing", { claimedAt: Date.now(), error: null }, Date.now(), { status: "installing", staleAfterMs: GRAFT_CLAIM_STALE_MS });
  if (!claimed) throw wrongStatus(publicView((await store.graft(id)) ?? graft), "installed", from);
  const spore = (await store.spore(graft.sporeId))!;
  const about = { graftId: id, name: `${spore.name}`.slice(0, 4096), target: graft.worldline };
  try {
    const commit = await applyTemplate(env, graft, spore);
    const now = Date.now();
    const installed = await store.moveGraft(id, ["installing"], "installed", { ...commit, installedAt: now, claimedAt: null, error: null }, now);
    await emitEvent(env, { type: "graft.installed", worldline: graft.worldline, data: { ...about, version: String(spore.version) } });
    return publicView(installed!);
  } catch (error) {
    const reason = error instanceof DomainError ? error.message : describeError(error);
    const failed = await store.moveGraft(id, ["installing"], "failed", { error: reason, claimedAt: null }, Date.now());
    await emitEvent(env, { type: "graft.install.failed", worldline: graft.worldline, data: { ...about, error: reason.slice(0, 4096) } });
    if (!(error instanceof DomainError)) throw error;
    throw new DomainError(error.status === 404 || error.status === 412 ? 409 : error.status, "graft-install-failed", {
      detail: `graft ${id} was not installed and world line ${graft.worldline} is unchanged: ${reason}`,
      reason: error.code,
      graft: failed ? publicView(failed) : null,
    });
  }
}

/** One commit applying the template to the head it was planned on; a head that moved meanwhile is re-read. */
async function applyTemplate(env: Env, graft: StoredGraft, spore: Spore): Promise<{ baseCommit: string; installCommit: string; inverse: StoredGraft["inverse"] }> {
  const worldLine = worldLineStub(env, graft.worldline);
  for (let tries = 0; tries < INSTALL_TRIES; tries++) {
    const { head } = unwrap(await worldLine.info(operator));
    const before = new Map<string, Json>();
    await Promise.all(
      templateEntityIds(spore.entities as Record<string, Json>).map(async (entityId) => {
        const read = await worldLine.entity(operator, entityId, head);
        if (read.ok) before.set(entityId, read.value.value as Json);
        else if (read.problem.code !== "unknown-entity") throw DomainError.from(read.problem);
      }),
    );
    const plan = planGraft(spore.entities as Record<string, Json>, before);
    const outcome = await worldLine.patch({ format: "merge-patch", patch: plan.patch, ifMatch: head, author: `graft:${graft.id}`, message: `install spore ${spore.name} v${spore.version} (graft ${graft.id})` });
    if (!outcome.ok && outcome.problem.code === "stale-head") continue;
    return { baseCommit: head, installCommit: unwrap(outcome).commit, inverse: plan.inverse };
  }
  throw new DomainError(412, "stale-head", `world line ${graft.worldline} kept changing while the graft was being installed; install again`);
}

/** Reverts an installed graft's commit; 409 `graft-conflict` (nothing changed) when the entities it wrote were changed since. */
export async function uninstallGraft(env: Env, id: string): Promise<Graft> {
  const store = new SporeStore(env.DB);
  const graft = await store.graft(id);
  if (!graft) throw graftNotFound(id);
  const claimed = await store.moveGraft(id, ["installed"], "uninstalling", { claimedAt: Date.now() }, Date.now(), { status: "uninstalling", staleAfterMs: GRAFT_CLAIM_STALE_MS });
  if (!claimed) throw wrongStatus(publicView((await store.graft(id)) ?? graft), "uninstalled", ["installed"]);
  try {
    const outcome = await worldLineStub(env, graft.worldline).patch({ format: "json-patch", patch: claimed.inverse as never, author: `graft:${id}`, message: `uninstall graft ${id}` });
    if (!outcome.ok && outcome.problem.code === "patch-failed") {
      throw new DomainError(409, "graft-conflict", { detail: `entities graft ${id} installed were changed since (${outcome.problem.detail}); nothing was reverted: restore them or revert by hand` });
    }
    const { commit } = unwrap(outcome);
    const now = Date.now();
    return publicView((await store.moveGraft(id, ["uninstalling"], "uninstalled", { uninstallCommit: commit, uninstalledAt: now, claimedAt: null, error: null }, now))!);
  } catch (error) {
    await store.moveGraft(id, ["uninstalling"], "installed", { claimedAt: null, error: error instanceof Error ? error.message : String(error) }, Date.now());
    throw error;
  }
}

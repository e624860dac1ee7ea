// Grafts on a world line (seed 003, src/spores/grafts.ts): installing one applies its template in
// one commit, reverting it applies the revert patch computed at install. Each runs once per graft
// id: its result is stored with the commit, and a second call (a retry, or a claimant that took
// over a stale claim) gets it back and applies nothing.
import type { JsonObject } from "../core/canonical-json.js";
import { applyJsonPatch, applyMergePatch, type JsonPatchOperation } from "../core/entity-patch.js";
import { ObjectReader } from "../core/object-store.js";
import { planGraft, templateEntityIds, type GraftInstall } from "../core/spore.js";
import { commitWrites, loadEntities, resolveCommit, type Authorship } from "./commits.js";
import type { WorldLineRecord } from "./record.js";

export type ApplyGraftInput = { graftId: string; template: JsonObject } & Authorship;
export type RevertGraftInput = { graftId: string; inverse: JsonPatchOperation[] } & Authorship;

/**
 * Installs a graft: one commit applying its template (an RFC 7396 merge patch), planned on the
 * head inside the world line's write queue, so the revert patch is computed from exactly the state
 * the template was applied to.
 */
export async function applyGraft(line: WorldLineRecord, input: ApplyGraftInput): Promise<GraftInstall> {
  const key = `graft-install:${input.graftId}`;
  const done = await line.storage.get<GraftInstall>(key);
  if (done) return done;
  const meta = await line.writable();
  const { tree } = await resolveCommit(line, meta, "head");
  const reader = new ObjectReader(line.objects);
  const load = (ids: string[] | null) => loadEntities(reader, tree, ids);
  const plan = planGraft(input.template, await load(templateEntityIds(input.template)));
  const writes = await applyMergePatch(plan.patch, load);
  const install = (commit: string): GraftInstall => ({
    baseCommit: meta.head,
    installCommit: commit,
    inverse: plan.inverse,
  });
  const result = await commitWrites(line, meta, reader, tree, writes, input, "graft", (commit) => ({
    records: { [key]: install(commit) },
  }));
  if (result.commit === meta.head) await line.storage.put(key, install(meta.head)); // the template changed nothing: no commit, still once
  return install(result.commit);
}

/** Uninstalls a graft with its revert patch: one commit, once per graft id like applyGraft. */
export async function revertGraft(line: WorldLineRecord, input: RevertGraftInput): Promise<{ commit: string }> {
  const key = `graft-revert:${input.graftId}`;
  const done = await line.storage.get<{ commit: string }>(key);
  if (done) return done;
  const meta = await line.writable();
  const { tree } = await resolveCommit(line, meta, "head");
  const reader = new ObjectReader(line.objects);
  const writes = await applyJsonPatch(input.inverse, (ids) => loadEntities(reader, tree, ids));
  const result = await commitWrites(line, meta, reader, tree, writes, input, "revert graft", (commit) => ({
    records: { [key]: { commit } },
  }));
  if (result.commit === meta.head) await line.storage.put(key, { commit: meta.head });
  return { commit: result.commit };
}

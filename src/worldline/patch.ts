// A patch of a world line's state: RFC 6902 JSON Patch or RFC 7396 merge patch over its entities
// (core/entity-patch.ts), one commit on the head, or none when it changes nothing. A patch that
// fails any operation changes nothing.
import type { Json } from "../core/canonical-json.js";
import { applyJsonPatch, applyMergePatch, type JsonPatchOperation } from "../core/entity-patch.js";
import { ObjectReader } from "../core/object-store.js";
import { checkIfMatch } from "../core/worldline.js";
import type { CommitResult } from "../schemas/worldline.js";
import { commitWrites, loadEntities, resolveCommit, type Authorship } from "./commits.js";
import type { WorldLineRecord } from "./record.js";

export type PatchFormat = "json-patch" | "merge-patch";

export type PatchInput = { format: PatchFormat; patch: Json; ifMatch?: string } & Authorship;

export async function patch(line: WorldLineRecord, input: PatchInput): Promise<CommitResult> {
  const meta = await line.writable();
  checkIfMatch(meta, input.ifMatch);
  const { tree } = await resolveCommit(line, meta, "head");
  const reader = new ObjectReader(line.objects);
  const load = (ids: string[] | null) => loadEntities(reader, tree, ids);
  const writes =
    input.format === "json-patch"
      ? await applyJsonPatch(input.patch as unknown as JsonPatchOperation[], load)
      : await applyMergePatch(input.patch, load);
  return commitWrites(line, meta, reader, tree, writes, input, "patch");
}

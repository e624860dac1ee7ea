// Patches against a world line's entities object, loading only the entities they touch.
// RFC 6902 operations are applied by fast-json-patch to a document holding just those entities;
// RFC 7396 patches are entity-wise by construction. Any failing operation fails the whole patch.
import { applyPatch, JsonPatchError, type Operation } from "fast-json-patch";
import { canonicalJson, isJsonObject, type Json, type JsonObject } from "./canonical-json.js";
import { mergePatch } from "./merge-patch.js";
import { parsePointer } from "./json-pointer.js";
import { DomainError } from "./problem.js";
import { ENTITY_ID_PATTERN, MAX_ENTITY_BYTES } from "./limits.js";

/** New value per touched entity; `null` means the entity is deleted. */
export type EntityWrites = Map<string, Json | null>;

/** Loads current values of the given entity ids (absent ids are left out); `null` asks for all of them. */
export type EntityLoader = (ids: string[] | null) => Promise<Map<string, Json>>;

export type JsonPatchOperation = Operation;

/** Entity ids an RFC 6902 patch reads or writes, or `null` when an operation addresses the whole document. */
export function touchedEntities(operations: readonly JsonPatchOperation[]): string[] | null {
  const ids = new Set<string>();
  for (const operation of operations) {
    const pointers = [operation.path, ...("from" in operation ? [operation.from] : [])];
    for (const pointer of pointers) {
      const tokens = parsePointer(pointer);
      if (tokens.length === 0) return null;
      ids.add(tokens[0]!);
    }
  }
  return [...ids];
}

export async function applyJsonPatch(operations: JsonPatchOperation[], load: EntityLoader): Promise<EntityWrites> {
  const touched = touchedEntities(operations);
  const current = await load(touched);
  const document: JsonObject = Object.fromEntries(current);
  let result: Json;
  try {
    result = applyPatch(document, operations, true, false).newDocument as Json;
  } catch (error) {
    if (error instanceof JsonPatchError) {
      throw new DomainError(422, "patch-failed", {
        detail: `JSON Patch operation ${error.index ?? "?"} failed: ${error.message.split("\n")[0]}`,
        errors: [{ path: `/${error.index ?? 0}`, message: error.name }],
      });
    }
    throw error;
  }
  if (!isJsonObject(result)) throw new DomainError(422, "patch-failed", "the patched entities must stay a JSON object of entity id → value");
  const writes: EntityWrites = new Map();
  const ids = touched ?? [...new Set([...current.keys(), ...Object.keys(result)])];
  for (const id of ids) {
    const after = Object.hasOwn(result, id) ? result[id]! : undefined;
    const before = current.get(id);
    if (after === undefined) {
      if (before !== undefined) writes.set(id, null);
    } else {
      writes.set(id, after);
    }
  }
  return checkWrites(writes);
}

export async function applyMergePatch(patch: Json, load: EntityLoader): Promise<EntityWrites> {
  if (!isJsonObject(patch)) throw new DomainError(422, "patch-failed", "a merge patch of the entities must be a JSON object keyed by entity id");
  const ids = Object.keys(patch);
  const current = await load(ids);
  const writes: EntityWrites = new Map();
  for (const id of ids) {
    const change = patch[id]!;
    if (change === null) {
      if (current.has(id)) writes.set(id, null);
    } else {
      writes.set(id, mergePatch(current.get(id), change));
    }
  }
  return checkWrites(writes);
}

/** Entity ids and sizes are checked on the result, so a patch cannot create what a create could not. */
export function checkWrites(writes: EntityWrites): EntityWrites {
  for (const [id, value] of writes) checkEntity(id, value);
  return writes;
}

export function checkEntity(id: string, value: Json | null): void {
  if (!ENTITY_ID_PATTERN.test(id)) {
    throw new DomainError(422, "invalid-entity-id", {
      detail: `entity id "${id.slice(0, 64)}" must be 1–256 characters of A–Z a–z 0–9 . _ : / -`,
      errors: [{ path: `/entities/${id.slice(0, 64)}`, message: "invalid entity id" }],
    });
  }
  if (value !== null) {
    const bytes = new TextEncoder().encode(canonicalJson(value)).length;
    if (bytes > MAX_ENTITY_BYTES) {
      throw new DomainError(413, "entity-too-large", {
        detail: `entity "${id}" is ${bytes} bytes of canonical JSON; the limit is ${MAX_ENTITY_BYTES}`,
        errors: [{ path: `/entities/${id}`, message: "entity larger than 1 MiB" }],
      });
    }
  }
}

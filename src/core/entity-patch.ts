// Patches against a world line's entities object, loading only the entities they touch.
// RFC 6902 operations are applied by fast-json-patch to a document holding just those entities;
// RFC 7396 patches are entity-wise by construction. Any failing operation fails the whole patch.
import { applyPatch, JsonPatchError, type Operation } from "fast-json-patch";
import { canonicalJson, isJsonObject, isJsonValue, type Json, type JsonObject } from "./canonical-json.js";
import { mergePatch } from "./merge-patch.js";
import { escapeToken, parsePointer } from "./json-pointer.js";
import { FORBIDDEN_KEY, forbiddenKey, refuseForbiddenKeys } from "./forbidden-keys.js";
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
    for (const pointer of pointersOf(operation)) {
      const tokens = parsePointer(pointer);
      if (tokens.length === 0) return null;
      ids.add(tokens[0]!);
    }
  }
  return [...ids];
}

const pointersOf = (operation: JsonPatchOperation): string[] => [
  operation.path,
  ...("from" in operation ? [operation.from] : []),
];

/**
 * Every pointer must be RFC 6901 syntax and walk no forbidden key (forbidden-keys.ts): `__proto__`
 * anywhere, or `constructor` then `prototype`, which fast-json-patch refuses with a TypeError
 * because through an absent `constructor` it would reach Object.prototype. Both answer 422 here,
 * before anything is loaded, with the operation at fault.
 */
export function checkPointers(operations: readonly JsonPatchOperation[]): void {
  operations.forEach((operation, index) => {
    for (const field of ["path", "from"] as const) {
      if (!(field in operation)) continue;
      const pointer = (operation as Record<typeof field, string>)[field];
      let tokens: string[];
      try {
        tokens = parsePointer(pointer);
      } catch {
        throw new DomainError("patch-failed", {
          detail: `JSON Patch operation ${index}: ${field} "${pointer.slice(0, 64)}" is not a JSON Pointer (RFC 6901: empty or starting with "/")`,
          errors: [{ path: `/${index}/${field}`, message: "not a JSON Pointer" }],
        });
      }
      const at = tokens.findIndex(
        (token, i) => token === FORBIDDEN_KEY || (token === "prototype" && tokens[i - 1] === "constructor"),
      );
      if (at >= 0) {
        if (tokens[at] === FORBIDDEN_KEY) throw forbiddenKey(`/${index}/${field}`);
        throw new DomainError("forbidden-key", {
          detail: `JSON Patch operation ${index}: ${field} walks "constructor/prototype", which JSON Patch refuses (it could reach Object.prototype)`,
          errors: [{ path: `/${index}/${field}`, message: '"constructor/prototype" is not allowed in a pointer' }],
        });
      }
    }
  });
}

export async function applyJsonPatch(operations: JsonPatchOperation[], load: EntityLoader): Promise<EntityWrites> {
  checkPointers(operations);
  refuseForbiddenKeys(operations);
  const touched = touchedEntities(operations);
  const current = await load(touched);
  const document: JsonObject = Object.fromEntries(current);
  let result: Json;
  try {
    result = applyPatch(document, operations, true, false).newDocument as Json;
  } catch (error) {
    if (error instanceof JsonPatchError) {
      throw new DomainError("patch-failed", {
        detail: `JSON Patch operation ${error.index ?? "?"} failed: ${error.message.split("\n")[0]}`,
        errors: [{ path: `/${error.index ?? 0}`, message: error.name }],
      });
    }
    // fast-json-patch's validator misses some operations that cannot apply (a move or copy to ""
    // from a location that does not exist: RFC 6902 §4.4 makes that an error); it then fails
    // with a TypeError while walking the document. The patch is at fault, not the server.
    if (error instanceof TypeError)
      throw new DomainError("patch-failed", `the JSON Patch cannot be applied to these entities: ${error.message}`);
    throw error;
  }
  if (!isJsonObject(result))
    throw new DomainError("patch-failed", "the patched entities must stay a JSON object of entity id → value");
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
  if (!isJsonObject(patch))
    throw new DomainError("patch-failed", "a merge patch of the entities must be a JSON object keyed by entity id");
  refuseForbiddenKeys(patch);
  const ids = Object.keys(patch);
  const current = await load(ids);
  const writes: EntityWrites = new Map();
  for (const id of ids) {
    const change = patch[id]!;
    if (change === null) {
      if (current.has(id)) writes.set(id, null);
    } else {
      writes.set(id, mergePatch(current.get(id), change, `/${escapeToken(id)}`));
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
  if (id === FORBIDDEN_KEY) throw forbiddenKey(`/entities/${FORBIDDEN_KEY}`);
  if (!ENTITY_ID_PATTERN.test(id)) {
    throw new DomainError("invalid-entity-id", {
      detail: `entity id "${id.slice(0, 64)}" must be 1–256 characters of A–Z a–z 0–9 . _ : / -`,
      errors: [{ path: `/entities/${id.slice(0, 64)}`, message: "invalid entity id" }],
    });
  }
  if (value !== null) {
    refuseForbiddenKeys(value, `/entities/${escapeToken(id)}`);
    // A JSON Patch `move` or `copy` from a name the entities only inherit (`/constructor`,
    // `/a/toString`) makes fast-json-patch read Object.prototype's function: the patch read
    // something that is not in the entities (RFC 6902 §4.4: `from` must exist).
    if (!isJsonValue(value))
      throw new DomainError("patch-failed", {
        detail: `the patch puts a value that is not JSON into entity "${id.slice(0, 64)}": a move or copy from a location that does not exist`,
        errors: [{ path: `/entities/${escapeToken(id).slice(0, 64)}`, message: "not a JSON value" }],
      });
    const text = canonicalJson(value);
    const bytes = new TextEncoder().encode(text).length;
    if (bytes > MAX_ENTITY_BYTES) {
      throw new DomainError("entity-too-large", {
        detail: `entity "${id}" is ${bytes} bytes of canonical JSON; the limit is ${MAX_ENTITY_BYTES}`,
        errors: [{ path: `/entities/${id}`, message: "entity larger than 1 MiB" }],
      });
    }
  }
}

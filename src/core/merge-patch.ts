// RFC 7396 JSON Merge Patch. Written here because the algorithm is the RFC's ten lines of
// pseudo-code (§2) and the npm packages for it are unmaintained CommonJS wrappers of the same.
// Keys are read as own properties only and `__proto__` is refused (forbidden-keys.ts): assigning it
// would set the result's prototype and drop the field without a word.
import { isJsonObject, type Json } from "./canonical-json.js";
import { FORBIDDEN_KEY, forbiddenKey, ownValue } from "./forbidden-keys.js";
import { joinPointer } from "./json-pointer.js";

/** RFC 7396 §2 MergePatch(Target, Patch). Never mutates its inputs; `path` locates the patch in errors. */
export function mergePatch(target: Json | undefined, patch: Json, path = ""): Json {
  if (!isJsonObject(patch)) return patch;
  const result: { [key: string]: Json } = isJsonObject(target) ? { ...target } : {};
  for (const [name, value] of Object.entries(patch)) {
    const at = joinPointer(path, name);
    if (name === FORBIDDEN_KEY) throw forbiddenKey(at);
    if (value === null) delete result[name];
    else result[name] = mergePatch(ownValue(result, name), value, at);
  }
  return result;
}

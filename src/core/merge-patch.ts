// RFC 7396 JSON Merge Patch. Written here because the algorithm is the RFC's ten lines of
// pseudo-code (§2) and the npm packages for it are unmaintained CommonJS wrappers of the same.
import { isJsonObject, type Json } from "./canonical-json.js";

/** RFC 7396 §2 MergePatch(Target, Patch). Never mutates its inputs. */
export function mergePatch(target: Json | undefined, patch: Json): Json {
  if (!isJsonObject(patch)) return patch;
  const result: { [key: string]: Json } = isJsonObject(target) ? { ...target } : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete result[name];
    else result[name] = mergePatch(result[name], value);
  }
  return result;
}

// `__proto__` is the one object key JavaScript does not treat as data. JSON.parse makes it an own
// property (ECMA-262 §25.5.1: JSON.parse defines properties), but assigning it — `result[key] = v`,
// as merge code does — sets the object's prototype instead (§B.2.2.1), and zod's records skip it,
// so such a field or entity would vanish without a word. It is refused with 422 wherever a key can
// enter a world line's state: entity ids, fields at any depth, JSON Pointer tokens.
//
// `constructor` and `prototype` are ordinary keys here: every read of a key goes through `ownValue`
// (never the inherited `Object.prototype.constructor`), and writes of them are plain data
// properties. The one exception is a JSON Patch pointer that walks `constructor` then `prototype`:
// fast-json-patch refuses it (it would reach Object.prototype through an absent `constructor`), and
// entity-patch.ts answers that with 422 as well.
import { atBody } from "./field-error.js";
import { escapeToken } from "./json-pointer.js";
import { DomainError } from "./problem.js";

export const FORBIDDEN_KEY = "__proto__";

/** The value of an own property, or undefined: never an inherited member such as `constructor`. */
export function ownValue<T>(object: { [key: string]: T }, key: string): T | undefined {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** JSON Pointer (from `base`) of the first `__proto__` key anywhere in a JSON value, or null. Iterative: hostile depth cannot overflow the stack. */
export function forbiddenKeyPath(value: unknown, base = ""): string | null {
  const stack: Array<[unknown, string]> = [[value, base]];
  while (stack.length) {
    const [node, path] = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    if (Array.isArray(node)) {
      node.forEach((item, i) => stack.push([item, `${path}/${i}`]));
      continue;
    }
    for (const key of Object.keys(node)) {
      if (key === FORBIDDEN_KEY) return `${path}/${key}`;
      stack.push([(node as Record<string, unknown>)[key], `${path}/${escapeToken(key)}`]);
    }
  }
  return null;
}

/** The 422 for a forbidden key at `path`: a JSON Pointer into the body, or into the stored state a merge read. */
export function forbiddenKey(path: string, where: "body" | "state" = "body"): DomainError {
  return new DomainError("forbidden-key", {
    detail: `"${FORBIDDEN_KEY}" cannot be an entity id or a field name (JavaScript would take it for the object's prototype, not data); found at ${path}${where === "state" ? " in the stored state" : ""}`,
    errors: [{ ...atBody(path, `"${FORBIDDEN_KEY}" is not allowed as a key`), in: where }],
  });
}

/** Throws the 422 when the value holds a `__proto__` key anywhere. */
export function refuseForbiddenKeys(value: unknown, base = ""): void {
  const path = forbiddenKeyPath(value, base);
  if (path !== null) throw forbiddenKey(path);
}

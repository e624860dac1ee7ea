// RFC 8785 (JCS) canonical JSON: the one byte form every hash in the system is taken over.
// `canonicalize` is written by one of the RFC's authors and is used as-is; this module only
// fixes the types and adds the depth measure our request limits need.
import canonicalize from "canonicalize";
import { isWellFormedText } from "./mesh/python-semantics.js";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

const encoder = new TextEncoder();

/** RFC 8785 text of a JSON value. Throws on values JSON cannot represent (NaN, lone surrogates, undefined). */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError("value has no JSON representation");
  return text;
}

/** UTF-8 bytes of the RFC 8785 text: what hashes and signatures are computed over. */
export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalJson(value));
}

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Nesting depth of a JSON value: scalars are 0, `[]` and `{}` are 1. Iterative, so hostile input cannot overflow the stack. */
export function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    const here = depth + 1;
    if (here > max) max = here;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (child !== null && typeof child === "object") stack.push([child, here]);
    }
  }
  return max;
}

/**
 * JSON Pointer to the first string (member name or value) holding a lone surrogate, or null.
 * JSON text can carry one as an escape (`"\ud800"`), but it has no UTF-8 form, so RFC 8785
 * (whose input is I-JSON, RFC 7493 §2.1) cannot canonicalize it. Iterative, like jsonDepth.
 */
export function illFormedStringAt(value: unknown): string | null {
  const stack: Array<[unknown, string]> = [[value, ""]];
  while (stack.length) {
    const [node, pointer] = stack.pop()!;
    if (typeof node === "string") {
      if (!isWellFormedText(node)) return pointer;
      continue;
    }
    if (node === null || typeof node !== "object") continue;
    const entries = Array.isArray(node) ? node.map((child, i) => [String(i), child] as const) : Object.entries(node);
    for (const [key, child] of entries) {
      const at = `${pointer}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;
      if (!isWellFormedText(key)) return at;
      stack.push([child, at]);
    }
  }
  return null;
}

/** Is `value` made of JSON values only (no function, undefined, symbol, bigint or non-finite number, at any depth)? */
export function isJsonValue(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length) {
    const node = stack.pop();
    if (node === null || typeof node === "string" || typeof node === "boolean") continue;
    if (typeof node === "number") {
      if (!Number.isFinite(node)) return false;
      continue;
    }
    if (typeof node !== "object") return false;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) stack.push(node[i]);
    } else for (const key of Object.keys(node)) stack.push((node as Record<string, unknown>)[key]);
  }
  return true;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

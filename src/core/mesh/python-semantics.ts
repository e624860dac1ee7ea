// The mesh wire inherits a handful of Python built-ins from the reference implementation
// (mesh spec §2): lengths are `len(str)` in code points, "required" means truthy, hex is
// parsed by `bytes.fromhex`, whitespace is what `str.strip()` removes, and some error texts
// interpolate `str(value)`. JavaScript differs on every one of these, so they live here,
// reproduced exactly, and nowhere else.

/** `len(s)` of a Python str: code points, not UTF-16 units (mesh spec §2). A lone surrogate counts as one, as in Python. */
export function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++, count++) {
    if (isPairAt(text, i)) i++;
  }
  return count;
}

/** `s[:max]`: cut at a code-point boundary (mesh spec §2 "Truncation"), never inside a surrogate pair. */
export function truncateCodePoints(text: string, max: number): string {
  if (text.length <= max) return text; // max UTF-16 units can never exceed max code points
  let count = 0;
  for (let i = 0; i < text.length; i++, count++) {
    if (count === max) return text.slice(0, i);
    if (isPairAt(text, i)) i++;
  }
  return text;
}

/** `s[:max] + "..."` when longer, as the list tools abbreviate content (mesh spec §17). */
export function abbreviate(text: string, max: number): string {
  const cut = truncateCodePoints(text, max);
  return cut.length === text.length ? text : `${cut}...`;
}

function isPairAt(text: string, i: number): boolean {
  const unit = text.charCodeAt(i);
  if (unit < 0xd800 || unit > 0xdbff || i + 1 >= text.length) return false;
  const next = text.charCodeAt(i + 1);
  return next >= 0xdc00 && next <= 0xdfff;
}

/** True when `text` has no lone surrogate, i.e. Python could `.encode("utf-8")` it (TextEncoder would silently substitute U+FFFD). */
export function isWellFormedText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    if (!isPairAt(text, i)) return false;
    i++;
  }
  return true;
}

/**
 * Python truthiness: the reference's "required" checks treat missing, `null`, `""`, `0`,
 * `false`, `[]` and `{}` alike as missing (mesh spec §2).
 */
export function isTruthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value).length > 0;
  return true;
}

// Characters `str.isspace()` accepts (bidi class WS/B/S or category Zs). JavaScript's trim()
// differs: it removes U+FEFF, which Python keeps, and keeps U+001C–U+001F and U+0085, which
// Python removes. The anchor strips fields before verifying signatures (§9.1 step 3), so this
// must be exact.
const PY_WHITESPACE =
  "\t\n\v\f\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";

/** `s.strip()` with no arguments. */
export function pyStrip(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && PY_WHITESPACE.includes(text[start]!)) start++;
  while (end > start && PY_WHITESPACE.includes(text[end - 1]!)) end--;
  return text.slice(start, end);
}

/** `s.rstrip("/")`. */
export function stripTrailingSlashes(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x2f) end--;
  return text.slice(0, end);
}

// bytes.fromhex skips ASCII whitespace (Py_ISSPACE) before each byte pair, never inside one.
const HEX_SPACE = new Set([" ", "\t", "\n", "\v", "\f", "\r"]);

/**
 * `bytes.fromhex(s)`: the reference parses keys and signatures leniently — upper case, and
 * whitespace between byte pairs (mesh spec §2). Returns undefined where Python raises.
 * (CPython also maps non-ASCII Unicode digits and spaces to ASCII first; such input is refused
 * here, a deliberate narrowing: no honest peer sends it.)
 */
export function fromHex(text: string): Uint8Array | undefined {
  const out: number[] = [];
  let i = 0;
  while (i < text.length) {
    if (HEX_SPACE.has(text[i]!)) {
      i++;
      continue;
    }
    const high = hexDigit(text.charCodeAt(i));
    const low = i + 1 < text.length ? hexDigit(text.charCodeAt(i + 1)) : -1;
    if (high < 0 || low < 0) return undefined;
    out.push(high * 16 + low);
    i += 2;
  }
  return Uint8Array.from(out);
}

function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10;
  if (code >= 0x41 && code <= 0x46) return code - 0x41 + 10;
  return -1;
}

/** `str(value)` for the values JSON can carry, as interpolated into reference error texts (e.g. §8.6 `Unknown update type: 'None'`). */
export function pyStr(value: unknown): string {
  if (value === undefined || value === null) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return JSON.stringify(value); // Python would print a repr(); no peer parses this text
}

// Sortable ids: a ULID (48-bit millisecond time + 80 random bits, Crockford base32), lower-cased
// and prefixed by kind, so ids sort by creation and say what they name (`wl_…`).
import { sha3 } from "./hash.js";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

function timePart(time: number): string {
  let out = "";
  let t = time;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

export function ulid(time = Date.now()): string {
  let out = timePart(time);
  const random = crypto.getRandomValues(new Uint8Array(16));
  for (let i = 0; i < 16; i++) out += ALPHABET[random[i]! % 32];
  return out;
}

/** A world line's id, `newId("wl")`: the WorldLineId schema and the dashboard's filters test against it. */
export const WORLD_LINE_ID_PATTERN = /^wl_[0-9a-z]{26}$/;

export function newId(prefix: string, time?: number): string {
  return `${prefix}_${ulid(time)}`;
}

/**
 * The same id every time for the same `key` (and `time`): the ULID's time part, then 80 bits of
 * SHA3-256(key) instead of random ones. For work that may be retried (an arbiter effect after a
 * failed attempt): the retry names the same thing, and a store that keeps ids unique keeps it once.
 */
export function keyedId(prefix: string, time: number, key: string): string {
  const digest = sha3(new TextEncoder().encode(key));
  let out = timePart(time);
  for (let i = 0; i < 16; i++) out += ALPHABET[digest[i]! % 32];
  return `${prefix}_${out}`;
}

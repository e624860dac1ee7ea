import { sha256 } from "@noble/hashes/sha2.js";
import { utf8 } from "./canonical-json.js";

/**
 * Compares two secrets in time independent of where they differ. Both are hashed first, so the
 * comparison also does not reveal the expected secret's length.
 */
export function secretsEqual(given: string, expected: string): boolean {
  const a = sha256(utf8(given));
  const b = expectedDigest(expected);
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

// The expected secret is the same configured token on nearly every call: its digest is kept.
let lastExpected: { secret: string; digest: Uint8Array } | undefined;

function expectedDigest(secret: string): Uint8Array {
  if (lastExpected?.secret !== secret) lastExpected = { secret, digest: sha256(utf8(secret)) };
  return lastExpected.digest;
}

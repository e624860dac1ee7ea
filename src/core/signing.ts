// Ed25519 for every signature in the system: authority approvals, checkpoints, agent passports.
// WebCrypto is ~10x faster than @noble/curves in workerd and Node 20, so it is used whenever the
// runtime has Ed25519 in crypto.subtle; noble is the fallback (older browsers, exotic runtimes).
// WebCrypto will not import a raw private key, so the 32-byte seed is wrapped as PKCS#8.
import { ed25519 } from "@noble/curves/ed25519.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { concatBytes } from "./hash.js";

export interface KeyPair {
  /** 32-byte Ed25519 seed, lowercase hex. */
  privateKey: string;
  /** 32-byte Ed25519 public key, lowercase hex. */
  publicKey: string;
}

export const PUBLIC_KEY_HEX = /^[0-9a-f]{64}$/;
export const SIGNATURE_HEX = /^[0-9a-f]{128}$/;

// RFC 8410 PKCS#8 prefix for an Ed25519 private key; the 32-byte seed follows.
const PKCS8_ED25519_PREFIX = hexToBytes("302e020100300506032b657004220420");

type Subtle = SubtleCrypto | undefined;
const subtle: Subtle = (globalThis as { crypto?: Crypto }).crypto?.subtle;

let webCryptoAvailable: Promise<boolean> | undefined;
function hasWebCryptoEd25519(): Promise<boolean> {
  webCryptoAvailable ??= (async () => {
    if (!subtle) return false;
    try {
      await subtle.importKey("raw", new Uint8Array(32), { name: "Ed25519" }, false, ["verify"]);
      return true;
    } catch {
      return false; // runtime without WebCrypto Ed25519: noble takes over
    }
  })();
  return webCryptoAvailable;
}

// Imported CryptoKeys are cached: importing costs about as much as a verification.
const publicKeys = new Map<string, Promise<CryptoKey>>();
const privateKeys = new Map<string, Promise<CryptoKey>>();
const KEY_CACHE_LIMIT = 1024;

function cached(
  cache: Map<string, Promise<CryptoKey>>,
  key: string,
  load: () => Promise<CryptoKey>,
): Promise<CryptoKey> {
  let hit = cache.get(key);
  if (!hit) {
    if (cache.size >= KEY_CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    hit = load();
    cache.set(key, hit);
  }
  return hit;
}

export function generateKeyPair(): KeyPair {
  const seed = ed25519.utils.randomSecretKey();
  return { privateKey: bytesToHex(seed), publicKey: bytesToHex(ed25519.getPublicKey(seed)) };
}

export function publicKeyOf(privateKeyHex: string): string {
  return bytesToHex(ed25519.getPublicKey(hexToBytes(privateKeyHex)));
}

export async function sign(privateKeyHex: string, message: Uint8Array): Promise<Uint8Array> {
  const seed = hexToBytes(privateKeyHex);
  if (seed.length !== 32) throw new TypeError("an Ed25519 private key is 32 bytes (64 hex characters)");
  if (await hasWebCryptoEd25519()) {
    const key = await cached(privateKeys, privateKeyHex, () =>
      subtle!.importKey("pkcs8", concatBytes(PKCS8_ED25519_PREFIX, seed), { name: "Ed25519" }, false, ["sign"]),
    );
    return new Uint8Array(await subtle!.sign({ name: "Ed25519" }, key, message as BufferSource));
  }
  return ed25519.sign(message, seed);
}

/** True when `signature` is a valid Ed25519 signature of `message` by `publicKeyHex`. Malformed input is false, never an exception. */
export async function verify(publicKeyHex: string, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  if (!PUBLIC_KEY_HEX.test(publicKeyHex) || signature.length !== 64) return false;
  const publicKey = hexToBytes(publicKeyHex);
  if (await hasWebCryptoEd25519()) {
    try {
      const key = await cached(publicKeys, publicKeyHex, () =>
        subtle!.importKey("raw", publicKey as BufferSource, { name: "Ed25519" }, false, ["verify"]),
      );
      return await subtle!.verify({ name: "Ed25519" }, key, signature as BufferSource, message as BufferSource);
    } catch {
      publicKeys.delete(publicKeyHex);
      return false; // a key WebCrypto refuses (not on the curve) verifies nothing
    }
  }
  try {
    return ed25519.verify(signature, message, publicKey);
  } catch {
    return false;
  }
}

export async function signHex(privateKeyHex: string, message: Uint8Array): Promise<string> {
  return bytesToHex(await sign(privateKeyHex, message));
}

export async function verifyHex(publicKeyHex: string, message: Uint8Array, signatureHex: string): Promise<boolean> {
  if (!SIGNATURE_HEX.test(signatureHex)) return false;
  return verify(publicKeyHex, message, hexToBytes(signatureHex));
}

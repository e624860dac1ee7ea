// Signed tree heads for the consensus ledger, in the formats the transparency-log ecosystem reads:
// a C2SP tlog-checkpoint body (https://c2sp.org/tlog-checkpoint) inside a C2SP signed note
// (https://c2sp.org/signed-note), Ed25519 signature type 0x01. Tools such as Go's
// golang.org/x/mod/sumdb/note, Sigsum and witnesses can check our checkpoints with a verifier key
// from `verifierKey`. The root hash is our SHA3-256 RFC 9162 root: the format carries any 32 bytes.
//
// The signed-note layer (signNote / verifyNote) is kept separate from the checkpoint body so the
// note code can be checked against the Go reference vectors byte for byte.
import { sha256 } from "@noble/hashes/sha2.js";
import { utf8 } from "./canonical-json.js";
import { bytesToHex, concatBytes, hexToBytes } from "./hash.js";
import { DomainError } from "./problem.js";
import { PUBLIC_KEY_HEX, publicKeyOf, sign, verify } from "./signing.js";

export interface CheckpointFields {
  origin: string;
  size: number;
  /** RFC 9162 root at `size`, 64 lowercase hex characters. */
  rootHex: string;
}

export interface ParsedCheckpoint extends CheckpointFields {
  /** Extension lines after the root hash (tlog-checkpoint: opaque, NOT RECOMMENDED). */
  extensions: string[];
  /** The note text: the signed bytes, up to and including the newline before the blank line. */
  body: string;
  signatures: NoteSignature[];
}

export interface NoteSignature {
  keyName: string;
  /** The 4-byte key ID, 8 lowercase hex characters. */
  keyIdHex: string;
  /** The signature bytes after the key ID (64 for Ed25519). */
  signature: Uint8Array;
}

/** Stable reasons a note or checkpoint is refused; callers branch on these, never on `detail`. */
export type CheckpointFailure =
  "malformed-note" | "malformed-checkpoint" | "unknown-key" | "bad-signature" | "invalid-key";

export type NoteVerification = { ok: true; body: string } | { ok: false; reason: CheckpointFailure; detail: string };
export type CheckpointVerification =
  | { ok: true; origin: string; size: number; rootHex: string }
  | { ok: false; reason: CheckpointFailure; detail: string };

// signed-note §Signature types: 0x01 is Ed25519.
const ED25519_TYPE = 0x01;
const SIGNATURE_PREFIX = "\u2014 "; // EM DASH, SPACE
// signed-note §Format: verifiers MUST accept at least 16 signatures; Go's note package caps at 100.
const MAX_SIGNATURES = 100;
const ROOT_HEX = /^[0-9a-f]{64}$/;

// ---------------------------------------------------------------------------------------------
// Keys

/** signed-note §Ed25519 signatures: key ID = SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key)[:4]. */
export function keyId(keyName: string, publicKeyHex: string): Uint8Array {
  assertKeyName(keyName);
  return sha256(concatBytes(utf8(keyName), new Uint8Array([0x0a, ED25519_TYPE]), publicKeyBytes(publicKeyHex))).slice(
    0,
    4,
  );
}

/** The standard note verifier key `<name>+<hex key ID>+<base64(0x01 ‖ public key)>`, as Go's note.NewVerifier reads it. */
export function verifierKey(keyName: string, publicKeyHex: string): string {
  const id = bytesToHex(keyId(keyName, publicKeyHex));
  return `${keyName}+${id}+${toBase64(concatBytes(new Uint8Array([ED25519_TYPE]), publicKeyBytes(publicKeyHex)))}`;
}

/** Reads a verifier key back; throws `invalid-key` unless it is Ed25519 and its key ID matches. */
export function parseVerifierKey(vkey: string): { keyName: string; publicKeyHex: string } {
  // Names hold no '+' but base64 may: cut at the first two only, as Go's note.NewVerifier does.
  const [keyName = "", id = "", ...encoded] = vkey.split("+");
  const key = fromBase64(encoded.join("+"));
  if (!key || key.length !== 33 || key[0] !== ED25519_TYPE || !/^[0-9a-fA-F]{8}$/.test(id) || !isKeyName(keyName)) {
    throw new DomainError("invalid-key", "not an Ed25519 note verifier key (name+keyid+base64)");
  }
  const publicKeyHex = bytesToHex(key.slice(1));
  if (bytesToHex(keyId(keyName, publicKeyHex)) !== id.toLowerCase()) {
    throw new DomainError("invalid-key", "the verifier key's ID does not match its name and public key");
  }
  return { keyName, publicKeyHex };
}

// ---------------------------------------------------------------------------------------------
// Signed notes (c2sp.org/signed-note)

/** Signs `text` (which must end in a newline) as a note with one signature line. */
export async function signNote(text: string, keyName: string, privateKeyHex: string): Promise<string> {
  const problem = noteTextProblem(text);
  if (problem) throw new DomainError("malformed-note", problem);
  assertKeyName(keyName);
  const publicKeyHex = publicKeyFromSeed(privateKeyHex);
  const signature = await sign(privateKeyHex, utf8(text));
  return `${text}\n${SIGNATURE_PREFIX}${keyName} ${toBase64(concatBytes(keyId(keyName, publicKeyHex), signature))}\n`;
}

/** Splits a signed note into its text and signature lines. Throws `malformed-note`; checks no signature. */
export function parseNote(note: string): { body: string; signatures: NoteSignature[] } {
  const malformed = (detail: string) => new DomainError("malformed-note", detail);
  // signed-note §Format: valid UTF-8 (no lone surrogates survive encoding) and no control characters but newline.
  if (/\p{Cs}/u.test(note)) throw malformed("a note must be valid UTF-8");
  if (/[\x00-\x09\x0b-\x1f]/.test(note))
    throw malformed("a note must not contain control characters other than newline");
  // The text is separated from the signatures by the last empty line; the text keeps its final newline.
  const split = note.lastIndexOf("\n\n");
  if (split < 0) throw malformed("a note needs a blank line between its text and its signatures");
  const body = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (block === "" || !block.endsWith("\n")) throw malformed("a note's signature lines must each end in a newline");
  const lines = block.slice(0, -1).split("\n");
  if (lines.length > MAX_SIGNATURES) throw malformed(`a note may carry at most ${MAX_SIGNATURES} signatures`);
  const signatures = lines.map((line) => {
    if (!line.startsWith(SIGNATURE_PREFIX)) throw malformed("a signature line starts with an em dash and a space");
    const rest = line.slice(SIGNATURE_PREFIX.length);
    const space = rest.indexOf(" ");
    const keyName = rest.slice(0, space);
    const bytes = space > 0 ? fromBase64(rest.slice(space + 1)) : undefined;
    if (!isKeyName(keyName) || !bytes || bytes.length < 5)
      throw malformed("a signature line is `— <key name> <base64(key ID ‖ signature)>`");
    return { keyName, keyIdHex: bytesToHex(bytes.slice(0, 4)), signature: bytes.slice(4) };
  });
  return { body, signatures };
}

/**
 * signed-note §Signatures: signatures from other keys (another name, or the same name with another
 * key ID) are ignored; every signature from this key must verify, and at least one must exist.
 */
export async function verifyNote(note: string, keyName: string, publicKeyHex: string): Promise<NoteVerification> {
  if (!isKeyName(keyName) || !PUBLIC_KEY_HEX.test(publicKeyHex)) {
    return { ok: false, reason: "invalid-key", detail: "the key name or Ed25519 public key is malformed" };
  }
  let parsed: { body: string; signatures: NoteSignature[] };
  try {
    parsed = parseNote(note);
  } catch (error) {
    if (error instanceof DomainError) return { ok: false, reason: "malformed-note", detail: error.message };
    throw error;
  }
  const id = bytesToHex(keyId(keyName, publicKeyHex));
  const ours = parsed.signatures.filter((s) => s.keyName === keyName && s.keyIdHex === id);
  if (ours.length === 0)
    return { ok: false, reason: "unknown-key", detail: `the note carries no signature by ${keyName}+${id}` };
  const message = utf8(parsed.body);
  for (const s of ours) {
    if (!(await verify(publicKeyHex, message, s.signature))) {
      return { ok: false, reason: "bad-signature", detail: `the signature by ${keyName}+${id} does not verify` };
    }
  }
  return { ok: true, body: parsed.body };
}

// ---------------------------------------------------------------------------------------------
// Checkpoints (c2sp.org/tlog-checkpoint)

/** The note text: origin, decimal size, base64 root, each on its own line. */
export function checkpointBody({ origin, size, rootHex }: CheckpointFields): string {
  if (origin === "" || /[\x00-\x1f]/.test(origin) || /\p{Cs}/u.test(origin)) {
    throw new DomainError("malformed-checkpoint", {
      detail: "the origin must be one non-empty line of text",
      field: "origin",
    });
  }
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new DomainError("malformed-checkpoint", {
      detail: "the tree size must be a non-negative safe integer",
      field: "size",
    });
  }
  if (!ROOT_HEX.test(rootHex)) {
    throw new DomainError("malformed-checkpoint", {
      detail: "the root must be 64 lowercase hex characters",
      field: "rootHex",
    });
  }
  return `${origin}\n${size}\n${toBase64(hexToBytes(rootHex))}\n`;
}

export async function signCheckpoint(
  checkpoint: CheckpointFields,
  keyName: string,
  privateKeyHex: string,
): Promise<string> {
  return signNote(checkpointBody(checkpoint), keyName, privateKeyHex);
}

/** Reads a checkpoint note's fields and signature lines without checking any signature. Throws on malformed input. */
export function parseCheckpoint(note: string): ParsedCheckpoint {
  const { body, signatures } = parseNote(note);
  return { ...parseCheckpointBody(body), body, signatures };
}

/** tlog-checkpoint §Note text: at least three non-empty lines; extension lines are kept, not interpreted. */
export function parseCheckpointBody(body: string): CheckpointFields & { extensions: string[] } {
  const malformed = (detail: string) => new DomainError("malformed-checkpoint", detail);
  const lines = body.split("\n");
  lines.pop(); // the text ends in a newline, so the last piece is empty
  if (lines.length < 3 || lines.some((line) => line === ""))
    throw malformed("a checkpoint has at least three non-empty lines");
  const [origin, sizeText, rootText, ...extensions] = lines;
  // "the ASCII decimal representation … with no leading zeroes (unless the tree is empty)"
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    throw malformed("the tree size must be a decimal number without leading zeros, at most 2^53 − 1");
  }
  const root = fromBase64(rootText);
  if (!root || root.length !== 32) throw malformed("the root hash must be the base64 of 32 bytes");
  return { origin, size: Number(sizeText), rootHex: bytesToHex(root), extensions };
}

/** Verifies a checkpoint against one trusted key; returns its fields only when the signature holds. */
export async function verifyCheckpoint(
  note: string,
  keyName: string,
  publicKeyHex: string,
): Promise<CheckpointVerification> {
  const verified = await verifyNote(note, keyName, publicKeyHex);
  if (!verified.ok) return verified;
  try {
    const { origin, size, rootHex } = parseCheckpointBody(verified.body);
    return { ok: true, origin, size, rootHex };
  } catch (error) {
    if (error instanceof DomainError) return { ok: false, reason: "malformed-checkpoint", detail: error.message };
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding details

// signed-note §Format: key names are non-empty, with no Unicode spaces and no plus. \s covers the
// Unicode White_Space characters except U+0085, which Go's unicode.IsSpace also counts.
function isKeyName(name: string): boolean {
  return name !== "" && !/[\s\u0085+]/u.test(name) && !/[\x00-\x1f]/.test(name) && !/\p{Cs}/u.test(name);
}

function assertKeyName(name: string): void {
  if (!isKeyName(name))
    throw new DomainError("invalid-key", {
      detail: "a note key name is non-empty, without spaces or '+'",
      field: "keyName",
    });
}

function noteTextProblem(text: string): string | undefined {
  if (text === "" || !text.endsWith("\n")) return "a note text ends in a newline";
  if (/[\x00-\x09\x0b-\x1f]/.test(text) || /\p{Cs}/u.test(text))
    return "a note text is UTF-8 without control characters other than newline";
  return undefined;
}

function publicKeyBytes(publicKeyHex: string): Uint8Array {
  if (!PUBLIC_KEY_HEX.test(publicKeyHex))
    throw new DomainError("invalid-key", {
      detail: "an Ed25519 public key is 64 lowercase hex characters",
      field: "publicKey",
    });
  return hexToBytes(publicKeyHex);
}

function publicKeyFromSeed(privateKeyHex: string): string {
  if (!/^[0-9a-f]{64}$/.test(privateKeyHex))
    throw new DomainError("invalid-key", {
      detail: "an Ed25519 private key is 64 lowercase hex characters",
      field: "privateKey",
    });
  return publicKeyOf(privateKeyHex);
}

// RFC 4648 §4 standard base64 with padding. btoa/atob exist in workerd, Node ≥ 16 and browsers.
function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict decode: only the canonical padded encoding is accepted, so one byte string has one text form. */
function fromBase64(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined;
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return toBase64(bytes) === text ? bytes : undefined;
}

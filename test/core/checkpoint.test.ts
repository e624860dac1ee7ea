import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { utf8 } from "../../src/core/canonical-json.js";
import {
  checkpointBody,
  keyId,
  parseCheckpoint,
  parseVerifierKey,
  signCheckpoint,
  signNote,
  verifierKey,
  verifyCheckpoint,
  verifyNote,
} from "../../src/core/checkpoint.js";
import { bytesToHex, concatBytes, hexToBytes } from "../../src/core/hash.js";
import { emptyRoot } from "../../src/core/merkle.js";
import { generateKeyPair, sign } from "../../src/core/signing.js";

// golang.org/x/mod/sumdb/note note_test.go: "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFA…" is
// 0x01 ‖ this seed, and "PeterNeumann+c74f20a3+ARpc2Q…" is 0x01 ‖ this public key.
const PETER = {
  name: "PeterNeumann",
  seed: "810a1402d5146c8d84f2443330f54080ebf98ee17d9c74f6252fc5d5c7283173",
  publicKey: "1a5cd907143c384c41e830c5bce12aa8817ec5649aaabf2c31388b35b2d744d6",
  vkey: "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
};
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_SIGNED =
  GO_TEXT +
  "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIG =
  "\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

const ORIGIN = "darkmatter.example/ledger";
const ROOT = "5d53469f20fef4f8eab52b88044ede69c77a6a68a60728609fc4a65ff531e7d0";
const key = generateKeyPair();
const other = generateKeyPair();

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

describe("signed notes", () => {
  it("derive the key ID as the first four bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)", () => {
    const expected = sha256(concatBytes(utf8(ORIGIN), new Uint8Array([0x0a, 0x01]), hexToBytes(key.publicKey))).slice(
      0,
      4,
    );
    expect(bytesToHex(keyId(ORIGIN, key.publicKey))).toBe(bytesToHex(expected));
    expect(bytesToHex(keyId(PETER.name, PETER.publicKey))).toBe("c74f20a3");
  });

  it("write and read the verifier key Go's note package uses", () => {
    expect(verifierKey(PETER.name, PETER.publicKey)).toBe(PETER.vkey);
    expect(parseVerifierKey(PETER.vkey)).toEqual({ keyName: PETER.name, publicKeyHex: PETER.publicKey });
    expect(parseVerifierKey(verifierKey(ORIGIN, key.publicKey))).toEqual({
      keyName: ORIGIN,
      publicKeyHex: key.publicKey,
    });
  });

  it("refuse a verifier key whose ID, type or length is off", () => {
    for (const bad of [
      "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", // ID does not match
      "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", // unknown algorithm
      "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==", // wrong length
      "PeterNeumann+c74f20a3",
      "",
    ]) {
      expect(() => parseVerifierKey(bad)).toThrow(expect.objectContaining({ code: "invalid-key" }));
    }
  });

  it("sign byte for byte as golang.org/x/mod/sumdb/note does", async () => {
    expect(await signNote(GO_TEXT, PETER.name, PETER.seed)).toBe(GO_SIGNED);
  });

  it("verify a Go-signed note and ignore signatures from other keys", async () => {
    expect(await verifyNote(GO_SIGNED, PETER.name, PETER.publicKey)).toEqual({ ok: true, body: GO_TEXT });
    expect(await verifyNote(GO_SIGNED + ENOCH_SIG, PETER.name, PETER.publicKey)).toEqual({ ok: true, body: GO_TEXT });
  });

  it("reject the malformed notes Go's note package rejects", async () => {
    const peterSig = GO_SIGNED.slice(GO_TEXT.length + 1);
    for (const bad of [
      GO_TEXT,
      GO_TEXT + "\n",
      GO_TEXT + "\n" + peterSig.slice(0, -1),
      "\x01" + GO_TEXT + "\n" + peterSig,
      GO_TEXT +
        "\n" +
        "\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
      GO_TEXT + "\n" + peterSig + "Unexpected line.\n",
      GO_TEXT + "\n" + peterSig.repeat(101),
      "\ud800" + GO_TEXT + "\n" + peterSig,
    ]) {
      expect(await verifyNote(bad, PETER.name, PETER.publicKey)).toMatchObject({ ok: false, reason: "malformed-note" });
    }
  });
});

describe("checkpoints", () => {
  it("verify after signing and give back the origin, size and root", async () => {
    const note = await signCheckpoint({ origin: ORIGIN, size: 1, rootHex: ROOT }, ORIGIN, key.privateKey);
    expect(await verifyCheckpoint(note, ORIGIN, key.publicKey)).toEqual({
      ok: true,
      origin: ORIGIN,
      size: 1,
      rootHex: ROOT,
    });
  });

  it("are the origin, decimal size and base64 root, a blank line, then one em-dash signature line", async () => {
    const note = await signCheckpoint({ origin: ORIGIN, size: 20852163, rootHex: ROOT }, ORIGIN, key.privateKey);
    const rootBase64 = b64(hexToBytes(ROOT));
    expect(rootBase64).toBe("XVNGnyD+9PjqtSuIBE7eacd6amimByhgn8SmX/Ux59A=");
    const body = `${ORIGIN}\n20852163\n${rootBase64}\n`;
    expect(note.startsWith(`${body}\n\u2014 ${ORIGIN} `)).toBe(true);
    expect(note.endsWith("\n")).toBe(true);
    const lines = note.split("\n");
    expect(lines).toHaveLength(6); // three body lines, the blank line, the signature, the final ""
    const signature = Uint8Array.from(atob(lines[4].split(" ")[2]), (c) => c.charCodeAt(0));
    expect(signature).toHaveLength(4 + 64);
    expect(bytesToHex(signature.slice(0, 4))).toBe(bytesToHex(keyId(ORIGIN, key.publicKey)));
    // Ed25519 is deterministic: the signature is over the body text, up to the newline before the blank line.
    expect(bytesToHex(signature.slice(4))).toBe(bytesToHex(await sign(key.privateKey, utf8(body))));
  });

  it("parse into their fields and signature lines without needing a key", async () => {
    const note = await signCheckpoint(
      { origin: ORIGIN, size: 42, rootHex: ROOT },
      "witness.example/w1",
      key.privateKey,
    );
    const parsed = parseCheckpoint(note);
    expect(parsed).toMatchObject({
      origin: ORIGIN,
      size: 42,
      rootHex: ROOT,
      extensions: [],
      body: checkpointBody({ origin: ORIGIN, size: 42, rootHex: ROOT }),
    });
    expect(parsed.signatures).toHaveLength(1);
    expect(parsed.signatures[0]).toMatchObject({
      keyName: "witness.example/w1",
      keyIdHex: bytesToHex(keyId("witness.example/w1", key.publicKey)),
    });
    expect(parsed.signatures[0].signature).toHaveLength(64);
  });

  it("represent the empty log with size 0 and the empty-tree root", async () => {
    const rootHex = bytesToHex(emptyRoot());
    const note = await signCheckpoint({ origin: ORIGIN, size: 0, rootHex }, ORIGIN, key.privateKey);
    expect(note.split("\n")[1]).toBe("0");
    expect(await verifyCheckpoint(note, ORIGIN, key.publicKey)).toEqual({ ok: true, origin: ORIGIN, size: 0, rootHex });
  });

  it("are refused once the size, root or origin is altered", async () => {
    const note = await signCheckpoint({ origin: ORIGIN, size: 1234, rootHex: ROOT }, ORIGIN, key.privateKey);
    const otherRoot = b64(hexToBytes("ff" + ROOT.slice(2)));
    for (const altered of [
      note.replace("\n1234\n", "\n1235\n"),
      note.replace("\n1234\n", "\n12340\n"),
      note.replace(b64(hexToBytes(ROOT)), otherRoot),
      note.replace(ORIGIN, "darkmatter.example/ledger2"),
    ]) {
      expect(altered).not.toBe(note);
      expect(await verifyCheckpoint(altered, ORIGIN, key.publicKey)).toMatchObject({
        ok: false,
        reason: "bad-signature",
      });
    }
  });

  it("are refused when a byte of the signature is altered", async () => {
    const note = await signCheckpoint({ origin: ORIGIN, size: 7, rootHex: ROOT }, ORIGIN, key.privateKey);
    const parsed = parseCheckpoint(note);
    const id = hexToBytes(parsed.signatures[0].keyIdHex);
    for (const at of [0, 17, 31, 32, 63]) {
      const signature = parsed.signatures[0].signature.slice();
      signature[at] ^= 0x01;
      const altered = `${parsed.body}\n\u2014 ${ORIGIN} ${b64(concatBytes(id, signature))}\n`;
      expect(await verifyCheckpoint(altered, ORIGIN, key.publicKey)).toMatchObject({
        ok: false,
        reason: "bad-signature",
      });
    }
  });

  it("are refused under a different key name, even with the right public key", async () => {
    const note = await signCheckpoint({ origin: ORIGIN, size: 7, rootHex: ROOT }, ORIGIN, key.privateKey);
    expect(await verifyCheckpoint(note, "darkmatter.example/other", key.publicKey)).toMatchObject({
      ok: false,
      reason: "unknown-key",
    });
  });

  it("are refused under a different public key with the same name", async () => {
    const note = await signCheckpoint({ origin: ORIGIN, size: 7, rootHex: ROOT }, ORIGIN, key.privateKey);
    expect(await verifyCheckpoint(note, ORIGIN, other.publicKey)).toMatchObject({ ok: false, reason: "unknown-key" });
  });

  it("are refused when another key signs under the trusted key's name and ID", async () => {
    const body = checkpointBody({ origin: ORIGIN, size: 7, rootHex: ROOT });
    const forged = await sign(other.privateKey, utf8(body));
    const note = `${body}\n\u2014 ${ORIGIN} ${b64(concatBytes(keyId(ORIGIN, key.publicKey), forged))}\n`;
    expect(await verifyCheckpoint(note, ORIGIN, key.publicKey)).toMatchObject({ ok: false, reason: "bad-signature" });
  });

  it("verify with the trusted key among witness cosignatures, in any order", async () => {
    const fields = { origin: ORIGIN, size: 99, rootHex: ROOT };
    const ours = await signCheckpoint(fields, ORIGIN, key.privateKey);
    const witness = await signCheckpoint(fields, "witness.example/w1", other.privateKey);
    const body = checkpointBody(fields);
    const both = body + "\n" + witness.slice(body.length + 1) + ours.slice(body.length + 1);
    expect(await verifyCheckpoint(both, ORIGIN, key.publicKey)).toMatchObject({ ok: true, size: 99 });
    expect(await verifyCheckpoint(both, "witness.example/w1", other.publicKey)).toMatchObject({ ok: true, size: 99 });
  });

  it("are refused when the signed body is not a checkpoint", async () => {
    const sizes = ["01", "-1", "1.0", "9007199254740993", ""];
    for (const size of sizes) {
      const note = await signNote(`${ORIGIN}\n${size}\n${b64(hexToBytes(ROOT))}\n`, ORIGIN, key.privateKey);
      expect(await verifyCheckpoint(note, ORIGIN, key.publicKey)).toMatchObject({ ok: false });
    }
    for (const root of [b64(hexToBytes(ROOT.slice(2))), "XVNGnyD+9PjqtSuIBE7eacd6amimByhgn8SmX/Ux59B=", "not base64"]) {
      const note = await signNote(`${ORIGIN}\n5\n${root}\n`, ORIGIN, key.privateKey);
      expect(await verifyCheckpoint(note, ORIGIN, key.publicKey)).toMatchObject({
        ok: false,
        reason: "malformed-checkpoint",
      });
    }
    const twoLines = await signNote(`${ORIGIN}\n5\n`, ORIGIN, key.privateKey);
    expect(await verifyCheckpoint(twoLines, ORIGIN, key.publicKey)).toMatchObject({
      ok: false,
      reason: "malformed-checkpoint",
    });
  });

  it("keep extension lines when parsing but leave them out of the verified fields", async () => {
    const note = await signNote(`${ORIGIN}\n5\n${b64(hexToBytes(ROOT))}\nextension one\n`, ORIGIN, key.privateKey);
    expect(parseCheckpoint(note).extensions).toEqual(["extension one"]);
    expect(await verifyCheckpoint(note, ORIGIN, key.publicKey)).toEqual({
      ok: true,
      origin: ORIGIN,
      size: 5,
      rootHex: ROOT,
    });
  });

  it("cannot be signed with an invalid origin, size, root or key name", async () => {
    const sign = (fields: { origin: string; size: number; rootHex: string }, name = ORIGIN) =>
      signCheckpoint(fields, name, key.privateKey);
    await expect(sign({ origin: "", size: 1, rootHex: ROOT })).rejects.toMatchObject({ code: "malformed-checkpoint" });
    await expect(sign({ origin: "a\nb", size: 1, rootHex: ROOT })).rejects.toMatchObject({
      code: "malformed-checkpoint",
    });
    await expect(sign({ origin: ORIGIN, size: -1, rootHex: ROOT })).rejects.toMatchObject({
      code: "malformed-checkpoint",
    });
    await expect(sign({ origin: ORIGIN, size: 1.5, rootHex: ROOT })).rejects.toMatchObject({
      code: "malformed-checkpoint",
    });
    await expect(sign({ origin: ORIGIN, size: 1, rootHex: ROOT.toUpperCase() })).rejects.toMatchObject({
      code: "malformed-checkpoint",
    });
    await expect(sign({ origin: ORIGIN, size: 1, rootHex: ROOT }, "has space")).rejects.toMatchObject({
      code: "invalid-key",
    });
    await expect(sign({ origin: ORIGIN, size: 1, rootHex: ROOT }, "a+b")).rejects.toMatchObject({
      code: "invalid-key",
    });
  });

  it("report a malformed trusted key instead of verifying against it", async () => {
    const note = await signCheckpoint({ origin: ORIGIN, size: 1, rootHex: ROOT }, ORIGIN, key.privateKey);
    expect(await verifyCheckpoint(note, ORIGIN, key.publicKey.slice(2))).toMatchObject({
      ok: false,
      reason: "invalid-key",
    });
    expect(await verifyCheckpoint(note, "", key.publicKey)).toMatchObject({ ok: false, reason: "invalid-key" });
  });
});

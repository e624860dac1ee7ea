// Mesh spec Appendix B (§22), reproduced byte for byte, and the §20 "Identity and signing" lines
// that those vectors decide.
import { bytesToHex } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import {
  signMessage,
  signPeerUpdate,
  verifyMessageSignature,
  verifyPeerUpdateSignature,
} from "../../../src/core/mesh/message-signing.js";
import { passportFromSeed } from "../../../src/core/mesh/passport.js";
import { messageSigningBytes, peerUpdateSigningBytes } from "../../../src/core/mesh/signed-payload.js";

const SEED = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const PUBLIC_KEY = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";

const MESSAGE = {
  fromAgentId: PUBLIC_KEY,
  messageId: "msg-0123456789ab",
  timestamp: "2026-02-25T21:30:07.123456+00:00",
  content: "Hello, mesh! \u2713",
};
const MESSAGE_BYTES_HEX =
  "303361313037626666336365313062653164373064643138653734626330393936376534643633303962613530643566316464633836363431323535333162380a6d73672d3031323334353637383961620a323032362d30322d32355432313a33303a30372e3132333435362b30303a30300a48656c6c6f2c206d6573682120e29c93";
const MESSAGE_SIGNATURE =
  "fc0df2c92185c20df9d40dab1a29ce06f335a84c0e4ccc02855a86071908129bbe846adba4dad1d5b58e0990d599d134f1cacbb53400f9b6189967775c7f2b0a";

const JS_STYLE_MESSAGE = { ...MESSAGE, timestamp: "2026-02-25T21:30:07.123Z" };
const JS_STYLE_SIGNATURE =
  "40bf5020c85bc11bb550a584b47ac1e95c40f79cb29699856fded1ce39dc2bf8467e71cbc72cce7e19eb2832116002216fec498b33f05a57d67667ccfbc3ad01";

const PEER_UPDATE = { agentId: PUBLIC_KEY, newUrl: "https://node.example.com", timestamp: "2026-02-25T21:30:07+00:00" };
const PEER_UPDATE_SIGNATURE =
  "aa64543ad47ad886bc55826f8f30d50c4bb55c7398387f9d94fdd1740547a903d7c2e3efd785466e2c8702551f25ccd3b69e66a2c97c2f0e3166936e0f996805";

describe("Appendix B test vectors", () => {
  it("derives the Appendix B public key, which is also the agent ID, from the Appendix B seed", () => {
    const passport = passportFromSeed(SEED)!;
    expect(passport.publicKeyHex).toBe(PUBLIC_KEY);
    expect(passport.agentId).toBe(PUBLIC_KEY);
  });

  it("builds the 131 signed bytes of the message vector exactly", () => {
    const bytes = messageSigningBytes(MESSAGE);
    expect(bytes.length).toBe(131);
    expect(bytesToHex(bytes)).toBe(MESSAGE_BYTES_HEX);
  });

  it("§20: signing the Appendix B input with the Appendix B seed reproduces the message signature byte for byte", async () => {
    expect(await signMessage(SEED, MESSAGE)).toBe(MESSAGE_SIGNATURE);
  });

  it("reproduces the signature of the same message with the JavaScript-style timestamp", async () => {
    expect(await signMessage(SEED, JS_STYLE_MESSAGE)).toBe(JS_STYLE_SIGNATURE);
  });

  it("builds the 127 signed bytes of the peer_update vector as 'peer_update', agent ID, URL and timestamp joined by LF", () => {
    const bytes = peerUpdateSigningBytes(PEER_UPDATE);
    expect(bytes.length).toBe(127);
    expect(new TextDecoder().decode(bytes)).toBe(
      `peer_update\n${PUBLIC_KEY}\nhttps://node.example.com\n2026-02-25T21:30:07+00:00`,
    );
  });

  it("§20: signing the Appendix B peer_update input reproduces the peer_update signature", async () => {
    expect(await signPeerUpdate(SEED, PEER_UPDATE)).toBe(PEER_UPDATE_SIGNATURE);
  });

  it("§20: the node verifies the message vector with the Python-style and the JS-style timestamp", async () => {
    expect(await verifyMessageSignature(PUBLIC_KEY, MESSAGE, MESSAGE_SIGNATURE)).toBe(true);
    expect(await verifyMessageSignature(PUBLIC_KEY, JS_STYLE_MESSAGE, JS_STYLE_SIGNATURE)).toBe(true);
  });

  it("§20: the node rejects the message vector when one byte of content changes", async () => {
    const tampered = { ...MESSAGE, content: "Hello, mesh? \u2713" };
    expect(await verifyMessageSignature(PUBLIC_KEY, tampered, MESSAGE_SIGNATURE)).toBe(false);
    expect(await verifyMessageSignature(PUBLIC_KEY, JS_STYLE_MESSAGE, MESSAGE_SIGNATURE)).toBe(false);
  });

  it("verifies the peer_update vector and rejects it for another URL", async () => {
    expect(await verifyPeerUpdateSignature(PUBLIC_KEY, PEER_UPDATE, PEER_UPDATE_SIGNATURE)).toBe(true);
    const moved = { ...PEER_UPDATE, newUrl: "https://evil.example.com" };
    expect(await verifyPeerUpdateSignature(PUBLIC_KEY, moved, PEER_UPDATE_SIGNATURE)).toBe(false);
  });

  it("accepts keys and signatures in upper case or with spaces between byte pairs, as Python's bytes.fromhex does", async () => {
    const spaced = MESSAGE_SIGNATURE.toUpperCase().replace(/(..)/g, "$1 ");
    expect(await verifyMessageSignature(PUBLIC_KEY.toUpperCase(), MESSAGE, spaced)).toBe(true);
  });

  it("treats undecodable hex, wrong lengths and unencodable text as an invalid signature, never an exception", async () => {
    expect(await verifyMessageSignature(PUBLIC_KEY, MESSAGE, MESSAGE_SIGNATURE.slice(1))).toBe(false);
    expect(await verifyMessageSignature(PUBLIC_KEY, MESSAGE, `${MESSAGE_SIGNATURE}00`)).toBe(false);
    expect(await verifyMessageSignature("zz", MESSAGE, MESSAGE_SIGNATURE)).toBe(false);
    expect(await verifyMessageSignature(PUBLIC_KEY, { ...MESSAGE, content: "\ud800" }, MESSAGE_SIGNATURE)).toBe(false);
  });
});

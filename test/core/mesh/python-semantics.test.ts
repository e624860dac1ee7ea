// The Python built-ins the wire inherits (§2): code-point lengths, truthiness, bytes.fromhex, str.strip.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  abbreviate,
  codePointLength,
  fromHex,
  isTruthy,
  isWellFormedText,
  pyStr,
  pyStrip,
  truncateCodePoints,
} from "../../../src/core/mesh/index.js";

describe("Python semantics the mesh depends on", () => {
  it("counts code points like len(str): astral characters and lone surrogates count once", () => {
    expect(codePointLength("\u{1F600}".repeat(3))).toBe(3);
    expect(codePointLength("a\ud800b")).toBe(3);
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        expect(codePointLength(text)).toBe([...text].length);
      }),
    );
  });

  it("truncates at a code-point boundary, never inside a surrogate pair", () => {
    expect(truncateCodePoints("ab\u{1F600}cd", 3)).toBe("ab\u{1F600}");
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.nat(40), (text, max) => {
        expect(truncateCodePoints(text, max)).toBe([...text].slice(0, max).join(""));
      }),
    );
    expect(abbreviate("x".repeat(201), 200)).toBe(`${"x".repeat(200)}...`);
    expect(abbreviate("x".repeat(200), 200)).toBe("x".repeat(200));
  });

  it("treats missing, null, '', 0, false, [] and {} as missing, like Python truthiness", () => {
    for (const falsy of [undefined, null, "", 0, -0, false, [], {}])
      expect(isTruthy(falsy), JSON.stringify(falsy)).toBe(false);
    for (const truthy of ["0", 1, -1, true, [0], { a: 0 }, " "])
      expect(isTruthy(truthy), JSON.stringify(truthy)).toBe(true);
  });

  it("parses hex like bytes.fromhex: upper case and whitespace between pairs, never inside one", () => {
    expect(fromHex("0aFF")).toEqual(Uint8Array.from([0x0a, 0xff]));
    expect(fromHex(" 0a \n ff\t")).toEqual(Uint8Array.from([0x0a, 0xff]));
    expect(fromHex("")).toEqual(new Uint8Array());
    for (const bad of ["0", "0 a", "0x", "zz", "0a\u00a0ff"]) expect(fromHex(bad), bad).toBeUndefined();
  });

  it("strips what str.strip() strips: NBSP and U+001F yes, the BOM no", () => {
    expect(pyStrip("\u00a0\u001f id \u3000")).toBe("id");
    expect(pyStrip("\ufeffid")).toBe("\ufeffid");
  });

  it("formats values as str() does in error texts", () => {
    expect([pyStr(null), pyStr(undefined), pyStr(true), pyStr(false), pyStr("x"), pyStr(3)]).toEqual([
      "None",
      "None",
      "True",
      "False",
      "x",
      "3",
    ]);
  });

  it("detects text Python could not encode as UTF-8", () => {
    expect(isWellFormedText("ok \u{1F600}")).toBe(true);
    expect(isWellFormedText("\ud800")).toBe(false);
    expect(isWellFormedText("\udc00\ud800")).toBe(false);
  });
});

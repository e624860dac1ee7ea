// The one reading of the operator's credential (src/core/operator-token.ts), used by the API's
// auth middleware, the Agent Durable Object's operator endpoints and the live channel.
import { describe, expect, it } from "vitest";
import { bearerToken, isOperatorToken } from "../../src/core/operator-token.js";

describe("operator token", () => {
  it("reads the token of a Bearer header whatever the scheme's case, without the spaces around it", () => {
    expect(bearerToken("Bearer abc")).toBe("abc");
    expect(bearerToken("bearer   abc  ")).toBe("abc");
    expect(bearerToken("BEARER a b")).toBe("a b");
  });

  it("finds no token in a missing header, another scheme or a bare scheme", () => {
    for (const header of [undefined, null, "", "Basic YWJj", "Bearer", "Bearerabc", "Token abc"])
      expect(bearerToken(header), String(header)).toBeNull();
  });

  it("admits only the configured token, and nobody when none is configured", () => {
    expect(isOperatorToken("secret", "secret")).toBe(true);
    expect(isOperatorToken("Secret", "secret")).toBe(false);
    expect(isOperatorToken(null, "secret")).toBe(false);
    expect(isOperatorToken("", "")).toBe(false);
    expect(isOperatorToken("anything", undefined)).toBe(false);
  });
});

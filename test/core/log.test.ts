import { describe, expect, it } from "vitest";
import { formatLogLine, REDACTED, requestLevel } from "../../src/core/log.js";
import { requestIdOf } from "../../src/core/request-id.js";

describe("log lines", () => {
  it("are one JSON object: time and level first, then the message and the fields", () => {
    const line = formatLogLine("info", "request", { requestId: "r1", status: 200 }, Date.UTC(2026, 0, 2));
    expect(line).not.toContain("\n");
    expect(JSON.parse(line)).toEqual({
      time: "2026-01-02T00:00:00.000Z",
      level: "info",
      msg: "request",
      requestId: "r1",
      status: 200,
    });
  });

  it("never carry a credential: credential-named fields are replaced and bearer values cut out of any text", () => {
    const line = formatLogLine("error", "failed", {
      authorization: "Bearer abc",
      nested: { DM_OPERATOR_TOKEN: "s3cret", ok: 1 },
      error: "peer said: Authorization: Bearer tok_123456 was refused",
    });
    expect(line).not.toMatch(/abc|s3cret|tok_123456/);
    expect(JSON.parse(line)).toMatchObject({
      authorization: REDACTED,
      nested: { DM_OPERATOR_TOKEN: REDACTED, ok: 1 },
      error: `peer said: Authorization: Bearer ${REDACTED} was refused`,
    });
  });

  it("cannot have time or level overridden by a field", () => {
    expect(JSON.parse(formatLogLine("warn", "m", { level: "info", time: 0 }, 0))).toMatchObject({ level: "warn" });
  });

  it("are at error for a 5xx, warn for a 4xx, info otherwise", () => {
    expect([200, 304, 404, 503].map(requestLevel)).toEqual(["info", "info", "warn", "error"]);
  });
});

describe("request ids", () => {
  it("keep a safe client id and make one otherwise", () => {
    expect(requestIdOf("abc-123_X.y:z@q")).toBe("abc-123_X.y:z@q");
    for (const bad of [null, undefined, "", "a b", "ä", "x".repeat(129), "a\nb"])
      expect(requestIdOf(bad)).toMatch(/^req_/);
  });
});

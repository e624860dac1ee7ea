/// <reference types="vite/client" />
// The error catalogue (issue 13, "Errors"): one code → one status and one title, and nothing
// raised that it does not list. The type system refuses an unknown literal code; these tests
// keep the catalogue itself sound and catch what types cannot see (computed codes, dead entries).
import { describe, expect, it } from "vitest";
import { CATALOGUE, PROBLEM_CODES } from "../../src/core/error-catalogue.js";
import { DomainError } from "../../src/core/problem.js";
import { problemResponse } from "../../src/http/problem.js";

// The server's sources as text (Vite inlines them at build time; workerd has no file system).
const SOURCES = {
  ...import.meta.glob<string>("../../src/**/*.ts", { query: "?raw", import: "default", eager: true }),
  ...import.meta.glob<string>("../../durable-objects/**/*.ts", { query: "?raw", import: "default", eager: true }),
};
const CODE_SOURCES = Object.entries(SOURCES).filter(([path]) => !path.endsWith("/error-catalogue.ts"));

describe("the error catalogue", () => {
  it("gives every code an error status, a title and a description", () => {
    const wrong = Object.entries(CATALOGUE)
      .filter(
        ([code, entry]) =>
          !/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(code) ||
          !Number.isInteger(entry.status) ||
          entry.status < 400 ||
          entry.status > 599 ||
          entry.title.trim() === "" ||
          entry.description.trim() === "",
      )
      .map(([code]) => code);
    expect(wrong).toEqual([]);
    expect(PROBLEM_CODES.length).toBeGreaterThan(90);
  });

  it("is the only source of a problem's status and title", async () => {
    const error = new DomainError("stale-head", { detail: "re-read", head: "abc" });
    expect([error.status, error.toProblem()]).toEqual([
      412,
      { status: 412, code: "stale-head", detail: "re-read", head: "abc" },
    ]);
    // A problem crossing RPC as data is rebuilt from its code, whatever status it carried.
    expect(DomainError.from({ status: 999, code: "not-found", detail: "x" }).status).toBe(404);
    const response = problemResponse({ status: 500, code: "worldline-quarantined", detail: "locked" }, "/api/v1/x");
    expect(response.status).toBe(423);
    expect(await response.json()).toMatchObject({
      type: "urn:darkmatter:problem:worldline-quarantined",
      title: CATALOGUE["worldline-quarantined"].title,
      status: 423,
      code: "worldline-quarantined",
      detail: "locked",
      instance: "/api/v1/x",
    });
  });

  it("lists every code src/ and durable-objects/ raise", () => {
    expect(CODE_SOURCES.length).toBeGreaterThan(100);
    const raised = CODE_SOURCES.flatMap(([path, text]) =>
      [...text.matchAll(/new DomainError\(\s*"([^"]+)"|\bproblem\(\s*c,\s*"([^"]+)"/g)].map((m) => ({
        path,
        code: (m[1] ?? m[2])!,
      })),
    );
    expect(raised.length).toBeGreaterThan(100);
    expect(raised.filter(({ code }) => !Object.hasOwn(CATALOGUE, code))).toEqual([]);
  });

  it("lists no code nothing raises", () => {
    const text = CODE_SOURCES.map(([, source]) => source).join("\n");
    const literals = new Set([...text.matchAll(/"([a-z][a-z0-9-]*)"/g)].map((m) => m[1]!));
    // Codes built from a template (`spore-${status}`, `forward-refused-${reason}`) are used by prefix.
    const prefixes = [...text.matchAll(/`([a-z][a-z-]*-)\$\{/g)].map((m) => m[1]!);
    const unused = PROBLEM_CODES.filter(
      (code) => !literals.has(code) && !prefixes.some((prefix) => code.startsWith(prefix)),
    );
    expect(unused).toEqual([]);
  });
});

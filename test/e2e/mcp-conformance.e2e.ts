// The official MCP conformance suite (@modelcontextprotocol/conformance 0.1.9, the newest that
// runs on Node 20) against /mcp of a real `wrangler dev`, as an unauthenticated client (the suite
// sends no Authorization header, so it sees the anonymous, read-only server; /agents/{name}/mcp
// runs the same transport code, src/mcp/serve.ts). Only the scenarios that hold for any server
// are run: the others call the suite's own fixture tools, prompts and resources
// (`test_image_content`, `test://static-text`, …) or capabilities this server does not declare
// (logging, completions, subscriptions, prompts), and fail for that reason alone (README "MCP").
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { baseUrl } from "./http.js";

const SCENARIOS = ["server-initialize", "ping", "tools-list", "resources-list"];
const suite = createRequire(import.meta.url).resolve("@modelcontextprotocol/conformance/dist/index.js");

describe("MCP conformance (official suite) against /mcp", () => {
  it.each(SCENARIOS)("passes %s", (scenario) => {
    const cwd = mkdtempSync(join(tmpdir(), "dm-conformance-")); // the suite writes results/ there
    try {
      const run = spawnSync(process.execPath, [suite, "server", "--url", `${baseUrl()}/mcp`, "--scenario", scenario], {
        cwd,
        encoding: "utf8",
        timeout: 60_000,
      });
      const output = `${run.stdout}\n${run.stderr}`;
      expect(run.status, output).toBe(0);
      expect(output).toMatch(/Passed: (\d+)\/\1, 0 failed/);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

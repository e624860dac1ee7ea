import { defineConfig } from "vitest/config";

// End-to-end: one real `wrangler dev` for the whole run, driven over HTTP from Node.
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.e2e.ts"],
    globalSetup: ["test/e2e/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    // A real server and a real browser on a small CI box: what a user sees within a few seconds
    // (a live update, the graph gliding to a new world line) may take longer than vitest's 1 s default.
    expect: { poll: { timeout: 5_000 } },
  },
});

import { defineConfig } from "vitest/config";

// End-to-end: one real `wrangler dev` for the whole run, driven over HTTP from Node.
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.e2e.ts"],
    globalSetup: ["test/e2e/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});

import { defineConfig } from "vitest/config";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
export default defineConfig(async () => {
  const migrations = await readD1Migrations("migrations");
  return {
    plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" }, miniflare: { bindings: { TEST_MIGRATIONS: migrations, DM_OPERATOR_TOKEN: "test-operator-token" } } })],
    test: { include: ["test/**/*.test.ts"], exclude: ["test/e2e/**"], setupFiles: ["test/setup.ts"] },
  };
});

import { defineConfig } from "vitest/config";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";

// Deterministic keys so tests can sign as authorities (test/keys.ts reads them back).
const key = (label: string) => {
  const seed = sha256(utf8ToBytes(`darkmatter-test:${label}`));
  return { privateKey: bytesToHex(seed), publicKey: bytesToHex(ed25519.getPublicKey(seed)) };
};
const TEST_KEYS = {
  authorities: [key("authority-1"), key("authority-2"), key("authority-3")],
  outsider: key("outsider"),
  ledger: key("ledger"),
};
export default defineConfig(async () => {
  const migrations = await readD1Migrations("migrations");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            TEST_KEYS: JSON.stringify(TEST_KEYS),
            DM_OPERATOR_TOKEN: "test-operator-token",
            DM_AUTHORITIES: TEST_KEYS.authorities.map((k) => k.publicKey).join(","),
            DM_QUORUM: "2",
            DM_LEDGER_KEY: TEST_KEYS.ledger.privateKey,
            DM_LEDGER_ORIGIN: "test.darkmatter/ledger",
            DM_PUBLIC_URL: "http://localhost",
            DM_PRIVATE_PEERS: "refuse", // not automatic (allow, as localhost is private): workerd tests see the production SSRF rule; own agents are in-process
            DM_DASHBOARD_ORIGIN: "https://dashboard.test", // the one cross-origin dashboard CORS and the live channel admit
            DM_MAX_CONNECTIONS: "1000", // not the default 50: test/mesh checks the agents take their cap from here
            DM_HUB_PASSPORT: key("hub").privateKey,
            DM_HUB_TOKEN: "test-hub-token", // the hub's own token (test/mcp)
            DM_METRICS_TOKEN: "test-metrics-token", // GET /metrics (test/metrics)
            DM_EVENTS_RETRY_BASE_SECONDS: "0", // real-queue retries in test/events run back to back
            DM_TASK_RETRY_BASE_SECONDS: "1", // squad-task retries in test/squads come a second apart
          },
        },
      }),
    ],
    test: {
      include: ["test/**/*.test.ts"],
      exclude: ["test/e2e/**"],
      setupFiles: ["test/setup.ts"],
      globalSetup: ["test/handler-setup.ts"],
    },
  };
});

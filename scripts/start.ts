// `npm start`: the whole stack on this machine. Fills .dev.vars, builds the dashboard, applies
// D1 migrations locally, then runs `wrangler dev` in the foreground.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { authoritiesFile, ensureDevVars } from "./dev-vars.js";

const port = process.env.PORT ?? "8787";
const quiet = { ...process.env, WRANGLER_SEND_METRICS: "false" };

function run(command: string, args: string[], what: string) {
  console.log(`\n▸ ${what}`);
  const result = spawnSync(command, args, { stdio: "inherit", env: { ...quiet, CI: "true" } });
  if (result.status !== 0) {
    console.error(`✗ ${what} failed (exit ${result.status}); see the output above`);
    process.exit(result.status ?? 1);
  }
}

const { vars, added } = ensureDevVars();
console.log(added.length ? `▸ .dev.vars: generated ${added.join(", ")}` : "▸ .dev.vars: all secrets present");
if (!existsSync(authoritiesFile(".")))
  console.warn(
    `! ${authoritiesFile(".")} is missing: DM_AUTHORITIES was set by hand, so \`darkmatter approve\` has no local keys`,
  );
run(
  "npx",
  ["vite", "build", "--config", "web/vite.config.ts", "--logLevel", "warn"],
  "building the dashboard (web/ → web/dist)",
);
run("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local"], "applying D1 migrations locally");

const url = `http://localhost:${port}`;
console.log(`
  DarkMatter Edge is starting at ${url}
    dashboard      ${url}/
    API docs       ${url}/api/docs
    operator token ${vars.DM_OPERATOR_TOKEN}
    hub MCP server ${url}/agents/hub/mcp (Authorization: Bearer ${vars.DM_HUB_TOKEN})
    metrics        ${url}/metrics (Authorization: Bearer ${vars.DM_METRICS_TOKEN}; monitoring/prometheus.yml)
    authorities    ${vars.DM_AUTHORITIES?.split(",").length ?? 0} (quorum ${vars.DM_QUORUM}), private keys in ${authoritiesFile(".")}
  (curl -H "Authorization: Bearer $DM_OPERATOR_TOKEN" ${url}/api/v1/worldlines)
`);
const dev = spawn(
  "npx",
  ["wrangler", "dev", "--port", port, "--var", `DM_PUBLIC_URL:${process.env.DM_PUBLIC_URL ?? url}`],
  { stdio: "inherit", env: quiet },
);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));

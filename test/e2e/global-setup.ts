// Starts one `wrangler dev` on a free port with a fresh persistence directory and fresh secrets
// (from the same generator `npm start` uses), applies migrations, and waits until it answers.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { ensureDevVars } from "../../scripts/dev-vars.js";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    operatorToken: string;
    persistDir: string;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

let dev: ChildProcess | undefined;
let persistDir = "";

export async function setup(project: TestProject) {
  persistDir = mkdtempSync(join(tmpdir(), "dm-e2e-"));
  const envFile = join(persistDir, ".env");
  const { vars } = ensureDevVars(envFile);
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" };
  const migrate = spawnSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir], { env, encoding: "utf8" });
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const log: string[] = [];
  dev = spawn("npx", ["wrangler", "dev", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", persistDir, "--env-file", envFile, "--var", `DM_PUBLIC_URL:${baseUrl}`, "--show-interactive-dev-session=false", "--log-level", "warn"], { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  dev.stdout!.on("data", (chunk) => log.push(String(chunk)));
  dev.stderr!.on("data", (chunk) => log.push(String(chunk)));
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      const response = await fetch(`${baseUrl}/healthz`);
      if (response.ok) break;
    } catch {
      // not listening yet: keep polling until the deadline
    }
    if (dev.exitCode !== null || Date.now() > deadline) throw new Error(`wrangler dev did not come up:\n${log.join("")}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  project.provide("baseUrl", baseUrl);
  project.provide("operatorToken", vars.DM_OPERATOR_TOKEN!);
  project.provide("persistDir", persistDir);
}

export async function teardown() {
  if (dev?.pid) {
    try {
      process.kill(-dev.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  rmSync(persistDir, { recursive: true, force: true });
}

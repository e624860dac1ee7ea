// Starts a throwaway `wrangler dev` (fresh persistence directory, fresh secrets from the same
// generator `npm start` uses, migrations applied) for the e2e suite and the benchmarks.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDevVars, type DevVars } from "./dev-vars.js";

export interface DevServer {
  baseUrl: string;
  vars: DevVars;
  persistDir: string;
  stop: () => void;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

export async function startWranglerDev(options: { vars?: DevVars } = {}): Promise<DevServer> {
  const persistDir = mkdtempSync(join(tmpdir(), "dm-dev-"));
  const envFile = join(persistDir, ".env");
  const { vars } = ensureDevVars(envFile, options.vars);
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" };
  const migrate = spawnSync(
    "npx",
    ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir],
    { env, encoding: "utf8" },
  );
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const log: string[] = [];
  const dev = spawn(
    "npx",
    [
      "wrangler",
      "dev",
      "--port",
      String(port),
      "--ip",
      "127.0.0.1",
      "--persist-to",
      persistDir,
      "--env-file",
      envFile,
      "--var",
      `DM_PUBLIC_URL:${baseUrl}`,
      "--show-interactive-dev-session=false",
      "--log-level",
      "warn",
    ],
    { env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  dev.stdout!.on("data", (chunk) => log.push(String(chunk)));
  dev.stderr!.on("data", (chunk) => log.push(String(chunk)));
  const stop = () => {
    try {
      if (dev.pid) process.kill(-dev.pid, "SIGTERM");
    } catch {
      // the process group is gone already
    }
    rmSync(persistDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      if ((await fetch(`${baseUrl}/healthz`)).ok) break;
    } catch {
      // not listening yet: keep polling until the deadline
    }
    if (dev.exitCode !== null || Date.now() > deadline) {
      stop();
      throw new Error(`wrangler dev did not come up:\n${log.join("")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { baseUrl, vars, persistDir, stop };
}

// Browser tests drive Debian's Chromium (scripts/chromium.ts) against the e2e wrangler dev, which serves the dashboard build (web/dist).
// No browser is ever downloaded. Screenshots go to test-artifacts/dashboard/.
import { mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join } from "node:path";
import type { Browser, Page } from "playwright-core";
export { launchChromium } from "../../scripts/chromium.js";
import { inject } from "vitest";

export const ARTIFACTS = "test-artifacts/dashboard";

/**
 * A page on the dashboard; with `operator` the token is already in sessionStorage, as if typed
 * once this session. `origin`: where the dashboard is served from (default: the Worker itself).
 */
export async function openDashboard(
  browser: Browser,
  hash = "#/multiverse",
  options: { operator?: boolean; origin?: string } = {},
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  if (options.operator ?? true)
    await context.addInitScript((token) => sessionStorage.setItem("dm-operator-token", token), inject("operatorToken"));
  const page = await context.newPage();
  await page.goto(`${options.origin ?? inject("baseUrl")}/${hash}`);
  return page;
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".svg": "image/svg+xml",
};

/**
 * The dashboard build (web/dist) served the way Pages serves it: from its own origin, static
 * files only, with a `config.json` naming the API. Resolves once listening.
 */
export async function serveDashboardElsewhere(
  port: number,
  apiUrl: string,
): Promise<{ origin: string; close: () => Promise<void> }> {
  const root = join(process.cwd(), "web", "dist");
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://x").pathname; // the URL parser has already resolved any ".."
    if (path === "/config.json")
      return void response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ apiUrl }));
    const file = join(root, path === "/" ? "index.html" : path);
    try {
      const body = readFileSync(file);
      response.writeHead(200, { "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      response.writeHead(404).end("not found");
    }
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** The authorities' private keys of the e2e server (generated with its .dev.vars). */
export function authorityKeys(): Array<{ name: string; publicKey: string; privateKey: string }> {
  return JSON.parse(readFileSync(join(inject("persistDir"), ".darkmatter", "authorities.json"), "utf8")).authorities;
}

export const unique = (prefix: string) =>
  `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;

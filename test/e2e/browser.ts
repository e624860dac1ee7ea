// Browser tests drive Debian's Chromium (/usr/bin/chromium; .ci/run installs it) with
// playwright-core against the e2e wrangler dev, which serves the dashboard build (web/dist).
// No browser is ever downloaded. Screenshots go to test-artifacts/dashboard/.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { inject } from "vitest";

export const CHROMIUM = process.env.DM_CHROMIUM ?? "/usr/bin/chromium";
export const ARTIFACTS = "test-artifacts/dashboard";

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"] });
}

/** A page on the dashboard; with `operator` the token is already in sessionStorage, as if typed once this session. */
export async function openDashboard(browser: Browser, hash = "#/multiverse", options: { operator?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  if (options.operator ?? true) await context.addInitScript((token) => sessionStorage.setItem("dm-operator-token", token), inject("operatorToken"));
  const page = await context.newPage();
  await page.goto(`${inject("baseUrl")}/${hash}`);
  return page;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** The authorities' private keys of the e2e server (generated with its .dev.vars). */
export function authorityKeys(): Array<{ name: string; publicKey: string; privateKey: string }> {
  return JSON.parse(readFileSync(join(inject("persistDir"), ".darkmatter", "authorities.json"), "utf8")).authorities;
}

export const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;

// Debian's Chromium (/usr/bin/chromium; .ci/run installs it) driven by playwright-core, for the
// dashboard's browser tests and its benchmark alike. No browser is ever downloaded.
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = process.env.DM_CHROMIUM ?? "/usr/bin/chromium";

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
}

/**
 * Headless Chromium for browser tests (playwright-core driving the system /usr/bin/chromium, which
 * CI installs with apt). Tests call `chromiumSkip()` and skip with its message when it is absent.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

export const CHROMIUM = process.env.KEEL_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

/** A skip message when Chromium is not installed, else false. */
export function chromiumSkip(): string | false {
  return existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM} (apt-get install -y chromium; CI installs it)`;
}

/** Launch headless Chromium (remember to close it). */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

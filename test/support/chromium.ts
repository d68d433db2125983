/**
 * Debian's Chromium driven by playwright-core (no browser download): one
 * headless launch per test file, each with a fresh profile (Playwright makes
 * a new temporary user-data dir for every launch and removes it on close).
 * Nothing reaches out: no background networking, updates, sync or QUIC.
 */
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

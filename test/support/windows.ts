/**
 * Limits count in fixed windows. A test that makes N requests and expects
 * the next to be refused waits, when the current window is about to end,
 * for the next one to begin, so its requests all fall into one window.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export async function awaitFreshWindow(windowMs: number, needMs = 8_000): Promise<void> {
  const left = windowMs - (Date.now() % windowMs);
  if (left < needMs) await sleep(left + 50);
}

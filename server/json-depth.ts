/**
 * One nesting limit for every JSON value the server takes in (step-1
 * payloads, admin bodies). Deeply nested input would otherwise overflow the
 * stack where it is serialised for the store (`JSON.stringify` recurses) and
 * end in a 500; no real payload, claim set or client metadata needs more.
 */
import { invalidRequest } from './errors.js';

/** Deepest nesting of objects and arrays accepted; `{"a":1}` is 1 level, `{"a":[1]}` 2. */
export const MAX_JSON_DEPTH = 64;

/** True when `value` nests objects or arrays deeper than `limit`. Iterative, so it cannot overflow itself. */
export function nestedDeeperThan(value: unknown, limit = MAX_JSON_DEPTH): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length) {
    const { value: current, depth } = stack.pop()!;
    // binary data is a leaf, not a container of numbers
    if (current === null || typeof current !== 'object' || ArrayBuffer.isView(current)) continue;
    if (depth >= limit) return true;
    for (const child of Object.values(current)) stack.push({ value: child, depth: depth + 1 });
  }
  return false;
}

/** 400 invalid_request when `value` (named `what` in the description) is nested too deeply. */
export function checkJsonDepth(value: unknown, what: string): void {
  if (nestedDeeperThan(value)) throw invalidRequest(`${what} is nested deeper than ${MAX_JSON_DEPTH} levels`);
}

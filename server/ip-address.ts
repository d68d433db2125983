/**
 * One spelling per client IP address, so a pre-auth URL bound to an address
 * (contract §4, `preauth_bind_ip`) matches however the address was written:
 * IPv4-mapped IPv6 (`::ffff:192.0.2.1`, what a dual-stack socket reports)
 * becomes plain IPv4, and IPv6 takes its canonical compressed lower-case form.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** The normalised address, or undefined when `value` is not an IPv4/IPv6 address. */
export function normalizeIp(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (isIPv4(value)) return value;
  // Zone ids (fe80::1%eth0) name an interface of the sender, not an address.
  if (!isIPv6(value) || value.includes('%')) return undefined;
  const canonical = new URL(`http://[${value}]/`).hostname.slice(1, -1);
  // The WHATWG URL parser writes a mapped address as ::ffff:c000:201.
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (!mapped) return canonical;
  const [hi, lo] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

import { Binary, ObjectId } from 'bson';

export type Doc = Record<string, unknown>;

/** Becomes an `{ ok: 0, code, codeName, errmsg }` reply (or a writeErrors entry). */
export class CommandError extends Error {
  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
    readonly extra: Doc = {},
  ) {
    super(message);
  }
}

export function isDoc(v: unknown): v is Doc {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export const asDoc = (v: unknown): Doc => (isDoc(v) ? v : {});

export function asNumber(v: unknown, fallback = 0): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  // bson only promotes a Long to number when it fits in 53 bits
  if (typeof v === 'object' && v !== null && 'toNumber' in v && typeof v.toNumber === 'function') {
    return Number(v.toNumber());
  }
  return fallback;
}

/**
 * Stored documents are never mutated in place (updates swap in a modified copy),
 * so cursors can keep references; this copy is what the modification runs on.
 * BSON value classes (ObjectId, Binary, Long, ...) are treated as immutable and shared.
 */
export function clone<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x: unknown) => clone(x)) as T;
  if (v instanceof Date) return new Date(v.getTime()) as T;
  if (isDoc(v)) {
    const out: Doc = {};
    for (const [k, x] of Object.entries(v)) out[k] = clone(x);
    return out as T;
  }
  return v;
}

/**
 * A canonical string for equality in unique indexes, distinct and change detection:
 * numbers compare by value whatever their BSON width, like the server does.
 */
export function keyString(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  switch (typeof v) {
    case 'number':
      return `n:${Object.is(v, -0) ? 0 : v}`;
    case 'bigint':
      return `n:${v}`;
    case 'string':
      return `s:${JSON.stringify(v)}`;
    case 'boolean':
      return `b:${v}`;
  }
  if (v instanceof Date) return `d:${v.getTime()}`;
  if (v instanceof RegExp) return `r:${v.source}/${v.flags}`;
  if (v instanceof ObjectId) return `o:${v.toHexString()}`;
  if (v instanceof Binary) return `x:${v.sub_type}:${v.toString('base64')}`;
  if (Array.isArray(v)) return `[${v.map(keyString).join(',')}]`;
  if (isDoc(v)) {
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}:${keyString(x)}`)
      .join(',')}}`;
  }
  const t = (v as { _bsontype?: unknown })._bsontype;
  if (t === 'Long' || t === 'Int32' || t === 'Double') return `n:${asNumber(v)}`;
  return `${String(t)}:${String(v)}`;
}

export const sameValue = (a: unknown, b: unknown) => keyString(a) === keyString(b);

/** Value at a dotted path; numeric parts index arrays. Missing gives undefined. */
export function getPath(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const part of path.split('.')) {
    if (Array.isArray(cur) && /^\d+$/.test(part)) cur = cur[Number(part)];
    else if (isDoc(cur)) cur = cur[part];
    else return undefined;
  }
  return cur;
}

export function setPath(doc: Doc, path: string, value: unknown): void {
  const parts = path.split('.');
  const last = parts.pop() as string;
  let cur: Doc = doc;
  for (const part of parts) {
    const next = cur[part];
    if (isDoc(next)) cur = next;
    else cur = cur[part] = {};
  }
  cur[last] = value;
}

export function withIdFirst(doc: Doc): Doc {
  if (Object.keys(doc)[0] === '_id') return doc;
  const { _id, ...rest } = doc;
  return { _id, ...rest };
}

export const isOperatorDoc = (v: unknown): v is Doc => isDoc(v) && Object.keys(v).some((k) => k.startsWith('$'));

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

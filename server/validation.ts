/**
 * One ajv instance for every schema (provider payloads, admin bodies), and
 * one way of turning its errors into the `details` entries of a 400.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { ErrorDetail } from './errors.js';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

const ajv = addFormats(new Ajv({ allErrors: true, strict: false, useDefaults: false }));
const compiled = new WeakMap<object, ValidateFunction>();

function fieldOf(error: ErrorObject): string {
  const path = error.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const missing = (error.params as { missingProperty?: string; additionalProperty?: string });
  if (missing.missingProperty) path.push(missing.missingProperty);
  if (missing.additionalProperty) path.push(missing.additionalProperty);
  return path.join('.') || '(root)';
}

function messageOf(error: ErrorObject): string {
  if (error.keyword === 'additionalProperties') return 'is not allowed';
  if (error.keyword === 'required') return 'is required';
  return error.message ?? 'is invalid';
}

/** Validates `value`; returns one detail per failing field (empty when valid). */
export function validate(schema: object, value: unknown): ErrorDetail[] {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  if (fn(value)) return [];
  const seen = new Map<string, ErrorDetail>();
  for (const error of fn.errors ?? []) {
    const field = fieldOf(error);
    // One entry per field: the first problem found is the one worth fixing.
    if (!seen.has(field)) seen.set(field, { field, message: messageOf(error) });
  }
  return [...seen.values()];
}

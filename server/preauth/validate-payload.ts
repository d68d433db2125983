/** The decoded payload must satisfy the provider's schema before anyone looks at credentials. */
import type { Provider } from '../../providers/define.js';
import { invalidRequest } from '../errors.js';
import { validate } from '../validation.js';

export function validatePayload(provider: Provider, payload: unknown): void {
  const details = validate(provider.schema, payload);
  if (details.length) throw invalidRequest(`the ${provider.id} payload does not match its schema`, details);
}

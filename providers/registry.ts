/**
 * The providers one handoff instance serves. Built-ins first, then plugins;
 * a duplicate id is a start-up error rather than a silent override.
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { Provider } from './define.js';
import { password } from './password.js';
import { signedJwt } from './signed-jwt.js';
import { hmacForm } from './hmac-form.js';

export const builtinProviders: Provider[] = [password, signedJwt, hmacForm];

export class ProviderRegistry {
  readonly #byId = new Map<string, Provider>();

  constructor(providers: Iterable<Provider>) {
    for (const provider of providers) {
      if (this.#byId.has(provider.id)) throw new Error(`provider ${provider.id} is registered twice`);
      this.#byId.set(provider.id, provider);
    }
  }

  get(id: string): Provider | undefined {
    return this.#byId.get(id);
  }

  ids(): string[] {
    return [...this.#byId.keys()];
  }
}

function isProvider(value: unknown): value is Provider {
  return !!value && typeof value === 'object' && typeof (value as Provider).id === 'string'
    && typeof (value as Provider).authenticate === 'function';
}

/**
 * Loads PREAUTH_PLUGINS modules. A module's default export, or every export
 * that looks like a provider, is registered; a module with none is an error.
 */
export async function loadPlugins(paths: string[]): Promise<Provider[]> {
  const found: Provider[] = [];
  for (const path of paths) {
    const specifier = path.startsWith('.') || path.startsWith('/') ? pathToFileURL(resolve(path)).href : path;
    const mod = (await import(specifier)) as Record<string, unknown>;
    const candidates = isProvider(mod.default) ? [mod.default] : Object.values(mod).filter(isProvider);
    if (!candidates.length) throw new Error(`${path} exports no provider made with defineProvider`);
    found.push(...candidates);
  }
  return found;
}

/**
 * oidc-provider's Adapter, built once on the Store interface so both stores
 * get it for free. Each oidc-provider model is one store collection named
 * `oidc_<Model>`.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Store, StoredRecord } from './store.js';

export interface OidcAdapterHooks {
  /** A grant was revoked or destroyed: whatever hangs off it must go too. */
  grantGone?(grantId: string): Promise<void>;
}

export const oidcCollection = (model: string) => `oidc_${model}`;

export function oidcAdapterFactory(store: Store, hooks: OidcAdapterHooks = {}) {
  return class StoreAdapter implements Adapter {
    readonly #collection: string;

    constructor(readonly model: string) {
      this.#collection = oidcCollection(model);
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      const record: StoredRecord<AdapterPayload> = {
        id,
        data: payload,
        expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : null,
        consumedAt: null,
        grantId: payload.grantId,
        uid: payload.uid,
        userCode: payload.userCode,
        clientId: payload.clientId,
        // Sessions and grants are found by account when it is deleted.
        sub: this.model === 'Session' || this.model === 'Grant' ? payload.accountId : undefined,
      };
      await store.put(this.#collection, record);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      return this.#payload(await store.get<AdapterPayload>(this.#collection, id));
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const [record] = await store.findBy<AdapterPayload>(this.#collection, 'uid', uid);
      return this.#payload(record);
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const [record] = await store.findBy<AdapterPayload>(this.#collection, 'userCode', userCode);
      return this.#payload(record);
    }

    async consume(id: string): Promise<void> {
      await store.consume(this.#collection, id);
    }

    async destroy(id: string): Promise<void> {
      // Not hooked for Session: oidc-provider also destroys a session's old id
      // when it merely rotates it. Logout revokes the grants, which is hooked.
      await store.delete(this.#collection, id);
      if (this.model === 'Grant') await hooks.grantGone?.(id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await store.deleteBy(this.#collection, 'grantId', grantId);
      if (this.model === 'Grant') await hooks.grantGone?.(grantId);
    }

    #payload(record: StoredRecord<AdapterPayload> | undefined): AdapterPayload | undefined {
      if (!record) return undefined;
      // oidc-provider reads `consumed` from the payload to detect code re-use.
      return record.consumedAt ? { ...record.data, consumed: Math.floor(record.consumedAt / 1000) } : record.data;
    }
  };
}

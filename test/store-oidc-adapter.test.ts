/**
 * The oidc adapter on both real stores (audit #5): bearer values are stored
 * only as SHA-256 and come back from a look-up by value; a record found by
 * uid can still be destroyed; a stored key is never accepted as a value; an
 * Interaction does not keep the session id; and (audit #4) a session without
 * a login is not stored at all.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { AdapterPayload } from 'oidc-provider';
import { oidcAdapterFactory } from '../adapters/oidc-adapter.js';
import type { Store } from '../adapters/store.js';
import { bareStores, closeMongo } from './support/server.js';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const value = () => randomBytes(32).toString('base64url');

for (const [kind, open] of Object.entries(bareStores)) {
  describe(`oidc adapter on ${kind}`, () => {
    let store: Store;
    let Adapter: ReturnType<typeof oidcAdapterFactory>;
    before(async () => {
      store = await open();
      Adapter = oidcAdapterFactory(store);
    });
    after(async () => {
      await store?.close();
    });

    it('audit #5 an access token is stored under its SHA-256, without its value, and found by value', async () => {
      const tokens = new Adapter('AccessToken');
      const jti = value();
      const payload = { jti, kind: 'AccessToken', clientId: 'c1', grantId: 'g1', accountId: 'a1', iat: 1, exp: 2 } as AdapterPayload;
      await tokens.upsert(jti, payload, 60);
      assert.equal(await store.get('oidc_AccessToken', jti), undefined, 'not under its value');
      const raw = await store.get<AdapterPayload>('oidc_AccessToken', sha256(jti));
      assert.ok(raw, 'under its hash');
      assert.ok(!JSON.stringify(raw).includes(jti), 'the value is nowhere in the record');
      assert.deepEqual(await tokens.find(jti), payload);
      assert.equal(await tokens.find(sha256(jti)), undefined, 'the hash is not a token');
      await tokens.revokeByGrantId('g1');
      assert.equal(await tokens.find(jti), undefined, 'revokeByGrantId still works');
    });

    it('audit #5 a code is consumed through its hash and then carries consumed', async () => {
      const codes = new Adapter('AuthorizationCode');
      const jti = value();
      await codes.upsert(jti, { jti, kind: 'AuthorizationCode', clientId: 'c1', grantId: 'g2' } as AdapterPayload, 60);
      await codes.consume(sha256(jti));
      assert.equal((await codes.find(jti))?.consumed, undefined, 'consuming the hash does nothing');
      await codes.consume(jti);
      const found = await codes.find(jti);
      assert.equal(found?.jti, jti);
      assert.equal(typeof found?.consumed, 'number');
    });

    it('audit #5 a session found by uid can be saved and destroyed, but its stored key is never a cookie', async () => {
      const sessions = new Adapter('Session');
      const jti = value();
      const uid = value();
      await sessions.upsert(jti, { jti, uid, kind: 'Session', accountId: 'a1', loginTs: 1 } as AdapterPayload, 60);
      const byUid = await sessions.findByUid(uid);
      assert.equal(byUid?.jti, `sha256:${sha256(jti)}`);
      assert.equal(await sessions.find(byUid!.jti!), undefined, 'the stored key is not accepted as a session id');
      await sessions.upsert(byUid!.jti!, { ...byUid!, loginTs: 2 } as AdapterPayload, 60);
      assert.equal((await sessions.find(jti))?.loginTs, 2, 'saved through the stored key, found by the cookie value');
      await sessions.destroy(byUid!.jti!);
      assert.equal(await sessions.find(jti), undefined, 'destroyed through the stored key');
    });

    it('audit #4 a session without a login is not stored', async () => {
      const sessions = new Adapter('Session');
      const jti = value();
      const uid = value();
      await sessions.upsert(jti, { jti, uid, kind: 'Session', state: { secret: 'x' } } as AdapterPayload, 60);
      assert.equal(await sessions.find(jti), undefined);
      assert.equal(await sessions.findByUid(uid), undefined);
    });

    it('audit #5 an interaction does not keep the session id', async () => {
      const interactions = new Adapter('Interaction');
      const sessionId = value();
      await interactions.upsert('i1', {
        jti: 'i1', kind: 'Interaction', session: { accountId: 'a1', uid: 'u1', cookie: sessionId },
      } as AdapterPayload, 60);
      const found = await interactions.find('i1');
      assert.deepEqual(found?.session, { accountId: 'a1', uid: 'u1' });
      assert.ok(!JSON.stringify(await store.get('oidc_Interaction', 'i1')).includes(sessionId));
    });
  });
}

after(closeMongo);

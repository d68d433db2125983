/**
 * Accounts against both real stores: a failed creation leaves nothing behind
 * (audit #6), and a password check costs exactly one hash verification
 * whether the username exists or not (audit, weak tests: password timing,
 * asserted by structure rather than by a timing threshold).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../adapters/store.js';
import { Accounts, verifyHash } from '../server/accounts.js';
import { bareStores, closeMongo } from './support/server.js';

/** The store, except that the next put into `collection` fails once, as an outage would. */
function failingOnce(store: Store, collection: string): Store & { armed: boolean } {
  const wrapper = Object.create(store) as Store & { armed: boolean };
  wrapper.armed = true;
  wrapper.put = async (c, record) => {
    if (c === collection && wrapper.armed) {
      wrapper.armed = false;
      throw new Error('store write failed');
    }
    return store.put(c, record);
  };
  return wrapper;
}

for (const [kind, open] of Object.entries(bareStores)) {
  describe(`accounts on ${kind}`, () => {
    let store: Store;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store?.close();
    });

    it('audit #6 a failed account creation leaves its username free and no record behind', async () => {
      const flaky = failingOnce(store, 'accounts');
      const accounts = new Accounts(flaky);
      const username = `flaky-${randomUUID()}`;
      await assert.rejects(accounts.create({ username, password: 'pw', claims: { name: 'first try' } }), /store write failed/);
      assert.equal(await store.get('usernames', username), undefined, 'the username reservation was released');
      assert.deepEqual((await store.list<{ username: string }>('accounts')).filter((r) => r.data.username === username), []);
      const account = await accounts.create({ username, password: 'pw', claims: { name: 'second try' } });
      assert.ok(account, 'the username can be used again');
      assert.equal((await accounts.verifyPassword(username, 'pw'))?.sub, account.sub);
    });

    it('audit weak tests: password timing, one hash check for an unknown user, a wrong and a right password', async () => {
      const checked: string[] = [];
      const accounts = new Accounts(store, {
        async verifyHash(password, stored) {
          checked.push(stored);
          return verifyHash(password, stored);
        },
      });
      const username = `timing-${randomUUID()}`;
      const account = await accounts.create({ username, password: 'right' });
      assert.ok(account, 'created');
      const real = (await store.get<{ passwordHash: string }>('accounts', account.sub))!.data.passwordHash;
      const params = (hash: string) => hash.split('$').slice(0, 4).join('$');

      assert.equal(await accounts.verifyPassword(`nobody-${randomUUID()}`, 'whatever'), undefined);
      assert.equal(checked.length, 1, 'an unknown user costs exactly one hash check');
      const [decoy] = checked;
      assert.notEqual(decoy, real, 'against the decoy');
      assert.equal(params(decoy), params(real), 'the decoy costs what a real hash costs (same scheme and parameters)');

      assert.equal(await accounts.verifyPassword(username, 'wrong'), undefined);
      assert.deepEqual(checked.slice(1), [real], 'a wrong password costs exactly one hash check');
      assert.equal((await accounts.verifyPassword(username, 'right'))?.sub, account.sub);
      assert.deepEqual(checked.slice(2), [real], 'so does the right one');
    });
  });
}

after(closeMongo);

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { INDEX_FIELDS, type Store, type StoredRecord } from '../adapters/store.js';

/** The behaviour every Store must share; run once per implementation. */
export function storeContract(name: string, open: () => Promise<Store>): void {
  describe(name, () => {
    let store: Store;
    // a fresh collection per test keeps tests independent of each other's leftovers
    const col = () => `c_${randomBytes(6).toString('hex')}`;
    const past = () => Date.now() - 60_000;
    const future = () => Date.now() + 3_600_000;

    before(async () => {
      store = await open();
    });
    after(async () => {
      await store?.close();
    });

    it('round-trips nested JSON, odd keys and a 1.5 MiB string', async () => {
      const c = col();
      const data = {
        $x: 1,
        'a.b': { 'c.$d': [1, null, 'é😀', { $in: [true, false] }] },
        nested: { deep: { deeper: [[], {}, 0.5, -3] } },
        big: 'x'.repeat(1.5 * 1024 * 1024) + 'end',
      };
      const rec: StoredRecord<typeof data> = { id: 'r1', data, grantId: 'g1', sub: 's1', clientId: 'cl1' };
      await store.put(c, rec);
      const got = await store.get<typeof data>(c, 'r1');
      assert.ok(got);
      assert.deepEqual(got.data, data);
      assert.equal(got.id, 'r1');
      assert.equal(got.grantId, 'g1');
      assert.equal(got.sub, 's1');
      assert.equal(got.clientId, 'cl1');
      assert.equal(got.uid, undefined);
      assert.equal(got.expiresAt ?? null, null);
      assert.equal(got.consumedAt ?? null, null);
      assert.equal(await store.get(c, 'missing'), undefined);
      assert.equal(await store.get(col(), 'r1'), undefined, 'collections are separate');
    });

    it('put replaces the whole record, consumedAt included', async () => {
      const c = col();
      const exp = future();
      await store.put(c, { id: 'a', data: { v: 1 }, grantId: 'g', uid: 'u' });
      await store.put(c, { id: 'a', data: { v: 2 }, uid: 'u2', expiresAt: exp, consumedAt: 1234 });
      const got = await store.get(c, 'a');
      assert.deepEqual(got, { id: 'a', data: { v: 2 }, uid: 'u2', expiresAt: exp, consumedAt: 1234 });
      assert.deepEqual(await store.findBy(c, 'grantId', 'g'), []);
      assert.equal(await store.consume(c, 'a'), undefined, 'already consumed as given');
    });

    it('hides expired records from get, findBy, list and consume', async () => {
      const c = col();
      await store.put(c, { id: 'old', data: 1, expiresAt: past(), grantId: 'g', uid: 'u' });
      await store.put(c, { id: 'new', data: 2, expiresAt: future(), grantId: 'g' });
      assert.equal(await store.get(c, 'old'), undefined);
      assert.deepEqual((await store.findBy(c, 'grantId', 'g')).map((r) => r.id), ['new']);
      assert.deepEqual(await store.findBy(c, 'uid', 'u'), []);
      assert.deepEqual((await store.list(c)).map((r) => r.id), ['new']);
      assert.equal(await store.consume(c, 'old'), undefined);
    });

    it('insertNew wins once, and again once the old record expired', async () => {
      const c = col();
      await store.list(c); // a first use may build indexes, which must not eat into the short expiry
      assert.equal(await store.insertNew(c, { id: 'k', data: 'first', expiresAt: Date.now() + 300 }), true);
      assert.equal(await store.insertNew(c, { id: 'k', data: 'second' }), false);
      assert.equal((await store.get(c, 'k'))?.data, 'first');
      await sleep(400);
      assert.equal(await store.insertNew(c, { id: 'k', data: 'third', uid: 'u3' }), true);
      const got = await store.get(c, 'k');
      assert.deepEqual(got, { id: 'k', data: 'third', uid: 'u3', expiresAt: null, consumedAt: null });
      assert.equal(await store.insertNew(c, { id: 'k', data: 'fourth' }), false);
    });

    it('audit #3 insertNew refuses a record that is already expired (fails closed)', async () => {
      const c = col();
      assert.equal(await store.insertNew(c, { id: 'edge', data: 1, expiresAt: Date.now() }), false);
      assert.equal(await store.insertNew(c, { id: 'edge', data: 2, expiresAt: past() }), false);
      assert.equal(await store.get(c, 'edge'), undefined);
      assert.deepEqual(await store.list(c), [], 'nothing was written');
      // over an expired record of the same id too: that one stays expired, nothing new appears
      await store.put(c, { id: 'old', data: 'old', expiresAt: past() });
      assert.equal(await store.insertNew(c, { id: 'old', data: 'new', expiresAt: past() }), false);
      assert.equal(await store.get(c, 'old'), undefined);
      // a live expiry still wins once
      assert.equal(await store.insertNew(c, { id: 'edge', data: 3, expiresAt: future() }), true);
      assert.equal(await store.insertNew(c, { id: 'edge', data: 4, expiresAt: future() }), false);
    });

    it('25 concurrent insertNew of one id: exactly one wins', async () => {
      const c = col();
      const results = await Promise.all(
        Array.from({ length: 25 }, (_, i) => store.insertNew(c, { id: 'jti', data: i, expiresAt: future() })),
      );
      assert.equal(results.filter(Boolean).length, 1);
      const winner = results.indexOf(true);
      assert.equal((await store.get(c, 'jti'))?.data, winner);
    });

    it('25 concurrent consume of one record: exactly one gets it', async () => {
      const c = col();
      await store.put(c, { id: 'code', data: { x: 1 }, expiresAt: future(), grantId: 'g' });
      const t0 = Date.now();
      const results = await Promise.all(Array.from({ length: 25 }, () => store.consume<{ x: number }>(c, 'code')));
      const won = results.filter((r) => r !== undefined);
      assert.equal(won.length, 1);
      assert.equal(results.filter((r) => r === undefined).length, 24);
      const [rec] = won;
      assert.deepEqual(rec?.data, { x: 1 });
      assert.equal(rec?.grantId, 'g');
      assert.equal(typeof rec?.consumedAt, 'number');
      assert.ok(rec!.consumedAt! >= t0 - 1000 && rec!.consumedAt! <= Date.now() + 1000);
      assert.equal((await store.get(c, 'code'))?.consumedAt, rec!.consumedAt, 'consumedAt is persisted');
    });

    it('consume of missing, expired or consumed records gives undefined', async () => {
      const c = col();
      await store.put(c, { id: 'exp', data: 1, expiresAt: past() });
      await store.put(c, { id: 'ok', data: 2 });
      assert.equal(await store.consume(c, 'missing'), undefined);
      assert.equal(await store.consume(c, 'exp'), undefined);
      assert.ok(await store.consume(c, 'ok'));
      assert.equal(await store.consume(c, 'ok'), undefined);
    });

    for (const field of INDEX_FIELDS) {
      it(`findBy and deleteBy on ${field}`, async () => {
        const c = col();
        await store.put(c, { id: 'b', data: 'b', [field]: 'v1' });
        await store.put(c, { id: 'a', data: 'a', [field]: 'v1', expiresAt: future() });
        await store.put(c, { id: 'c', data: 'c', [field]: 'v2' });
        await store.put(c, { id: 'd', data: 'd' });
        const found = await store.findBy(c, field, 'v1');
        assert.deepEqual(found.map((r) => r.id), ['a', 'b']);
        assert.equal(found[0]?.[field], 'v1');
        assert.deepEqual(await store.findBy(c, field, 'nope'), []);
        assert.equal(await store.deleteBy(c, field, 'v1'), 2);
        assert.equal(await store.deleteBy(c, field, 'v1'), 0);
        assert.deepEqual((await store.list(c)).map((r) => r.id), ['c', 'd']);
      });
    }

    it('list returns live records ordered by id', async () => {
      const c = col();
      for (const id of ['b', 'c', 'a', 'aa', 'B', '10', '9']) await store.put(c, { id, data: id });
      await store.put(c, { id: 'ab', data: 'gone', expiresAt: past() });
      const ids = (await store.list(c)).map((r) => r.id);
      assert.deepEqual(ids, ['10', '9', 'B', 'a', 'aa', 'b', 'c']);
      assert.deepEqual(await store.list(col()), []);
    });

    it('countUnconsumed counts live records not yet consumed', async () => {
      const c = col();
      for (const id of ['a', 'b', 'c']) await store.put(c, { id, data: id, expiresAt: future() });
      await store.put(c, { id: 'forever', data: null });
      await store.put(c, { id: 'gone', data: null, expiresAt: past() });
      await store.put(c, { id: 'used', data: null, expiresAt: future(), consumedAt: Date.now() });
      assert.equal(await store.countUnconsumed(c), 4);
      await store.consume(c, 'a');
      assert.equal(await store.countUnconsumed(c), 3);
      assert.equal(await store.countUnconsumed(col()), 0);
    });

    it('listUnconsumed lists live records not yet consumed, by id, optionally by one index field', async () => {
      // 'handoffs' is read through its index of unconsumed records (UNCONSUMED_READS), any other collection as it is.
      for (const c of [col(), 'handoffs']) {
        const tag = randomBytes(4).toString('hex');
        const mine = { clientId: `cl-${tag}` };
        await store.put(c, { id: `${tag}-b`, data: 'b', expiresAt: future(), ...mine, sub: `s-${tag}` });
        await store.put(c, { id: `${tag}-a`, data: 'a', expiresAt: future(), ...mine });
        await store.put(c, { id: `${tag}-forever`, data: 'f', ...mine });
        await store.put(c, { id: `${tag}-gone`, data: null, expiresAt: past(), ...mine });
        await store.put(c, { id: `${tag}-used`, data: null, expiresAt: future(), consumedAt: Date.now(), ...mine });
        await store.put(c, { id: `${tag}-other`, data: 'o', expiresAt: future(), clientId: `other-${tag}` });
        const ids = async (filter?: Parameters<Store['listUnconsumed']>[1]) =>
          (await store.listUnconsumed(c, filter)).map((r) => r.id).filter((id) => id.startsWith(tag));
        assert.deepEqual(await ids(), [`${tag}-a`, `${tag}-b`, `${tag}-forever`, `${tag}-other`], c);
        assert.deepEqual(await ids({ field: 'clientId', value: mine.clientId }), [`${tag}-a`, `${tag}-b`, `${tag}-forever`], c);
        assert.deepEqual(await ids({ field: 'sub', value: `s-${tag}` }), [`${tag}-b`], c);
        const [b] = await store.listUnconsumed<string>(c, { field: 'sub', value: `s-${tag}` });
        assert.equal(b.data, 'b');
        assert.equal(b.clientId, mine.clientId);
        await store.consume(c, `${tag}-a`);
        assert.deepEqual(await ids({ field: 'clientId', value: mine.clientId }), [`${tag}-b`, `${tag}-forever`], `${c}: a consumed record leaves the list`);
        await store.put(c, { id: `${tag}-used`, data: null, expiresAt: future(), consumedAt: null, ...mine });
        assert.deepEqual(await ids({ field: 'clientId', value: mine.clientId }), [`${tag}-b`, `${tag}-forever`, `${tag}-used`], `${c}: put back unconsumed, it is listed again`);
      }
      assert.deepEqual(await store.listUnconsumed(col()), []);
      await assert.rejects(store.listUnconsumed(col(), { field: 'nope' as never, value: 'x' }));
    });

    it('delete reports whether something was removed', async () => {
      const c = col();
      await store.put(c, { id: 'x', data: null });
      assert.equal(await store.delete(c, 'x'), true);
      assert.equal(await store.get(c, 'x'), undefined);
      assert.equal(await store.delete(c, 'x'), false);
      assert.equal(await store.delete(c, 'never'), false);
    });

    it('hit counts up from one, reads with amount 0, and counters are separate', async () => {
      const c = col();
      const ends = future();
      assert.equal(await store.hit(c, 'k', ends), 1);
      assert.equal(await store.hit(c, 'k', ends), 2);
      assert.equal(await store.hit(c, 'k', ends, 0), 2, 'amount 0 reads');
      assert.equal(await store.hit(c, 'k', ends, -1), 1, 'a negative amount gives back');
      assert.equal(await store.hit(c, 'other', ends, 0), 0, 'an unknown counter reads as zero');
      assert.equal(await store.hit(col(), 'k', ends), 1, 'collections are separate');
    });

    it('hit with amount 0 writes nothing: reading an unknown counter leaves none behind', async () => {
      const c = col();
      assert.equal(await store.hit(c, 'checked', future(), 0), 0);
      assert.deepEqual(await store.list(c), [], 'no counter was created by the read');
      assert.equal(await store.hit(c, 'checked', future()), 1, 'the first real hit starts from zero');
    });

    it('hit starts over once its window has ended', async () => {
      const c = col();
      const ends = Date.now() + 300;
      assert.equal(await store.hit(c, 'w', ends), 1);
      assert.equal(await store.hit(c, 'w', ends), 2);
      await sleep(400);
      assert.equal(await store.hit(c, 'w', future()), 1, 'a new window');
      assert.equal(await store.hit(c, 'w', future()), 2);
    });

    it('40 concurrent hits of one counter each see a different value', async () => {
      const c = col();
      const ends = future();
      const values = await Promise.all(Array.from({ length: 40 }, () => store.hit(c, 'busy', ends)));
      assert.deepEqual([...values].sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i + 1));
      assert.equal(await store.hit(c, 'busy', ends, 0), 40);
    });

    it('sweep removes expired records and keeps live ones', async () => {
      await store.sweep(); // leftovers of earlier tests
      const c = col();
      for (const id of ['e1', 'e2', 'e3']) await store.put(c, { id, data: id, expiresAt: past(), sub: 's' });
      await store.put(c, { id: 'l1', data: 'l1', expiresAt: future(), sub: 's' });
      await store.put(c, { id: 'l2', data: 'l2' });
      assert.equal(await store.sweep(), 3);
      assert.equal(await store.sweep(), 0);
      assert.deepEqual((await store.list(c)).map((r) => r.id), ['l1', 'l2']);
      assert.equal(await store.deleteBy(c, 'sub', 's'), 1, 'expired rows are physically gone');
    });
  });
}

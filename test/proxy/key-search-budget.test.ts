/**
 * The global budget of failed key trials and the hot-key lists (src/proxy/key-search-budget.ts): hot keys are
 * tried first, a spent budget limits searches from sources with no recent success to the hot keys, and a
 * good source still gets the full search.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildClientHello } from '../../src/protocol/faketls.js';
import { buildClientHeader } from '../../src/protocol/obfuscated2.js';
import { formatSecret, generateSecret, type ParsedSecret } from '../../src/protocol/secrets.js';
import { Handshake, type HandshakeOptions } from '../../src/proxy/handshake.js';
import { GlobalKeyBudget, HotKeyList, KeySearch } from '../../src/proxy/key-search-budget.js';
import { UserDirectory } from '../../src/proxy/users.js';
import { MemoryUsageStore } from '../../src/proxy/usage-store.js';

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const rnd = (n: number) => new Uint8Array(randomBytes(n));

describe('GlobalKeyBudget', () => {
  it('allows full searches until the burst of failed trials is spent, then only for good sources', () => {
    const budget = new GlobalKeyBudget({ keysPerSecond: 1000, burstKeys: 3000, hotSize: 8 });
    expect(budget.allowsFullSearch('10.0.0.1', 1000, NOW)).toBe(true);
    budget.failed(1000, 1000, NOW);
    budget.failed(1000, 1000, NOW);
    expect(budget.exhausted(NOW)).toBe(false);
    budget.failed(1000, 1000, NOW);
    expect(budget.exhausted(NOW)).toBe(true);
    expect(budget.allowsFullSearch('10.0.0.1', 1000, NOW)).toBe(false);
    expect(budget.limitedSearches).toBe(1);
    // A short list costs no more than a limited search: never limited.
    expect(budget.allowsFullSearch('10.0.0.1', 8, NOW)).toBe(true);
    // A source that succeeded lately keeps the full search; for IPv6 its whole /64.
    budget.succeeded('2001:db8:1:2::5', NOW);
    expect(budget.allowsFullSearch('2001:db8:1:2:ffff::9', 1000, NOW)).toBe(true);
    expect(budget.allowsFullSearch('2001:db8:1:3::5', 1000, NOW)).toBe(false);
    // One failed trial is forgiven per ms: after 1 ms the budget has room again.
    expect(budget.allowsFullSearch('10.0.0.1', 1000, NOW + 1)).toBe(true);
  });

  it('charges nothing while spent, so it is whole again within burst / rate of the flood’s end', () => {
    const budget = new GlobalKeyBudget({ keysPerSecond: 1000, burstKeys: 2000, hotSize: 8 });
    for (let i = 0; i < 1000; i++) budget.failed(1000, 1000, NOW);
    expect(budget.exhausted(NOW)).toBe(true);
    // 998 of those searches were not charged: 1 ms later there is room for a search again.
    expect(budget.exhausted(NOW + 1)).toBe(false);
    // Small lists and searches that tried nothing are not charged.
    const fresh = new GlobalKeyBudget({ keysPerSecond: 1000, burstKeys: 10, hotSize: 8 });
    for (let i = 0; i < 100; i++) fresh.failed(8, 8, NOW);
    fresh.failed(0, 1000, NOW);
    expect(fresh.exhausted(NOW)).toBe(false);
  });

  it('reports a spent budget at most once per reporting period', () => {
    const reports: number[] = [];
    const budget = new GlobalKeyBudget({ keysPerSecond: 1, burstKeys: 10, hotSize: 1, reportEveryMs: 60_000, onExhausted: (i) => reports.push(i.burstKeys) });
    budget.failed(20, 20, NOW);
    budget.failed(20, 20, NOW + 25_000); // whole again (20 s of debt at 1 key/s), spent again: within the minute
    expect(reports).toEqual([10]);
    budget.failed(20, 20, NOW + 90_000);
    expect(reports).toEqual([10, 10]);
  });

  it('remembers a bounded number of good sources, the least recent forgotten first, and prunes expired ones', () => {
    const budget = new GlobalKeyBudget({ goodSources: 2, goodSourceMs: 1000 });
    budget.succeeded('10.0.0.1', NOW);
    budget.succeeded('10.0.0.2', NOW + 1);
    budget.succeeded('10.0.0.1', NOW + 2); // refreshed: now the most recent
    budget.succeeded('10.0.0.3', NOW + 3); // forgets 10.0.0.2
    expect(budget.goodSourceCount).toBe(2);
    budget.prune(NOW + 1002);
    expect(budget.goodSourceCount).toBe(1);
    budget.prune(NOW + 1003);
    expect(budget.goodSourceCount).toBe(0);
  });
});

describe('HotKeyList', () => {
  it('moves a matched key to the front, holds at most its size, and the rest keeps the list order', () => {
    const list = new HotKeyList(['a', 'b', 'c', 'd', 'e'], 2);
    expect(list.cold()).toEqual(['a', 'b', 'c', 'd', 'e']);
    list.promote('c');
    list.promote('e');
    expect(list.hot).toEqual(['e', 'c']);
    expect(list.cold()).toEqual(['a', 'b', 'd']);
    list.promote('c');
    expect(list.hot).toEqual(['c', 'e']);
    list.promote('a'); // 'e' falls out
    expect(list.hot).toEqual(['a', 'c']);
    expect(list.cold()).toEqual(['b', 'd', 'e']);
    const next = new HotKeyList(['x', 'c', 'a'], 2);
    next.adopt(list, (older, newer) => older === newer);
    expect(next.hot).toEqual(['a', 'c']);
    expect(next.cold()).toEqual(['x']);
  });
});

describe('a key search with hot keys and a spent budget', () => {
  const DOMAIN = 'example.com';
  const USERS = 300;

  function setup(budgetOptions: ConstructorParameters<typeof GlobalKeyBudget>[0]) {
    const tls: ParsedSecret[] = Array.from({ length: USERS }, () => generateSecret('ee', DOMAIN));
    const dd: ParsedSecret[] = Array.from({ length: USERS }, () => generateSecret('dd'));
    const users = new UserDirectory(new MemoryUsageStore(), () => NOW);
    users.replaceAll([
      ...tls.map((s, i) => ({ name: `t${i}`, secret: formatSecret(s) })),
      ...dd.map((s, i) => ({ name: `d${i}`, secret: formatSecret(s) })),
    ]);
    const budget = new GlobalKeyBudget(budgetOptions);
    const search = new KeySearch(budget);
    const options: HandshakeOptions = {
      candidates: (t) => users.candidates(t),
      tlsCandidates: (sni) => users.tlsCandidates(sni),
      keySearch: search,
      hotKeys: (t, sni) => users.hotKeys(t, sni),
      allowModes: ['plain', 'dd', 'ee'],
      maxSkewMs: 120_000,
      now: () => NOW,
    };
    const hello = (key: Uint8Array, source: string) => new Handshake(options, source).feed(buildClientHello(key, DOMAIN, NOW).record);
    const header = (key: Uint8Array, source: string) => new Handshake(options, source).feed(buildClientHeader(key, 'padded', 2).header);
    return { tls, dd, users, budget, search, hello, header };
  }

  it('an honest client of an active user costs a few key trials', () => {
    const { tls, dd, search, hello, header } = setup({});
    expect(hello(tls[250]!.key, '10.0.0.1')).toMatchObject({ kind: 'identified', user: { name: 't250' } });
    expect(search.tried).toBe(USERS); // cold: the whole list
    expect(hello(tls[250]!.key, '10.0.0.2')).toMatchObject({ kind: 'identified', user: { name: 't250' } });
    expect(search.tried).toBe(1); // hot
    expect(header(dd[299]!.key, '10.0.0.1')).toMatchObject({ kind: 'done', user: { name: 'd299' } });
    expect(header(dd[299]!.key, '10.0.0.3')).toMatchObject({ kind: 'done', user: { name: 'd299' } });
    expect(search.tried).toBe(1);
  });

  it('while the budget is spent, junk from a new source tries only the hot keys and is fronted as key_budget', () => {
    const { tls, dd, budget, search, hello, header } = setup({ keysPerSecond: 1, burstKeys: 2 * USERS, hotSize: 4 });
    expect(hello(tls[7]!.key, '10.0.0.1')).toMatchObject({ kind: 'identified' }); // t7 hot, 10.0.0.1 good
    expect(header(dd[9]!.key, '10.0.0.1')).toMatchObject({ kind: 'done' });
    // Two junk hellos spend the budget (each a full search: 1 hot + 299 cold).
    expect(hello(rnd(16), '10.0.1.1')).toMatchObject({ kind: 'fail', reason: 'bad_hmac' });
    expect(search.tried).toBe(USERS);
    expect(header(rnd(16), '10.0.1.2')).toMatchObject({ kind: 'fail', reason: 'bad_secret' });
    expect(budget.exhausted(NOW)).toBe(true);
    for (let i = 0; i < 5; i++) {
      expect(hello(rnd(16), `10.0.2.${i}`)).toMatchObject({ kind: 'fail', reason: 'key_budget' });
      expect(search.tried).toBe(1);
      expect(header(rnd(16), `10.0.3.${i}`)).toMatchObject({ kind: 'fail', reason: 'key_budget' });
      expect(search.tried).toBe(1);
    }
    expect(budget.limitedSearches).toBe(10);
    // The hot user still gets in from a new address; a user not active lately does from a good source only.
    expect(hello(tls[7]!.key, '10.0.4.1')).toMatchObject({ kind: 'identified', user: { name: 't7' } });
    expect(hello(tls[100]!.key, '10.0.4.2')).toMatchObject({ kind: 'fail', reason: 'key_budget' });
    expect(hello(tls[100]!.key, '10.0.0.1')).toMatchObject({ kind: 'identified', user: { name: 't100' } });
    expect(header(dd[50]!.key, '10.0.0.1')).toMatchObject({ kind: 'done', user: { name: 'd50' } });
  });

  it('hot keys survive a change of the directory, and a removed user’s key does not stay hot', () => {
    const { tls, users, search, hello } = setup({});
    hello(tls[200]!.key, '10.0.0.1');
    hello(tls[201]!.key, '10.0.0.1');
    users.upsert({ name: 'new', secret: formatSecret(generateSecret('ee', DOMAIN)) });
    expect(hello(tls[200]!.key, '10.0.0.2')).toMatchObject({ kind: 'identified', user: { name: 't200' } });
    expect(search.tried).toBeLessThanOrEqual(2);
    users.remove('t201');
    expect(users.hotKeys('tls', DOMAIN).hot.map((c) => c.user.name)).toEqual(['t200']);
  });
});

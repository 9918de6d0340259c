/**
 * block_ip_address (blocks.add) as a unit: input validation with the field named, canonical CIDRs, re-blocking,
 * removal, expiry on lookup and on sweep, the file list beside the runtime list.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CidrSet, parseCidr } from '../../src/security/admission/ip.js';
import { conn, startLayer, type TestLayer } from './helpers/layer.js';

let t: TestLayer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('blocks', () => {
  it('refuses bad input with a typed error naming the field, and changes nothing', async () => {
    t = await startLayer();
    const cases: [() => unknown, string][] = [
      [() => t!.layer.blocks.add('203.0.113.300', 'x'), 'ip'],
      [() => t!.layer.blocks.add('203.0.113.0/40', 'x'), 'ip'],
      [() => t!.layer.blocks.add('203.0.113.1', ''), 'reason'],
      [() => t!.layer.blocks.add('203.0.113.1', 'x', { ttl: 'soon' }), 'ttl'],
      [() => t!.layer.blocks.add('203.0.113.1', 'x', { ttlMs: -5 }), 'ttl'],
      [() => t!.layer.blocks.remove('203.0.113.1'), 'ip'],
    ];
    for (const [call, field] of cases) {
      let error: any;
      try {
        call();
      } catch (err) {
        error = err;
      }
      expect(error?.code, field).toMatch(/^ERR_SECURITY_(INVALID|NOT_FOUND)$/);
      expect(error?.field).toBe(field);
    }
    expect(t.layer.blocks.list()).toEqual([]);
  });

  it('stores canonical CIDRs, replaces on re-block, removes by any spelling', async () => {
    t = await startLayer();
    t.layer.blocks.add('::ffff:203.0.113.7', 'first');
    t.layer.blocks.add('203.0.113.7/32', 'second', { ttl: '1h' });
    const [entry] = t.layer.blocks.list();
    expect(entry).toMatchObject({ cidr: '203.0.113.7/32', reason: 'second', expiresAt: t.clock.now() + 3_600_000 });
    expect(t.layer.blocks.match('203.0.113.7')?.reason).toBe('second');
    t.layer.blocks.remove('203.0.113.7');
    expect(t.layer.blocks.match('203.0.113.7')).toBeUndefined();
    t.layer.blocks.add('2001:db8:1::/48', 'v6');
    expect(await t.layer.gate.onAccept(conn('2001:db8:1:ffff::1'))).toMatchObject({ allow: false, by: 'block' });
    expect(t.events.map((e) => e.type)).toEqual(expect.arrayContaining(['block.added', 'block.removed']));
  });

  it('expired blocks disappear on lookup and on sweep, each reported once', async () => {
    t = await startLayer();
    t.layer.blocks.add('192.0.2.1', 'a', { ttl: '1m' });
    t.layer.blocks.add('192.0.2.2', 'b', { ttl: '2m' });
    t.clock.advance(90_000);
    expect(t.layer.blocks.match('192.0.2.1')).toBeUndefined();
    expect(t.layer.blocks.match('192.0.2.2')?.reason).toBe('b');
    t.clock.advance(60_000);
    expect(t.layer.blocks.list()).toEqual([]);
    expect(t.events.filter((e) => e.type === 'block.expired').map((e) => e.ip)).toEqual(['192.0.2.1/32', '192.0.2.2/32']);
  });

  it('a large file list costs one probe per prefix length', () => {
    const cidrs = [];
    for (let i = 0; i < 50_000; i++) cidrs.push(parseCidr(`${(i >> 16) + 1}.${(i >> 8) & 255}.${i & 255}.0/24`));
    const set = new CidrSet(cidrs);
    expect(set.size).toBe(50_000);
    expect(set.has('1.0.5.77')).toBe(true);
    expect(set.has('1.0.5.77'.replace('1.0', '9.9'))).toBe(false);
  });
});

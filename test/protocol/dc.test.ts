import { describe, expect, it } from 'vitest';
import { DcError } from '../../src/protocol/errors.js';
import { DcTable, parseHostPort } from '../../src/protocol/dc.js';

describe('DcTable', () => {
  it('resolves production DCs to v4 then v6 on port 443, or v6 first when preferred', () => {
    const t = new DcTable();
    expect(t.resolve(2).addresses).toEqual([
      { host: '149.154.167.51', port: 443, family: 4 },
      { host: '2001:67c:4e8:f002::a', port: 443, family: 6 },
    ]);
    expect(t.resolve(203).addresses[0]!.host).toBe('91.105.192.100');
    const v6 = new DcTable({ preferIpv6: true });
    expect(v6.resolve(5).addresses.map((a) => a.family)).toEqual([6, 4]);
    expect(new DcTable({ families: [4] }).resolve(1).addresses).toHaveLength(1);
  });

  it('maps media DCs to abs(id) and test DCs (±10000) to the same row', () => {
    const t = new DcTable();
    expect(t.resolve(-4)).toMatchObject({ dc: 4, media: true, test: false, defaulted: false });
    expect(t.resolve(-4).addresses).toEqual(t.resolve(4).addresses);
    expect(t.resolve(10003)).toMatchObject({ dc: 3, media: false, test: true });
    expect(t.resolve(-10003)).toMatchObject({ dc: 3, media: true, test: true });
    expect(t.resolve(-10003).addresses).toEqual(t.resolve(3).addresses);
  });

  it('sends unknown DCs to the configurable default', () => {
    expect(new DcTable().resolve(99)).toMatchObject({ dc: 2, defaulted: true });
    expect(new DcTable({ defaultDc: 4 }).resolve(0)).toMatchObject({ dc: 4, defaulted: true });
    expect(new DcTable({ defaultDc: 4 }).resolve(-32768).dc).toBe(4);
    expect(() => new DcTable({ defaultDc: 42 })).toThrow(DcError);
    expect(new DcTable({ defaultDc: 42, overrides: { '42': ['127.0.0.1:1'] } }).resolve(7).addresses[0]!.port).toBe(1);
  });

  it('uses overrides from the most specific key: "-2" before "2"', () => {
    const t = new DcTable({ overrides: { '2': ['127.0.0.1:4000'], '-2': ['[::1]:4001'], '10003': ['localhost:4002'] } });
    expect(t.resolve(2).addresses).toEqual([{ host: '127.0.0.1', port: 4000, family: 4 }]);
    expect(t.resolve(-2).addresses).toEqual([{ host: '::1', port: 4001, family: 6 }]);
    expect(t.resolve(-10002).addresses[0]!.port).toBe(4001);
    expect(t.resolve(10002).addresses[0]!.port).toBe(4000);
    expect(t.resolve(10003).addresses[0]!.host).toBe('localhost');
    expect(t.resolve(3).overridden).toBe(false);
    const onlyPlain = new DcTable({ overrides: { '2': [{ host: '[::1]', port: 5 }] } });
    expect(onlyPlain.resolve(-2)).toMatchObject({ overridden: true, addresses: [{ host: '::1', port: 5, family: 6 }] });
  });

  it('rejects malformed overrides with typed errors', () => {
    for (const bad of ['127.0.0.1', 'host:0', 'host:70000', '::1:443', '']) {
      expect(() => parseHostPort(bad)).toThrow(DcError);
    }
    expect(() => new DcTable({ overrides: { two: ['1.2.3.4:1'] } })).toThrow(DcError);
    expect(() => new DcTable({ overrides: { '2': [] } })).toThrow(DcError);
  });
});

/**
 * Addresses, time windows and access rules as units (the over-the-wire behaviour is in wire-*.test.ts):
 * IPv4-mapped normalisation, CIDR canonical forms, windows in a time zone with an injected clock, first
 * match wins, per-user rules, monitor-mode rules.
 */
import { describe, expect, it } from 'vitest';
import { AccessControl } from '../../src/security/admission/acl.js';
import { ManualClock } from '../../src/security/clock.js';
import { accessRuleSchema } from '../../src/config/index.js';
import fc from 'fast-check';
import { CidrSet, cidrContains, normaliseIp, parseCidr, subnetOf } from '../../src/security/admission/ip.js';
import { inWindow, localTime } from '../../src/security/admission/time-window.js';
import { isMtShieldError } from '../../src/errors.js';

const rule = (input: Record<string, unknown>) => accessRuleSchema.parse(input);

describe('addresses', () => {
  it('normalises IPv4-mapped IPv6 and rejects garbage', () => {
    expect(normaliseIp('::ffff:203.0.113.5')).toBe('203.0.113.5');
    expect(normaliseIp('2001:DB8::1')).toBe('2001:db8::1');
    expect(normaliseIp('not an ip')).toBeUndefined();
  });

  it('canonical CIDRs: host bits cleared, mapped v6 subnets become v4', () => {
    expect(parseCidr('10.1.2.3/8').text).toBe('10.0.0.0/8');
    expect(parseCidr('198.51.100.7').text).toBe('198.51.100.7/32');
    expect(parseCidr('::ffff:192.0.2.0/120').text).toBe('192.0.2.0/24');
    expect(parseCidr('2001:db8:1::5/48').text).toBe('2001:db8:1::/48');
    for (const bad of ['300.1.1.1', '10.0.0.0/33', '::/129', '1.2.3.4/x', '']) {
      let error: unknown;
      try {
        parseCidr(bad);
      } catch (err) {
        error = err;
      }
      expect(isMtShieldError(error, 'ERR_SECURITY_INVALID')).toBe(true);
    }
  });

  it('containment works across the mapped form and never across families', () => {
    const v4 = parseCidr('192.0.2.0/24');
    expect(cidrContains(v4, '::ffff:192.0.2.9')).toBe(true);
    expect(cidrContains(v4, '192.0.3.1')).toBe(false);
    expect(cidrContains(parseCidr('2001:db8::/32'), '192.0.2.1')).toBe(false);
  });

  it('aggregation subnets are /24 and /64', () => {
    expect(subnetOf('203.0.113.77')).toBe('203.0.113.0/24');
    expect(subnetOf('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
  });
});

describe('time windows', () => {
  // 2026-01-05 is a Monday.
  const mondayNoonUtc = Date.UTC(2026, 0, 5, 12, 0);

  it('reads the local day and minute in a time zone', () => {
    expect(localTime(mondayNoonUtc, 'UTC')).toEqual({ day: 1, minute: 720 });
    expect(localTime(mondayNoonUtc, 'Asia/Tokyo')).toEqual({ day: 1, minute: 21 * 60 });
    expect(localTime(Date.UTC(2026, 0, 5, 2, 0), 'America/New_York')).toEqual({ day: 0, minute: 21 * 60 });
  });

  it('days and hours, in the zone given', () => {
    const office = { days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const, hours: '09:00-17:00', tz: 'Europe/Berlin' };
    expect(inWindow({ ...office, days: [...office.days] }, mondayNoonUtc)).toBe(true); // 13:00 in Berlin
    expect(inWindow({ ...office, days: [...office.days] }, Date.UTC(2026, 0, 5, 16, 30))).toBe(false); // 17:30 Berlin
    expect(inWindow({ ...office, days: [...office.days] }, Date.UTC(2026, 0, 4, 12, 0))).toBe(false); // Sunday
  });

  it('a window past midnight belongs to the day it starts', () => {
    const night = { days: ['fri' as const], hours: '22:00-06:00', tz: 'UTC' };
    expect(inWindow(night, Date.UTC(2026, 0, 9, 23, 0))).toBe(true); // Fri 23:00
    expect(inWindow(night, Date.UTC(2026, 0, 10, 5, 0))).toBe(true); // Sat 05:00, Friday's night
    expect(inWindow(night, Date.UTC(2026, 0, 10, 23, 0))).toBe(false); // Sat 23:00
    expect(inWindow(night, Date.UTC(2026, 0, 9, 5, 0))).toBe(false); // Fri 05:00 is Thursday's night
  });

  it('follows daylight saving time', () => {
    const w = { hours: '09:00-10:00', tz: 'Europe/Berlin' };
    expect(inWindow(w, Date.UTC(2026, 0, 15, 8, 30))).toBe(true); // winter: UTC+1
    expect(inWindow(w, Date.UTC(2026, 6, 15, 8, 30))).toBe(false); // summer: UTC+2 → 10:30
    expect(inWindow(w, Date.UTC(2026, 6, 15, 7, 30))).toBe(true);
  });
});

describe('access rules', () => {
  it('first match wins; the default decides the rest', () => {
    const clock = new ManualClock();
    const acl = new AccessControl('allow', [rule({ action: 'allow', cidr: '203.0.113.7' }), rule({ action: 'deny', cidr: '203.0.113.0/24' })], clock);
    expect(acl.checkAddress('203.0.113.7').allow).toBe(true);
    expect(acl.checkAddress('203.0.113.8').allow).toBe(false);
    expect(acl.checkAddress('::ffff:203.0.113.9').allow).toBe(false);
    expect(acl.checkAddress('198.51.100.1').allow).toBe(true);
    const strict = new AccessControl('deny', [rule({ action: 'allow', cidr: ['10.0.0.0/8', '2001:db8::/32'] })], clock);
    expect(strict.checkAddress('10.9.9.9').allow).toBe(true);
    expect(strict.checkAddress('2001:db8::5').allow).toBe(true);
    expect(strict.checkAddress('11.0.0.1').allow).toBe(false);
  });

  it('per-user rules apply only when that user is identified', () => {
    const clock = new ManualClock();
    const acl = new AccessControl('allow', [rule({ action: 'allow', user: 'alice', cidr: '10.0.0.0/8' }), rule({ action: 'deny', user: 'alice' })], clock);
    expect(acl.checkAddress('192.0.2.1').allow).toBe(true); // not a global rule
    expect(acl.checkUser('10.1.1.1', 'alice').allow).toBe(true);
    expect(acl.checkUser('192.0.2.1', 'alice').allow).toBe(false);
    expect(acl.checkUser('192.0.2.1', 'bob').allow).toBe(true);
  });

  it('time-windowed rules follow the injected clock', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 10, 12, 0)); // Saturday
    const acl = new AccessControl('allow', [rule({ action: 'deny', user: 'bob', days: ['sat', 'sun'] })], clock);
    expect(acl.checkUser('192.0.2.1', 'bob').allow).toBe(false);
    clock.set(Date.UTC(2026, 0, 12, 12, 0)); // Monday
    expect(acl.checkUser('192.0.2.1', 'bob').allow).toBe(true);
  });

  it('a monitor rule reports and does not decide', () => {
    const acl = new AccessControl('allow', [rule({ action: 'deny', cidr: '192.0.2.0/24', mode: 'monitor', name: 'trial' })], new ManualClock());
    const decision = acl.checkAddress('192.0.2.1');
    expect(decision.allow).toBe(true);
    expect(decision.monitored.map((r) => r.name)).toEqual(['trial']);
  });

  it('API rules: validated with the field named, kept across a config reload, removable', () => {
    const acl = new AccessControl('allow', [], new ManualClock());
    let error: any;
    try {
      acl.add({ action: 'deny', cidr: '1.2.3.4/99' } as never);
    } catch (err) {
      error = err;
    }
    expect(error?.code).toBe('ERR_SECURITY_INVALID');
    expect(error?.field).toBe('cidr');
    expect(() => acl.add({ action: 'block' } as never)).toThrow(/action/);
    const added = acl.add({ action: 'deny', cidr: '192.0.2.0/24' });
    acl.replaceConfigRules('allow', [rule({ action: 'allow', cidr: '192.0.2.1' })]);
    expect(acl.list().map((r) => r.source)).toEqual(['config', 'api']);
    expect(acl.checkAddress('192.0.2.1').allow).toBe(true);
    expect(acl.checkAddress('192.0.2.2').allow).toBe(false);
    acl.remove(added.id);
    expect(acl.checkAddress('192.0.2.2').allow).toBe(true);
    expect(() => acl.remove(added.id)).toThrow(/no access rule/);
  });
});

describe('CidrSet (prefix-indexed) agrees with plain containment', () => {
  const v4 = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).map((o) => o.join('.'));
  const v6 = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(':'));

  it('IPv4, IPv6 and mapped addresses, any prefix', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.tuple(v4, fc.integer({ min: 0, max: 32 })), fc.tuple(v6, fc.integer({ min: 0, max: 128 }))), { maxLength: 12 }),
        fc.array(fc.oneof(v4, v6, v4.map((a) => `::ffff:${a}`)), { minLength: 1, maxLength: 12 }),
        (nets, probes) => {
          const cidrs = nets.map(([a, p]) => parseCidr(`${a}/${p}`));
          const set = new CidrSet(cidrs);
          for (const ip of probes) expect(set.has(ip)).toBe(cidrs.some((c) => cidrContains(c, ip)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('neighbours of a network edge', () => {
    const set = new CidrSet([parseCidr('10.0.0.0/31'), parseCidr('2001:db8::/127'), parseCidr('0.0.0.0/0')]);
    expect(set.has('203.0.113.1')).toBe(true); // /0 covers all IPv4
    expect(set.has('2001:db8::1')).toBe(true);
    expect(set.has('2001:db8::2')).toBe(false);
    expect(new CidrSet([parseCidr('10.0.0.0/31')]).has('10.0.0.2')).toBe(false);
  });
});

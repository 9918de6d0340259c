/**
 * Attack: a flood from many addresses, meant to push the traces of the real attack out of the audit log. The
 * reporter's per-second ceiling still drops events, but never silently: each drop is counted and the gap is
 * one `audit.events_dropped` entry ("N events dropped") in the log.
 */
import { describe, expect, it } from 'vitest';
import { EventBus, type SecurityEvent } from '../../src/events.js';
import { Reporter } from '../../src/security/audit/reporter.js';
import { ManualClock } from '../../src/security/clock.js';

describe('attack: an event flood hides the attack from the audit log', () => {
  it('an attacker who floods from 50 addresses cannot make events vanish without a record', () => {
    const bus = new EventBus();
    const seen: SecurityEvent[] = [];
    bus.on('security.event', (e) => seen.push(e));
    const clock = new ManualClock();
    const reporter = new Reporter(bus, clock, 10_000, 5);
    for (let i = 1; i <= 50; i++) {
      reporter.emitThrottled(`gate.refused.rate_limit:198.51.100.${i}:`, { type: 'gate.refused.rate_limit', severity: 'medium', message: 'refused', ip: `198.51.100.${i}` });
    }
    expect(seen).toHaveLength(5);
    expect(reporter.counters.eventsDropped).toBe(45);
    clock.advance(1000);
    reporter.emitThrottled('gate.refused.acl:203.0.113.9:', { type: 'gate.refused.acl', severity: 'medium', message: 'refused', ip: '203.0.113.9' });
    const summary = seen.find((e) => e.type === 'audit.events_dropped');
    expect(summary).toMatchObject({ message: expect.stringContaining('45 events dropped'), details: { dropped: 45 } });
    expect(seen.at(-1)?.type).toBe('gate.refused.acl');
  });
});

/**
 * Attack: a read_write token holder (or a compromised automation) stages policy versions until history is
 * trimmed, so that a staged, never-reviewed version slides into the active slot with no `policy.enforced`
 * entry in the audit log. Trimming must never change which version is active.
 */
import { describe, expect, it } from 'vitest';
import type { SecurityEvent } from '../../src/events.js';
import { emptyCounters } from '../../src/security/audit/reporter.js';
import { ManualClock } from '../../src/security/clock.js';
import { PolicyStore } from '../../src/security/policy/store.js';

describe('attack: staged policy versions pushed into the active slot by trimming', () => {
  it('an attacker who stages versions past the history limit cannot make a staged version active', () => {
    const events: Omit<SecurityEvent, 'at'>[] = [];
    const store = new PolicyStore(undefined, new ManualClock(), { counters: emptyCounters(), emit: (e) => events.push(e), emitThrottled() {} }, 3);
    store.set({ rate_limits: { mode: 'enforce' } }, { actor: 'token:ops' }); // v2, enforced
    for (let i = 0; i < 5; i++) store.set({ rate_limits: { mode: 'off' } }, { actor: 'token:automation', enforce: false });
    expect(store.active().version).toBe(2);
    expect(store.mode('rate_limits')).toBe('enforce');
    expect(store.history()).toHaveLength(3);
    expect(store.history().map((v) => v.version)).toContain(2);
    expect(events.filter((e) => e.type === 'policy.enforced').map((e) => e.details?.version)).toEqual([2]);
  });
});

/**
 * The group's user leases (src/state/user-leases.ts): one table decides and counts in one step, a release
 * only gives back the caller's own lease, and an owner that is gone (a worker that exited) takes its leases
 * with it.
 */
import { describe, expect, it } from 'vitest';
import { GrantedLeases, LeaseTable } from '../../src/state/user-leases.js';

describe('LeaseTable', () => {
  it('counts connections and distinct IPs for the whole group, whichever owner asks', () => {
    const table = new LeaseTable();
    expect(table.acquire('w1', 'alice', '10.0.0.1', { maxConnections: 2 })).toBeUndefined();
    expect(table.acquire('w2', 'alice', '10.0.0.1', { maxConnections: 2 })).toBeUndefined();
    expect(table.acquire('w1', 'alice', '10.0.0.1', { maxConnections: 2 })).toBe('max_connections');
    expect(table.acquire('w2', 'bob', '10.0.0.1', { maxIps: 1 })).toBeUndefined();
    expect(table.acquire('w1', 'bob', '10.0.0.2', { maxIps: 1 })).toBe('max_ips');
    expect(table.acquire('w1', 'bob', '10.0.0.1', { maxIps: 1 })).toBeUndefined(); // the same address is no new IP
    expect(table.counts('alice')).toEqual({ connections: 2, ips: 1 });
  });

  it('a release by an owner that holds no such lease changes nothing', () => {
    const table = new LeaseTable();
    table.acquire('w1', 'alice', '10.0.0.1', {});
    table.release('w2', 'alice', '10.0.0.1');
    expect(table.counts('alice')).toEqual({ connections: 1, ips: 1 });
    table.release('w1', 'alice', '10.0.0.1');
    expect(table.counts('alice')).toEqual({ connections: 0, ips: 0 });
  });

  it("dropping an owner frees every lease it held and no one else's", () => {
    const table = new LeaseTable();
    table.acquire('w1', 'alice', '10.0.0.1', {});
    table.acquire('w1', 'alice', '10.0.0.1', {});
    table.acquire('w1', 'alice', '10.0.0.3', {});
    table.acquire('w2', 'alice', '10.0.0.2', {});
    table.dropOwner('w1');
    expect(table.counts('alice')).toEqual({ connections: 1, ips: 1 });
    expect(table.acquire('w2', 'alice', '10.0.0.9', { maxConnections: 2, maxIps: 2 })).toBeUndefined();
  });
});

describe('GrantedLeases', () => {
  it('gives back only what was granted, per user and address', () => {
    const granted = new GrantedLeases<string>();
    granted.add('alice', '10.0.0.1', 'a');
    granted.add('alice', '10.0.0.1', 'b');
    expect(granted.take('alice', '10.0.0.2')).toBeUndefined();
    expect([...granted.entries()].map(([u, ip, id]) => `${u}@${ip}=${id}`)).toEqual(['alice@10.0.0.1=a', 'alice@10.0.0.1=b']);
    expect(granted.take('alice', '10.0.0.1')).toBe('b');
    expect(granted.take('alice', '10.0.0.1')).toBe('a');
    expect(granted.take('alice', '10.0.0.1')).toBeUndefined();
    expect(granted.size).toBe(0);
  });
});

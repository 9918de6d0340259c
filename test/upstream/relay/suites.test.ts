/**
 * Suite choice: the exit takes its first preference the entry offered; the default preference follows the
 * registry's calibrated costs on an MTProto-like size mix.
 */
import { describe, expect, it } from 'vitest';
import { ALL_SUITES, chooseSuite, defaultSuites } from '../../../src/upstream/relay/index.js';
import { kernels } from './helpers.js';

describe('chooseSuite', () => {
  it('takes the exit preference, or nothing for disjoint lists', () => {
    expect(chooseSuite(['aes-128-gcm', 'chacha20-poly1305'], ['chacha20-poly1305', 'aes-128-gcm'])).toBe('aes-128-gcm');
    expect(chooseSuite(['aes-256-gcm'], ['chacha20-poly1305'])).toBeUndefined();
  });
});

describe('default relay suites', () => {
  it('orders every suite the registry serves by calibrated cost', async () => {
    const registry = await kernels();
    const suites = defaultSuites(registry);
    expect([...suites].sort()).toEqual([...ALL_SUITES].sort());
    // a registry where only one backend serves AES-GCM at a huge cost puts the GCM suites last
    const status = registry.status();
    const fake = {
      backends: registry.backends.bind(registry),
      chosen: () => 'js' as const,
      status: () => ({
        ...status,
        costs: Object.fromEntries(ALL_SUITES.map((s) => [s, { js: Array(6).fill(s.includes('gcm') ? 1e6 : 10) as number[] }])),
      }),
    };
    expect(defaultSuites(fake).slice(-2).every((s) => s.includes('gcm'))).toBe(true);
  });
});

/**
 * The middle-proxy link's AES-256-CBC in the kernel metrics: a link on the kernel registry relays small and large
 * packets through the test middle proxy, and the registry's CBC byte counts — what /metrics serves as
 * mtshield_kernel_bytes_total{algorithm="aes-256-cbc",backend,direction} — show at least those bytes each way,
 * under the backends the registry chose for those sizes.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MiddleLink, type MiddleClientStream } from '../../../src/upstream/middle/index.js';
import type { KernelRegistry } from '../../../src/kernels/index.js';
import { createMetrics } from '../../../src/admin/metrics.js';
import { EventBus } from '../../../src/events.js';
import { loadTestKernels } from '../../kernels/registry-helpers.js';
import { FakeMiddleProxy } from './fake-middle-proxy.js';

const SECRET = randomBytes(128);
let registry: KernelRegistry;
let fake: FakeMiddleProxy;
let link: MiddleLink;

beforeAll(async () => {
  registry = await loadTestKernels();
  fake = await FakeMiddleProxy.start({ proxySecret: SECRET });
  link = await MiddleLink.connect({ host: '127.0.0.1', port: fake.port, proxySecret: SECRET, registry });
});
afterAll(async () => {
  link?.close();
  await fake?.close();
});

function answers(stream: MiddleClientStream, count: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let got = 0;
    let bytes = 0;
    const timer = setTimeout(() => reject(new Error(`only ${got}/${count} answers`)), 15_000);
    stream.on('data', (p: Buffer) => {
      bytes += p.length;
      if (++got === count) {
        clearTimeout(timer);
        resolve(bytes);
      }
    });
  });
}

const sum = (direction: string) => registry.cbcBytes!().filter((r) => r.direction === direction).reduce((n, r) => n + r.bytes, 0);

describe('CBC in the kernel metrics', () => {
  it('counts the link\'s CBC bytes per backend and direction, and /metrics shows them', async () => {
    const before = { encrypt: sum('encrypt'), decrypt: sum('decrypt') };
    const stream = link.openClient({ client: { ip: '198.51.100.23', port: 40001 }, proxy: { ip: '127.0.0.1', port: 443 }, framing: 'intermediate' });
    const sizes = [64, 512, 65_536, 200_000];
    const done = answers(stream, sizes.length);
    for (const size of sizes) stream.write(randomBytes(size));
    const answered = await done;
    const sent = sizes.reduce((a, b) => a + b, 0);
    expect(sum('encrypt') - before.encrypt).toBeGreaterThanOrEqual(sent);
    expect(sum('decrypt') - before.decrypt).toBeGreaterThanOrEqual(answered);
    // every backend named is one the registry chooses for CBC at some size
    const chosen = new Set([64, 512, 4096, 65_536, 262_144].flatMap((n) => [registry.chosen('aes-256-cbc', n), registry.chosenOpen('aes-256-cbc', n)]));
    for (const row of registry.cbcBytes!()) expect(chosen.has(row.backend)).toBe(true);
    // the 200 KB frame goes to the backend chosen for its size
    const big = registry.chosen('aes-256-cbc', 200_000 + 80);
    expect(registry.cbcBytes!().find((r) => r.direction === 'encrypt' && r.backend === big)!.bytes).toBeGreaterThanOrEqual(200_000);

    const metrics = createMetrics({ bus: new EventBus(), version: 'test', processMetrics: false, kernelBytes: () => registry.cbcBytes!() });
    try {
      const text = await metrics.render();
      for (const row of registry.cbcBytes!()) {
        expect(text).toContain(`mtshield_kernel_bytes_total{algorithm="aes-256-cbc",backend="${row.backend}",direction="${row.direction}"} ${row.bytes}`);
      }
    } finally {
      metrics.close();
    }
  });
});

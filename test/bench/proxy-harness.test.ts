/**
 * The proxy benchmark's harness (bench/proxy), exercised against the proxy in this process: the load
 * client's real dd and ee handshakes get through to the echo DC, relayed bytes come back intact, and the
 * /proc readers and target evaluation work. Small counts, no timed assertion.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { startService, type Service } from '../../src/service.js';
import { createLogger } from '../../src/log/logger.js';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { proxyConfig } from '../../bench/proxy/child.js';
import { startEchoDc, type EchoDc } from '../../bench/proxy/fake-dc.js';
import { cpuSeconds, rssBytes } from '../../bench/proxy/proc.js';
import { handshakes, throughput, type Target } from '../../bench/proxy/scenarios.js';
import { evaluateProxyTargets } from '../../bench/proxy/report.js';
import type { ProxyBenchReport } from '../../bench/proxy/run.js';

const secrets = { dd: generateSecret('dd'), ee: generateSecret('ee', 'www.example.com') };

describe('proxy benchmark harness', () => {
  let dc: EchoDc;
  let service: Service;
  let dir: string;
  let port: number;

  beforeAll(async () => {
    dc = await startEchoDc();
    dir = mkdtempSync(join(tmpdir(), 'mtshield-bench-proxy-'));
    const users = [
      { name: 'bench_dd', secret: formatSecret(secrets.dd) },
      { name: 'bench_ee', secret: formatSecret(secrets.ee) },
    ];
    const text = proxyConfig(0, join(dir, 'state'), { dcPort: dc.port, users, fastMode: false });
    service = await startService(parseConfigText(text, 'bench.toml'), { logger: createLogger('silent'), nodeCrypto: true });
    port = service.server.addresses()[0]!.port;
  });

  afterAll(async () => {
    await service?.stop(1000);
    await dc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const target = (mode: 'dd' | 'ee'): Target => ({ host: '127.0.0.1', port, pid: process.pid, secret: secrets[mode], dc: 2 });

  for (const mode of ['dd', 'ee'] as const) {
    it(`${mode}: real client handshakes reach the echo DC`, async () => {
      const before = dc.accepted();
      const result = await handshakes(target(mode), { count: 4, concurrency: 2 });
      expect(result.failed).toBe(0);
      expect(result.count).toBe(4);
      expect(dc.accepted() - before).toBe(4);
      expect(dc.rejected()).toBe(0);
    });

    it(`${mode}: 64 KiB frames are relayed both ways and every echoed byte checks out`, async () => {
      const result = await throughput(target(mode), { connections: 1, frameBytes: 65_536, seconds: 0.2, warmupSeconds: 0.1, rounds: 3 });
      expect(result.bytesRelayed).toBeGreaterThan(0);
      expect(result.echoVerified).toBe(true);
      // the reported figures are those of the median window
      expect(result.rounds).toHaveLength(3);
      const sorted = result.rounds.map((r) => r.cpuSecondsPerGB).sort((a, b) => a - b);
      expect(result.cpuSecondsPerGB).toBe(sorted[1]);
      expect(result.rounds.every((r) => r.bytesRelayed > 0)).toBe(true);
    });
  }

  it('reads CPU time and RSS from /proc', () => {
    expect(cpuSeconds(process.pid)).toBeGreaterThan(0);
    expect(rssBytes(process.pid)).toBeGreaterThan(1 << 20);
  });

  it('reports every target, and a missing figure as FAIL rather than a gap', () => {
    const report = {
      scenarios: [
        { secret: 'ee', fastMode: false, errors: ['boom'] },
        {
          secret: 'ee',
          fastMode: true,
          errors: [],
          throughput: { cpuSecondsPerGB: 0.8, mbPerSec: 500, echoVerified: true, rounds: [{ cpuSecondsPerGB: 0.7 }, { cpuSecondsPerGB: 0.8 }, { cpuSecondsPerGB: 1.1 }] },
          idleMemory: { bytesPerConnection: 13 * 1024, firstBatchBytesPerConnection: 20 * 1024, connections: 1000, failed: 0 },
        },
      ],
    } as unknown as ProxyBenchReport;
    const targets = evaluateProxyTargets(report, false);
    const byId = Object.fromEntries(targets.map((t) => [t.id, t.status]));
    expect(byId['cpu-per-gb-ee-fast-false']).toBe('FAIL');
    expect(byId['cpu-per-gb-ee-fast-true']).toBe('PASS');
    expect(targets.find((t) => t.id === 'cpu-per-gb-ee-fast-true')!.detail).toContain('median of 3 windows: 0.70–1.10');
    expect(byId['idle-rss-ee-fast-true']).toBe('FAIL');
    expect(byId['soak-no-growth']).toBe('N/A');
  });
});

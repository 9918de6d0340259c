/**
 * Throughput of the security layer's hot paths, as JSON (not a test: run `npx tsx test/security/bench-gate.ts`).
 * Setup: a 10 000-entry FireHOL-style blocklist, 100 runtime blocks, 20 access rules, 10 admin tokens.
 * Measures gate.onAccept+onClosed (rate_limits off: synchronous; monitor: rate-limiter-flexible memory),
 * shaper.delayFor, audit append (sync file write + SHA-256 chain), token verify, audit file verify.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig } from '../../src/config/load.js';
import { EventBus } from '../../src/events.js';
import { createSecurityLayer, generateAdminToken } from '../../src/security/index.js';

const dir = mkdtempSync(join(tmpdir(), 'mtshield-bench-'));
const netset = join(dir, 'big.netset');
writeFileSync(netset, Array.from({ length: 10_000 }, (_, i) => `${10 + (i >> 8)}.${i & 255}.0.0/16`).join('\n'));
const tokens = Array.from({ length: 10 }, () => generateAdminToken());
const config = (rateLimits: 'off' | 'monitor') =>
  buildConfig(
    {
      server: { state_dir: dir },
      blocklist: { file: netset },
      access: { rules: Array.from({ length: 20 }, (_, i) => ({ action: 'deny', cidr: `198.18.${i}.0/24` })) },
      policy: { rate_limits: { mode: rateLimits }, geo: { mode: 'off' } },
      audit: { file: join(dir, `audit-${rateLimits}.jsonl`) },
      admin: { tokens: tokens.map((t, i) => ({ name: `t${i}`, level: 'admin', sha256: t.sha256 })) },
      limits: { per_user: { bandwidth: '100MiB' } },
    },
    'bench',
  );
const conn = (i: number) => ({ id: i, remoteAddress: `100.64.${(i >> 8) & 255}.${i & 255}`, remotePort: 1, localAddress: '127.0.0.1', localPort: 443 });
const rate = (n: number, started: number) => Math.round(n / ((performance.now() - started) / 1000));

const sync = await createSecurityLayer({ config: config('off'), bus: new EventBus(), timers: false });
const limited = await createSecurityLayer({ config: config('monitor'), bus: new EventBus(), timers: false });
for (let i = 0; i < 100; i++) sync.blocks.add(`203.0.${i}.0/24`, 'bench');
const out: Record<string, number | string> = { node: process.version };
let started = performance.now();
for (let i = 0; i < 200_000; i++) {
  sync.gate.onAccept(conn(i));
  sync.gate.onClosed(conn(i));
}
out.onAccept_sync_per_s = rate(200_000, started);
started = performance.now();
for (let i = 0; i < 100_000; i++) {
  await limited.gate.onAccept(conn(i));
  limited.gate.onClosed(conn(i));
}
out.onAccept_rate_limited_per_s = rate(100_000, started);
started = performance.now();
for (let i = 0; i < 1_000_000; i++) limited.shaper.delayFor(`u${i & 15}`, 'up', 16_384);
out.shaper_delayFor_per_s = rate(1_000_000, started);
started = performance.now();
for (let i = 0; i < 20_000; i++) limited.audit.append({ type: 'bench', message: 'x', details: { i } });
out.audit_append_per_s = rate(20_000, started);
started = performance.now();
for (let i = 0; i < 50_000; i++) limited.tokens.verify(tokens[i % 10]!.token);
out.token_verify_per_s = rate(50_000, started);
started = performance.now();
const verified = await limited.audit.verifyFile();
out.audit_verify_lines_per_s = rate(verified.lines, started);
console.log(JSON.stringify(out));
await sync.close();
await limited.close();
rmSync(dir, { recursive: true, force: true });

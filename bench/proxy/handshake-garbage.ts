/**
 * What a handshake leaves in the old generation (issue 10), this build against another (e.g. the code before
 * wave 2), alternating: `node dist/bench/proxy/handshake-garbage.js --base-dir DIR [--base-dialect pre-wave2]
 * [--connections 1000] [--runs 2] [--kinds dd,ee] [--fast] [--json FILE]`.
 *
 * Per run and side a fresh proxy with the memory probe (memory-probe.ts): a full collection, then one batch of
 * handshaken idle connections (scenarios.ts: concurrency 32, one round trip each) and, 2 s later and with no
 * forced collection, the growth per connection of RSS and of V8's old space (`rawRss`, `rawOld`: what the
 * benchmark's idle figure sees). A full collection then splits the old-space growth into what the connections
 * keep (`liveHeap`) and what handshakes promoted and left as garbage (`garbageOld`). Whether V8 ran a
 * mark-compact inside the batch changes the raw figures, so only figures of one run side by side compare.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatSecret, generateSecret } from '../../src/protocol/secrets.js';
import { startProxy } from './child.js';
import { startEchoDc } from './fake-dc.js';
import { rssBytes } from './proc.js';
import { handshakes, open, pool, roundTrip, sleep, type Target } from './scenarios.js';
import { alternationOrder } from './stats.js';

type Kind = 'dd' | 'ee';

export interface GarbageRow {
  run: number;
  kind: Kind;
  side: 'base' | 'this';
  fastMode: boolean;
  /** KiB per connection. */
  rawRss: number;
  rawOld: number;
  garbageOld: number;
  liveHeap: number;
}

export interface GarbageOptions {
  baseDir: string;
  baseDialect?: 'current' | 'pre-wave2';
  connections: number;
  runs: number;
  kinds: Kind[];
  fastMode: boolean;
}

export async function runHandshakeGarbage(options: GarbageOptions, onRow: (row: GarbageRow) => void = () => {}): Promise<GarbageRow[]> {
  const secrets = { dd: generateSecret('dd'), ee: generateSecret('ee', 'www.example.com') };
  const users = options.kinds.map((k) => ({ name: `bench_${k}`, secret: formatSecret(secrets[k], 'hex') }));
  const dc = await startEchoDc();
  const rows: GarbageRow[] = [];
  const perConnection = (bytes: number) => +(bytes / options.connections / 1024).toFixed(2);
  const order = alternationOrder(options.runs, ['base', 'this'] as const);
  try {
    for (let run = 0; run < options.runs; run++) {
      for (const kind of options.kinds) {
        for (const side of order[run]!) {
          const base = side === 'base';
          const proxy = await startProxy({
            dcPort: dc.port,
            users,
            fastMode: options.fastMode,
            memoryProbe: true,
            packageDir: base ? options.baseDir : undefined,
            configDialect: base ? options.baseDialect : undefined,
          });
          const probe = proxy.probe!;
          const target: Target = { host: '127.0.0.1', port: proxy.port, pid: proxy.pid, secret: secrets[kind], dc: 2, probe };
          const clients: Awaited<ReturnType<typeof open>>[] = [];
          try {
            // Warm-up: the first handshakes compile code and fill caches (not what a handshake leaves).
            await handshakes(target, { count: 50, concurrency: 4 });
            await sleep(1000);
            const before = await probe.afterGc();
            await sleep(300);
            const rssBefore = rssBytes(proxy.pid);
            await pool(options.connections, 32, async () => {
              const client = await open(target);
              clients.push(client);
              await roundTrip(client);
            });
            await sleep(2000);
            const raw = await probe.snapshot();
            const rssAfter = rssBytes(proxy.pid);
            const collected = await probe.afterGc();
            const oldUsed = (r: typeof raw) => r.spaces['old_space']?.used ?? 0;
            const row: GarbageRow = {
              run,
              kind,
              side,
              fastMode: options.fastMode,
              rawRss: perConnection(rssAfter - rssBefore),
              rawOld: perConnection(oldUsed(raw) - oldUsed(before)),
              garbageOld: perConnection(oldUsed(raw) - oldUsed(collected)),
              liveHeap: perConnection(collected.heapUsed - before.heapUsed),
            };
            rows.push(row);
            onRow(row);
          } finally {
            for (const c of clients) c.close();
            await proxy.stop();
          }
        }
      }
    }
  } finally {
    await dc.close();
  }
  return rows;
}

const entry = process.argv[1] ?? '';
if (entry.endsWith('handshake-garbage.js')) {
  const { values } = parseArgs({
    options: {
      'base-dir': { type: 'string' },
      'base-dialect': { type: 'string', default: 'pre-wave2' },
      connections: { type: 'string', default: '1000' },
      runs: { type: 'string', default: '2' },
      kinds: { type: 'string', default: 'dd,ee' },
      fast: { type: 'boolean', default: false },
      json: { type: 'string' },
    },
  });
  if (!values['base-dir']) throw new Error('give --base-dir: a checkout of the other build with dist/ built');
  const dialect = values['base-dialect'];
  if (dialect !== 'current' && dialect !== 'pre-wave2') throw new Error(`--base-dialect expects current or pre-wave2, got "${dialect}"`);
  const rows = await runHandshakeGarbage(
    {
      baseDir: values['base-dir'],
      baseDialect: dialect,
      connections: Number(values.connections),
      runs: Number(values.runs),
      kinds: values.kinds!.split(',').filter((k): k is Kind => k === 'dd' || k === 'ee'),
      fastMode: values.fast!,
    },
    (row) => console.log(JSON.stringify(row)),
  );
  if (values.json) writeFileSync(values.json, JSON.stringify({ schema: 'mtshield.bench.handshake-garbage/1', rows }, null, 1));
}

/**
 * The benchmark's side of the memory probe (memory-probe.ts): the node flags and environment that load it into
 * a proxy process, and the questions asked of it over loopback. Readings are taken between batches of the
 * idle-memory scenario (scenarios.ts), never while connections are being opened.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packagePath } from '../../src/util/paths.js';
import { PROBE_FILE_ENV, type AllocationSite, type MemoryReading } from './memory-probe.js';

export type { AllocationSite, MemoryReading };

export interface MemoryProbe {
  /** The figures now. */
  snapshot(): Promise<MemoryReading>;
  /** The figures after a full collection: what is live. */
  afterGc(): Promise<MemoryReading>;
  /**
   * `all` (default): every allocation; `promoted`: leaving out what scavenges collected (what reached the old
   * generation); `live`: leaving out what any collection freed (stop after afterGc() for what is live).
   */
  startSampling(kind?: 'all' | 'promoted' | 'live'): Promise<void>;
  /** Allocation sites by bytes sampled since startSampling, collected objects included. */
  stopSampling(callers?: number): Promise<AllocationSite[]>;
  /** Writes a heap snapshot of the proxy to `file`. */
  heapSnapshot(file: string): Promise<void>;
}

/** How to start a proxy with the probe in it: `nodeArgs` and `env` for child.ts, and the probe to ask. */
export function memoryProbeLaunch(dir: string): { nodeArgs: string[]; env: Record<string, string>; probe: MemoryProbe } {
  const file = join(dir, `memory-probe-${process.pid}-${Math.random().toString(36).slice(2)}.port`);
  // The compiled probe (`npm run build`): node loads it with --import, from source runs (vitest) too.
  const module = pathToFileURL(packagePath('dist/bench/proxy/memory-probe.js')).href;
  const ask = async <T>(command: string): Promise<T> => askProbe<T>(Number(readFileSync(file, 'utf8')), command);
  return {
    nodeArgs: ['--import', module],
    env: { [PROBE_FILE_ENV]: file },
    probe: {
      snapshot: () => ask<MemoryReading>('snapshot'),
      afterGc: () => ask<MemoryReading>('gc'),
      startSampling: async (kind = 'all') => void (await ask<unknown>(kind === 'all' ? 'sample-start' : `sample-${kind}`)),
      stopSampling: (callers = 0) => ask<AllocationSite[]>(`sample-stop ${callers}`),
      heapSnapshot: async (path) => void (await ask<unknown>(`heap-snapshot ${path}`)),
    },
  };
}

function askProbe<T>(port: number, command: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    socket.setEncoding('utf8');
    socket.setTimeout(30_000, () => socket.destroy(new Error(`the memory probe did not answer "${command}" within 30 s`)));
    socket.once('connect', () => socket.write(`${command}\n`));
    socket.on('data', (chunk: string) => (text += chunk));
    socket.once('error', reject);
    socket.once('end', () => {
      try {
        const value = JSON.parse(text) as T & { error?: string };
        if (value && typeof value === 'object' && 'error' in value && typeof value.error === 'string') reject(new Error(`memory probe: ${value.error}`));
        else resolve(value);
      } catch (err) {
        reject(err as Error);
      }
    });
  });
}

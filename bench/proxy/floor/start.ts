/**
 * Starts a floor subject as its own process, with the launch settings the installed bin uses
 * (src/util/launch.ts: RUN_NODE_FLAGS, RUN_ENV), and waits until it listens (docs/benchmarks.md "Floor subjects").
 * The programs run from the build (dist/bench/proxy/floor/*.js): `npm run build` first.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../../../src/util/paths.js';
import { RUN_ENV, RUN_NODE_FLAGS } from '../../../src/util/launch.js';
import { freePort, launchListening, type ListeningProcess } from '../launch.js';

export const FLOOR_KINDS = ['pipe', 'crypto', 'crypto-echo'] as const;
export type FloorKind = (typeof FLOOR_KINDS)[number];

export interface FloorOptions {
  /** The `pipe` subject's echo target, or the fake DC for `crypto`; unused by `crypto-echo`. */
  upstreamPort: number;
  /** The users' 16-byte keys. */
  secrets: readonly Uint8Array[];
}

export function floorProgram(kind: FloorKind): string {
  return packagePath('dist', 'bench', 'proxy', 'floor', kind === 'pipe' ? 'pipe.js' : 'crypto.js');
}

export async function startFloor(kind: FloorKind, options: FloorOptions): Promise<ListeningProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'mtshield-bench-floor-'));
  const port = await freePort();
  const secrets = options.secrets.flatMap((s) => ['--secret', Buffer.from(s).toString('hex')]);
  const target = kind === 'crypto-echo' ? ['--echo'] : ['--upstream', `127.0.0.1:${options.upstreamPort}`];
  return launchListening({
    command: process.execPath,
    args: [...RUN_NODE_FLAGS, floorProgram(kind), '--port', String(port), ...target, ...secrets],
    env: { ...process.env, ...RUN_ENV },
    port,
    dir,
  });
}

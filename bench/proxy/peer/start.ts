/**
 * Starts the peer, alexbers/mtprotoproxy, from an operator-provided checkout (`--peer-dir`) under Debian's
 * python3 with python3-cryptography, with the config and loopback-only launcher of config.ts written to a
 * temporary directory (docs/benchmarks.md, "Peer mode").
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, launchListening, type ListeningProcess } from '../launch.js';
import { peerConfigSource, peerLauncherSource, type PeerMiddleOptions, type PeerUser } from './config.js';

export const DEFAULT_PEER_PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export interface PeerOptions {
  peerDir: string;
  python?: string;
  dcPort: number;
  frontPort: number;
  users: readonly PeerUser[];
  tlsDomain: string;
  /** Middle mode: through the echo middle proxy with this ad tag (absent: direct mode). */
  middle?: (PeerMiddleOptions & { adTagHex: string }) | undefined;
}

/** Why the peer cannot run from `peerDir`, or undefined when it can be started. */
export function peerUnavailable(peerDir: string | undefined): string | undefined {
  if (!peerDir) return 'no --peer-dir given: the peer (alexbers/mtprotoproxy) is skipped';
  if (!existsSync(join(peerDir, 'mtprotoproxy.py'))) return `no mtprotoproxy.py in ${peerDir}: the peer is skipped`;
  return undefined;
}

export async function startPeer(options: PeerOptions): Promise<ListeningProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'mtshield-bench-peer-'));
  const port = await freePort();
  const configPath = join(dir, 'peer_config.py');
  const launcherPath = join(dir, 'launch_peer.py');
  const { middle } = options;
  writeFileSync(
    configPath,
    peerConfigSource({ port, dcPort: options.dcPort, frontPort: options.frontPort, users: options.users, tlsDomain: options.tlsDomain, middleAdTagHex: middle?.adTagHex }),
  );
  writeFileSync(launcherPath, peerLauncherSource({ peerDir: resolve(options.peerDir), configPath, dcPort: options.dcPort, middle }));
  return launchListening({
    command: options.python ?? DEFAULT_PEER_PYTHON,
    args: ['-u', launcherPath],
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    port,
    dir,
  });
}

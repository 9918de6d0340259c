/**
 * Runs the proxy under test as its own process, exactly as an operator would (`<RUN_ENV> node <RUN_NODE_FLAGS>
 * bin/mtshield.js run --config FILE`, src/util/launch.ts), so its CPU time and resident memory can be read from /proc without the load
 * generator's own work mixed in. The config points every DC at the fake DC and lifts the per-IP limits,
 * since all load comes from 127.0.0.1.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../../src/util/paths.js';
import { RUN_ENV, RUN_NODE_FLAGS } from '../../src/util/launch.js';
import { freePort, launchListening, type ListeningProcess } from './launch.js';
import { memoryProbeLaunch, type MemoryProbe } from './memory-probe-client.js';

export interface ProxyUser {
  name: string;
  secret: string;
}

export interface ProxyOptions {
  dcPort: number;
  users: ProxyUser[];
  fastMode: boolean;
  /** Extra `node` flags for the proxy process (none by default). */
  nodeArgs?: string[];
  /** Extra environment for the proxy process (e.g. MTSHIELD_KERNEL_AES_256_CTR to force a kernel). */
  env?: Record<string, string>;
  /**
   * Front clients that fail the handshake to this port on 127.0.0.1 (never to the secret's domain). Without
   * it, port 1 on 127.0.0.1 (closed): `run` profiles the fronting site at start (issue 15), and that must not
   * be the secret's public domain; a closed port gives the fallback profile.
   */
  frontPort?: number;
  /** TOML appended to the config (e.g. the anomaly thresholds lifted for the junk-hello scenario). */
  extraToml?: string;
  /** `[server] workers` (default 1: one process). */
  workers?: number;
  /**
   * Another build of mtshield to run (a checkout with dist/ built), for A/B runs in one harness; default: this
   * package. `configDialect` 'pre-wave2' writes the config that builds before wave 2 accept (no `workers`, no
   * `[fronting]`: their schema refuses unknown keys).
   */
  packageDir?: string;
  configDialect?: 'current' | 'pre-wave2';
  /** Load the memory probe (memory-probe.ts) into the proxy; the result then has `probe`. */
  memoryProbe?: boolean;
}

export interface ProxyUnderTest extends ListeningProcess {
  configText: string;
  probe?: MemoryProbe;
}

export function proxyConfig(port: number, stateDir: string, options: ProxyOptions): string {
  const current = options.configDialect !== 'pre-wave2';
  const users = options.users.map((u) => `[users.${u.name}]\nsecret = "${u.secret}"\n`).join('\n');
  return `# written by mtshield bench --proxy
[server]
listen = ["127.0.0.1:${port}"]
fast_mode = ${options.fastMode}
state_dir = ${JSON.stringify(stateDir)}
idle_timeout = "30m"
drain_timeout = "1s"
max_connections = 100000
${current ? `workers = ${options.workers ?? 1}` : ''}

${users}
${current ? `[fronting]\nhost = "127.0.0.1"\nport = ${options.frontPort ?? 1}\n` : ''}
[upstream.dc]
"2" = ["127.0.0.1:${options.dcPort}"]
"-2" = ["127.0.0.1:${options.dcPort}"]

[log]
level = "warn"

[admin]
listen = "off"

[limits.per_ip]
new_connections_per_second = 1000000
failed_handshakes_per_minute = 1000000
max_connections = 1000000
${options.extraToml ?? ''}`;
}

export async function startProxy(options: ProxyOptions): Promise<ProxyUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), 'mtshield-bench-'));
  const port = await freePort();
  const configText = proxyConfig(port, join(dir, 'state'), options);
  const configPath = join(dir, 'proxy.toml');
  writeFileSync(configPath, configText);
  const probing = options.memoryProbe ? memoryProbeLaunch(dir) : undefined;
  const bin = options.packageDir ? join(options.packageDir, 'bin/mtshield.js') : packagePath('bin/mtshield.js');
  const proc = await launchListening({
    command: process.execPath,
    args: [...RUN_NODE_FLAGS, ...(probing?.nodeArgs ?? []), ...(options.nodeArgs ?? []), bin, 'run', '--config', configPath],
    env: { ...process.env, NODE_ENV: 'production', ...RUN_ENV, ...probing?.env, ...options.env },
    port,
    dir,
  });
  return { ...proc, configText, probe: probing?.probe };
}

/**
 * Runs the proxy under test as its own process, exactly as an operator would (`<RUN_ENV> node <RUN_NODE_FLAGS>
 * bin/mtshield.js run --config FILE`, src/util/launch.ts), so its CPU time and resident memory can be read from /proc without the load
 * generator's own work mixed in. The config points every DC at the fake DC and lifts the per-IP limits,
 * since all load comes from 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../../src/util/paths.js';
import { RUN_ENV, RUN_NODE_FLAGS } from '../../src/util/launch.js';

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
}

export interface ProxyUnderTest {
  pid: number;
  port: number;
  configText: string;
  /** The last lines the proxy wrote (for error messages). */
  output(): string;
  stop(): Promise<void>;
}

export function proxyConfig(port: number, stateDir: string, options: ProxyOptions): string {
  const users = options.users.map((u) => `[users.${u.name}]\nsecret = "${u.secret}"\n`).join('\n');
  return `# written by mtshield bench --proxy
[server]
listen = ["127.0.0.1:${port}"]
fast_mode = ${options.fastMode}
state_dir = ${JSON.stringify(stateDir)}
idle_timeout = "30m"
drain_timeout = "1s"
max_connections = 100000

${users}
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
`;
}

export async function startProxy(options: ProxyOptions): Promise<ProxyUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), 'mtshield-bench-'));
  const port = await freePort();
  const configText = proxyConfig(port, join(dir, 'state'), options);
  const configPath = join(dir, 'proxy.toml');
  writeFileSync(configPath, configText);
  const child: ChildProcess = spawn(process.execPath, [...RUN_NODE_FLAGS, ...(options.nodeArgs ?? []), packagePath('bin/mtshield.js'), 'run', '--config', configPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production', ...RUN_ENV, ...options.env },
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) => child.once('exit', (code) => {
    exited = code;
    resolve();
  }));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    await waitForListener(port, () => exited, 20_000);
  } catch (err) {
    child.kill('SIGKILL');
    await exit;
    cleanup();
    throw new Error(`${(err as Error).message}\n--- proxy output ---\n${tail}`);
  }
  return {
    pid: child.pid!,
    port,
    configText,
    output: () => tail,
    async stop() {
      if (exited === undefined) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exit;
        clearTimeout(killer);
      }
      cleanup();
    },
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForListener(port: number, exited: () => number | null | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited() !== undefined) throw new Error(`the proxy exited with code ${exited()} before listening`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the proxy did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

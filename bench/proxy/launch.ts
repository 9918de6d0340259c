/**
 * Starts a proxy process for the benchmark and waits until it listens on 127.0.0.1: shared by mtshield
 * (child.ts) and the peer (peer/start.ts), so both are started, watched and stopped the same way. The
 * process's pid is what /proc is read for; its last output is kept for error messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';

export interface ListeningProcess {
  pid: number;
  port: number;
  /** The last lines the process wrote (for error messages). */
  output(): string;
  /** SIGTERM, SIGKILL after 5 s, then removes `dir`. */
  stop(): Promise<void>;
}

export interface LaunchOptions {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** The port it was told to listen on (127.0.0.1). */
  port: number;
  /** A temporary directory removed when the process stops. */
  dir: string;
  startTimeoutMs?: number;
}

export async function launchListening(options: LaunchOptions): Promise<ListeningProcess> {
  const child: ChildProcess = spawn(options.command, options.args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exited = code;
      resolve();
    }),
  );
  child.once('error', (err) => {
    tail += `\n${err.message}`;
    exited = null;
  });
  const cleanup = () => rmSync(options.dir, { recursive: true, force: true });
  try {
    await waitForListener(options.port, () => exited, options.startTimeoutMs ?? 20_000);
  } catch (err) {
    child.kill('SIGKILL');
    if (child.pid !== undefined) await exit;
    cleanup();
    throw new Error(`${(err as Error).message}\n--- ${options.command} output ---\n${tail}`);
  }
  return {
    pid: child.pid!,
    port: options.port,
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

export async function freePort(): Promise<number> {
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
    if (exited() !== undefined) throw new Error(`the process exited with code ${exited()} before listening`);
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
  throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

/** Listens on a port the system picks on `host` and returns it. */
export async function listenOnPort0(server: Server, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error(`no TCP address on ${host}`);
  return address.port;
}

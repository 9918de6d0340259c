/**
 * Spawns `mtshield` as a child process (from source via tsx, or any installed executable) for signal, CLI and
 * install tests, with helpers to wait for log lines and for the exit. Every child is killed in `stop()`.
 * `runCli` runs the proxy as started (MTSHIELD_NO_REEXEC=1): a relaunched proxy is a grandchild in its own process
 * group that a SIGKILL of the child does not reach; test/proxy/reexec*.test.ts ask for the relaunch themselves.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ENTRY = fileURLToPath(new URL('./cli-entry.ts', import.meta.url));
// tsx's ESM loader by absolute URL, so the child can run from any working directory.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;

export interface CliProcess {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Parsed NDJSON log lines seen so far. */
  logs: Record<string, unknown>[];
  waitForLog(pred: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited(timeoutMs?: number): Promise<number | null>;
  stop(): void;
}

export function runCli(args: string[], cwd: string): CliProcess {
  return runCommand(process.execPath, ['--import', TSX, ENTRY, ...args], cwd, { MTSHIELD_NO_REEXEC: '1' });
}

/** Any mtshield executable (e.g. an installed bin, started through its shebang), with the same helpers. */
export function runCommand(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): CliProcess {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, MTSHIELD_CACHE_DIR: cwd, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc: CliProcess = {
    child,
    stdout: '',
    stderr: '',
    logs: [],
    waitForLog(pred, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = proc.logs.find(pred);
          if (hit) {
            clearTimeout(timer);
            child.stdout!.removeListener('data', check);
            resolve(hit);
          }
        };
        const timer = setTimeout(() => {
          child.stdout!.removeListener('data', check);
          reject(new Error(`log line not seen; stderr: ${proc.stderr.slice(-500)}`));
        }, timeoutMs);
        child.stdout!.on('data', check);
        check();
      });
    },
    exited(timeoutMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('process did not exit')), timeoutMs);
        child.once('exit', (code) => {
          clearTimeout(timer);
          resolve(code);
        });
      });
    },
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      // A relaunched proxy (src/util/launch.ts) says its own pid when ready: take it down too, whatever its state.
      const relaunched = proc.logs.find((line) => line['msg'] === 'ready')?.['pid'];
      if (typeof relaunched === 'number' && relaunched !== child.pid) {
        try {
          process.kill(relaunched, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    proc.stdout += chunk.toString();
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      try {
        proc.logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (proc.stderr += chunk.toString()));
  return proc;
}

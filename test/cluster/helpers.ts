/**
 * Forking the TypeScript stand-in workers in test/cluster/fixtures (through `node --import tsx`, with an IPC
 * channel as node:cluster gives), waiting for their { ready: true }, and killing whatever a test left running.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const forked: ChildProcess[] = [];

export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

export function forkTsWorker(file: string, env: Record<string, string> = {}): ChildProcess {
  const child = fork(file, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  forked.push(child);
  return child;
}

/** Forks and resolves once the worker sent { ready: true }; rejects when it exits first. */
export async function forkReady(file: string, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = forkTsWorker(file, env);
  await new Promise<void>((resolve, reject) => {
    child.on('message', (m: { ready?: boolean }) => m.ready && resolve());
    child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
  });
  return child;
}

/** SIGKILLs every worker forked by this file's tests that is still running (use in afterEach). */
export function killForked(): void {
  for (const child of forked.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

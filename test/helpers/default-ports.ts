/**
 * The embedded defaults bind fixed ports (0.0.0.0:8443 for the proxy, 127.0.0.1:9100 for the admin plane), and
 * more than one test file runs `mtshield run` on them (test/proxy/cli-defaults.test.ts from the checkout,
 * test/install/pack-install.test.ts from the installed package). vitest runs files in parallel processes, so they
 * take turns through a lock directory: mkdir is atomic, and a lock whose holder died is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const LOCK = join(tmpdir(), 'mtshield-default-ports.lock');

function holderAlive(): boolean {
  try {
    const pid = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // ENOENT: the holder has made the directory but not written its pid yet; EPERM: alive, not ours
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'EPERM';
  }
}

/** Waits (bounded) for the default ports to be this process's; returns the release function. */
export async function takeDefaultPorts(timeoutMs = 240_000): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      return () => rmSync(LOCK, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (!holderAlive()) {
      await sleep(200); // a holder between mkdir and writing its pid gets its moment
      if (!holderAlive()) rmSync(LOCK, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`the embedded defaults' ports stayed taken by another test for ${timeoutMs} ms (${LOCK})`);
    await sleep(250);
  }
}

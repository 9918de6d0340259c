/**
 * Standard output and error whose reader has gone: a closed terminal, a supervisor or test runner that exited, the
 * parent of a relaunched proxy killed outright (src/util/launch.ts). Writing then fails with EPIPE, which must
 * neither crash the proxy (an unhandled 'error' on process.stderr is a fatal exception) nor hang its exit:
 * pino's writer (sonic-boom) flushes what it still holds when the process exits and retries a failed write there
 * for as long as it fails, so a broken pipe at that moment used to leave a process that could never exit and, its
 * main thread asleep in that loop, ran no signal handler again (only SIGKILL ended it).
 */
import { writeSync } from 'node:fs';

let readerGone = false;
let guarded = false;

const isBrokenPipe = (err: unknown): boolean => (err as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';

/** Errors writing to stdout/stderr are not the proxy's to die of: noted (EPIPE), then ignored. */
export function guardStdio(): void {
  if (guarded) return;
  guarded = true;
  for (const stream of [process.stdout, process.stderr]) stream.on('error', noteBrokenPipe);
}

/**
 * Whether anyone still reads `fd`: false once a write failed with EPIPE. An empty write reports a closed peer on a
 * socket (how Node's child_process and systemd's journal connect stdio); on a pipe it cannot tell.
 */
export function readerPresent(fd: number): boolean {
  if (readerGone) return false;
  try {
    writeSync(fd, '');
  } catch (err) {
    if (isBrokenPipe(err)) readerGone = true;
  }
  return !readerGone;
}

/** Marks the reader gone (a writer saw EPIPE itself). */
export function noteBrokenPipe(err: unknown): void {
  if (isBrokenPipe(err)) readerGone = true;
}

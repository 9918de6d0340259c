/**
 * How a benchmark step fails without ending the run: its error is recorded next to its figures (a figure
 * that could not be measured is reported as such, and its target as FAIL), and a proxy process is always
 * stopped, with its last output attached to the error.
 */
import type { ListeningProcess } from './launch.js';

/** Runs `fn`; on failure records "what: message" in `holder.errors` and returns undefined. */
export async function attempt<T>(holder: { errors: string[] }, what: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    holder.errors.push(`${what}: ${(err as Error).message ?? String(err)}`);
    return undefined;
  }
}

/** Waits for the process to start, runs `body` against it and stops it; failures go to `onError`. */
export async function withProcess<P extends ListeningProcess>(
  starting: () => Promise<P>,
  body: (proc: P) => Promise<void>,
  onError: (message: string) => void,
): Promise<void> {
  let proc: P | undefined;
  try {
    proc = await starting();
    await body(proc);
  } catch (err) {
    onError(`${(err as Error).message ?? String(err)}${proc ? `\n--- proxy output ---\n${proc.output()}` : ''}`);
  } finally {
    await proc?.stop();
  }
}

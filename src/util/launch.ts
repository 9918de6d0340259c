/**
 * How the proxy process should be started: node flags and environment that only take effect when the process
 * starts (V8 sizes its heap and glibc reads its malloc settings once), so they are written where `mtshield run`
 * is launched: the `mtshield` bin's shebang, `npm start`, the proxy benchmark's child, the systemd unit
 * (contrib/systemd/mtshield.service) and the service examples in docs/operations.md. test/proxy/launch.test.ts keeps
 * those in step. However it is started (`node bin/mtshield.js run` in a unit or an image skips the shebang), `run`
 * starts itself once more with what is missing (relaunch below), unless MTSHIELD_NO_REEXEC=1 or --no-reexec says
 * the operator manages the flags; then it logs what is missing.
 *
 * The relay allocates about 2.5 bytes of short-lived node:crypto output per byte relayed (node:crypto cannot
 * write in place). Measured side by side (bench/proxy, 2 vCPUs, alternating runs, median CPU-s per GB):
 *
 * --max-semi-space-size=2        V8's young generation (default grows to 16 MiB per semi-space) is scavenged
 *                                often enough that those buffers are freed while still in cache: ee 1.07–1.25
 *                                against 1.36–1.48.
 * MALLOC_TRIM_THRESHOLD_=128 MiB glibc gives the top of its heap back to the kernel when more than 128 KiB are
 *                                free there, which after each scavenge meant unmapping and then faulting in and
 *                                zeroing the same pages again (perf: a third of the proxy's CPU in page faults in
 *                                fast mode): fast mode dd 0.80 against 1.76. Memory freed is kept for reuse, up
 *                                to 128 MiB above what is in use.
 */
import { spawn } from 'node:child_process';

export const RUN_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];
export const RUN_ENV: Readonly<Record<string, string>> = { MALLOC_TRIM_THRESHOLD_: '134217728' };

/** The launch settings this process started without: flags (command line or NODE_OPTIONS) and environment. */
export function missingLaunchSettings(
  execArgv: readonly string[] = process.execArgv,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string[] {
  const given = new Set([...execArgv, ...(env['NODE_OPTIONS'] ?? '').split(/\s+/)].filter(Boolean).map((f) => f.replace(/_/g, '-')));
  const flags = RUN_NODE_FLAGS.filter((flag) => !given.has(flag));
  const vars = Object.keys(RUN_ENV).filter((name) => env[name] === undefined).map((name) => `${name}=${RUN_ENV[name]}`);
  return [...flags, ...vars];
}

/** Set in the relaunched child: it never relaunches again, whatever it still misses. */
export const REEXEC_MARKER = 'MTSHIELD_REEXEC';
/** Set (to anything but "" or "0") by operators who pass the flags themselves. */
export const NO_REEXEC = 'MTSHIELD_NO_REEXEC';
const FORWARDED: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR2'];

export interface RelaunchPlan {
  readonly command: string;
  readonly args: string[];
  readonly env: Record<string, string | undefined>;
}

/**
 * The command that starts this process again with its launch settings, or undefined when it has them, was itself
 * relaunched, or the operator opted out. The child gets the same node, the same arguments and environment, with
 * the missing flags put first on node's command line and the missing variables added.
 */
export function relaunchPlan(
  execArgv: readonly string[] = process.execArgv,
  env: Readonly<Record<string, string | undefined>> = process.env,
  argv: readonly string[] = process.argv,
  execPath: string = process.execPath,
): RelaunchPlan | undefined {
  if (env[REEXEC_MARKER] !== undefined) return undefined;
  const optOut = env[NO_REEXEC];
  if (optOut !== undefined && optOut !== '' && optOut !== '0') return undefined;
  const missing = missingLaunchSettings(execArgv, env);
  if (missing.length === 0) return undefined;
  const flags = RUN_NODE_FLAGS.filter((flag) => missing.includes(flag));
  const vars: Record<string, string> = {};
  for (const name of Object.keys(RUN_ENV)) if (env[name] === undefined) vars[name] = RUN_ENV[name]!;
  return {
    command: execPath,
    args: [...flags, ...execArgv, ...argv.slice(1)],
    env: { ...env, ...vars, [REEXEC_MARKER]: '1' },
  };
}

/**
 * Runs the plan's child to its end: stdio shared, stop and reload signals passed on, and its exit passed through
 * (a child killed by a signal kills this process with the same signal). The child gets its own process group, so
 * a Ctrl-C in a terminal reaches it once, through this process, not twice (a second stop signal means "exit now");
 * and an IPC channel, whose end tells it this process is gone (killed with SIGKILL, say): see stopWithParent.
 */
export function relaunch(plan: RelaunchPlan): Promise<never> {
  const child = spawn(plan.command, plan.args, { env: plan.env, stdio: ['inherit', 'inherit', 'inherit', 'ipc'], detached: true });
  child.channel?.unref(); // the channel only tells the child when this process is gone
  const forward = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of FORWARDED) process.on(signal, forward);
  // This process may die without a signal handler running (SIGKILL aside): take the child along on exit.
  process.on('exit', () => forward('SIGKILL'));
  return new Promise<never>((_, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      for (const s of FORWARDED) process.removeListener(s, forward);
      if (signal !== null) {
        process.kill(process.pid, signal);
        return;
      }
      process.exit(code ?? 1);
    });
  });
}

/**
 * In a relaunched child: when the parent that relaunched it is gone, stop as on SIGTERM (drain, then exit), so a
 * killed parent never leaves a proxy running on its own. Called once the child's SIGTERM handler is installed; a
 * parent killed while the child was still loading has closed the channel already, and Node emits 'disconnect'
 * once, to whoever listened at the time: so a channel found closed here counts as a parent gone too.
 */
export function stopWithParent(): void {
  if (process.env[REEXEC_MARKER] === undefined || typeof process.send !== 'function') return; // no channel: not relaunch()ed
  const parentGone = (): void => void process.kill(process.pid, 'SIGTERM');
  if (!process.connected) return parentGone();
  process.channel?.unref();
  process.once('disconnect', parentGone);
}

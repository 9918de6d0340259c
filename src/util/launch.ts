/**
 * How the proxy process should be started: node flags and environment that only take effect when the process
 * starts (V8 sizes its heap and glibc reads its malloc settings once), so they are written where `mtshield run`
 * is launched: the `mtshield` bin's shebang, `npm start`, the proxy benchmark's child, the systemd unit
 * (contrib/systemd/mtshield.service) and the service examples in docs/operations.md. test/proxy/launch.test.ts keeps those in step; `run` logs what is missing.
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

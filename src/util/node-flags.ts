/**
 * Node flags for the proxy process. They size V8's heap, which only a flag given when Node starts can do (a
 * flag set at run time is ignored; `v8.setFlagsFromString` cannot resize the young generation), so they are
 * written where `mtshield run` is started: the `mtshield` bin's shebang, `npm start`, the proxy benchmark's
 * child, and the service examples in docs/operations.md. test/proxy/node-flags.test.ts keeps those in step.
 *
 * --max-semi-space-size=2: the relay allocates about 2.5 bytes of short-lived node:crypto output per byte
 *   relayed. A young generation of 2 MiB per semi-space (V8's default grows to 16) is scavenged often enough
 *   that those buffers are freed while still in cache and malloc hands the same memory back, instead of
 *   32 MiB of fresh pages per cycle. Measured side by side (bench/proxy, ee, 2 vCPUs, five alternating runs):
 *   1.07–1.25 against 1.36–1.48 CPU-s per GB, median.
 */
export const RUN_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];

/** The flags of RUN_NODE_FLAGS this process was started without (from the command line or NODE_OPTIONS). */
export function missingRunNodeFlags(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env['NODE_OPTIONS'] ?? ''): string[] {
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)].filter(Boolean).map((f) => f.replace(/_/g, '-')));
  return RUN_NODE_FLAGS.filter((flag) => !given.has(flag));
}

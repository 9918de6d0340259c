/**
 * The junk-hello flood of the flood scenario (flood.ts), run as its own process so the flood's sockets do not
 * share an event loop with the good client whose latency is measured. Forked with IPC; it floods from the
 * moment it starts, one connection in flight per source address, and on the parent's "stop" message answers
 * with the number of hellos sent and exits. A fake-TLS ClientHello with the right SNI and a wrong key
 * (docs/protocol.md "ClientHello"), the same as the junk scenario's.
 */
import { junkHello, sendAndDrop } from './per-connection.js';

export interface FloodSourceArgs {
  host: string;
  port: number;
  domain: string;
  sources: string[];
  waitMs: number;
}

export interface FloodSourceReport {
  hellos: number;
}

async function main(args: FloodSourceArgs): Promise<void> {
  // Made beforehand, so the flood's rate is not capped by building hellos.
  const hellos = Array.from({ length: 256 }, () => junkHello('faketls', args.domain));
  const target = { host: args.host, port: args.port };
  let running = true;
  let sent = 0;
  const flooders = args.sources.map(async (source, i) => {
    for (let n = i; running; n += args.sources.length) {
      await sendAndDrop(target, hellos[n % hellos.length]!, args.waitMs, source);
      sent++;
    }
  });
  process.send?.({ ready: true });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  running = false;
  await Promise.all(flooders);
  const report: FloodSourceReport = { hellos: sent };
  process.send?.(report, () => process.disconnect());
}

if (process.send) {
  const args = JSON.parse(process.argv[2] ?? '{}') as FloodSourceArgs;
  main(args).catch((err: unknown) => {
    process.stderr.write(`flood source: ${(err as Error).message}\n`);
    process.exit(1);
  });
}

/**
 * The floor programs' command line: `--port N` to listen on 127.0.0.1, `--upstream HOST:PORT` to dial,
 * `--secret HEX` (16-byte keys, repeatable), `--echo` for the `crypto` subject without its dial.
 */
import { parseArgs } from 'node:util';

export interface FloorArgs {
  port: number;
  upstream?: { host: string; port: number };
  secrets: Buffer[];
  echo: boolean;
}

export function floorArgs(argv = process.argv.slice(2)): FloorArgs {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string' }, upstream: { type: 'string' }, secret: { type: 'string', multiple: true }, echo: { type: 'boolean' } },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port <= 0) throw new Error('--port N is required');
  const upstream = values.upstream ? /^(.+):(\d+)$/.exec(values.upstream) : null;
  if (values.upstream && !upstream) throw new Error('--upstream expects HOST:PORT');
  const secrets = (values.secret ?? []).map((hex) => Buffer.from(hex, 'hex'));
  if (secrets.some((s) => s.length !== 16)) throw new Error('--secret expects 32 hex digits');
  return { port, upstream: upstream ? { host: upstream[1]!, port: Number(upstream[2]) } : undefined, secrets, echo: values.echo ?? false };
}

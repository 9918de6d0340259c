/**
 * A config for `mtshield run` that stays on loopback: the proxy and the admin plane on free 127.0.0.1 ports,
 * the state in the given directory, and the fronting site and DC 2 pointed at a loopback port where nothing
 * listens, so no client (there is none in these tests) could make the proxy reach a public address.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../helpers/net.js';

export interface LoopbackConfig {
  file: string;
  port: number;
  adminPort: number;
}

export async function writeLoopbackConfig(dir: string, user: string, secret: string): Promise<LoopbackConfig> {
  const [port, adminPort, closed] = [await freePort(), await freePort(), await freePort()];
  const file = join(dir, 'mtshield.toml');
  writeFileSync(
    file,
    [
      '[server]',
      `listen = ["127.0.0.1:${port}"]`,
      `state_dir = ${JSON.stringify(join(dir, 'state'))}`,
      `[users.${user}]`,
      `secret = "${secret}"`,
      '[fronting]',
      'host = "127.0.0.1"',
      `port = ${closed}`,
      '[upstream.dc]',
      `"2" = ["127.0.0.1:${closed}"]`,
      '[admin]',
      `listen = "127.0.0.1:${adminPort}"`,
      '',
    ].join('\n'),
  );
  return { file, port, adminPort };
}

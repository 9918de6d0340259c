/**
 * Middle mode from the command line: `doctor` checks each middle proxy of a table on 127.0.0.1 (reachable,
 * handshake), `run` refuses to start without its files (naming the file and how to get it), `access` prints
 * the same links in both modes.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { freePort } from '../../helpers/net.js';
import { makeStateDir } from '../../helpers/proxy.js';
import { FakeMiddleProxy } from './fake-middle-proxy.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function run(args: string[], cwd: string) {
  const cli = runCli(args, cwd);
  try {
    const code = await cli.exited(30_000);
    return { code, stdout: cli.stdout, stderr: cli.stderr };
  } finally {
    cli.stop();
  }
}

const USER = '[users.alice]\nsecret = "dd000102030405060708090a0b0c0d0e0f"\n';

function middleToml(dir: string, extra = ''): string {
  return (
    `[server]\nlisten = ["127.0.0.1:0"]\nstate_dir = "${dir}"\n${USER}` +
    `[upstream]\nmode = "middle"\nad_tag = "0123456789abcdef0123456789abcdef"\n` +
    `[upstream.middle]\nproxy_secret = "${join(dir, 'proxy-secret')}"\nproxy_config = "${join(dir, 'proxy-multi.conf')}"\n${extra}`
  );
}

describe('middle mode on the command line', () => {
  it('doctor checks each middle proxy of the table: the live one passes the handshake, a dead one fails', async () => {
    const dir = makeStateDir();
    const secret = randomBytes(128);
    const fake = await FakeMiddleProxy.start({ proxySecret: secret });
    cleanups.push(() => fake.close());
    const dead = await freePort();
    writeFileSync(join(dir, 'proxy-secret'), secret);
    writeFileSync(join(dir, 'proxy-multi.conf'), `default 2;\nproxy_for 2 127.0.0.1:${fake.port};\nproxy_for -2 127.0.0.1:${dead};\n`);
    writeFileSync(join(dir, 'mtshield.toml'), middleToml(dir));
    const out = await run(['doctor', '--config', join(dir, 'mtshield.toml')], dir);
    expect(out.stdout).toMatch(new RegExp(`OK\\s+middle\\s+127\\.0\\.0\\.1:${fake.port} \\(dc 2\\) handshake`));
    expect(out.stdout).toMatch(new RegExp(`FAIL\\s+middle\\s+127\\.0\\.0\\.1:${dead} \\(dc -2\\)`));
    expect(out.stdout).not.toMatch(/\sdc 1\s/); // the DCs themselves are not dialled in middle mode
    expect(out.code).toBe(0);
    expect(fake.violations).toEqual([]);
  });

  it('run refuses to start when a file is missing and download = false, naming the file and how to get it', async () => {
    const dir = makeStateDir();
    writeFileSync(join(dir, 'mtshield.toml'), middleToml(dir));
    const out = await run(['run', '--config', join(dir, 'mtshield.toml')], dir);
    expect(out.code).not.toBe(0);
    const said = out.stdout + out.stderr;
    expect(said).toContain(join(dir, 'proxy-secret'));
    expect(said).toMatch(/getProxySecret/);
    expect(said).toMatch(/download = true/);
  });

  it('access prints the same links in both modes', async () => {
    const dir = makeStateDir();
    const direct = join(dir, 'direct.toml');
    const middle = join(dir, 'middle.toml');
    writeFileSync(direct, `[server]\nlisten = ["0.0.0.0:443"]\npublic_host = "proxy.example.net"\n${USER}`);
    writeFileSync(middle, middleToml(dir).replace('listen = ["127.0.0.1:0"]', 'listen = ["0.0.0.0:443"]\npublic_host = "proxy.example.net"'));
    const [a, b] = [await run(['access', '--config', direct], dir), await run(['access', '--config', middle], dir)];
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(a.stdout).toContain('tg://proxy?server=proxy.example.net&port=443&secret=dd000102030405060708090a0b0c0d0e0f');
    expect(b.stdout).toBe(a.stdout);
  });
});

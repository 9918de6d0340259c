/** The operator commands as a process: generate-secret, access (links, QR), doctor on a bad config. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSecret } from '../../src/protocol/secrets.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'mtshield-cli-cmd-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = runCli(args, dir);
  try {
    const code = await cli.exited(20_000);
    return { code, stdout: cli.stdout, stderr: cli.stderr };
  } finally {
    cli.stop();
  }
}

describe('mtshield CLI', () => {
  it('generate-secret prints one valid secret per mode', async () => {
    const ee = await run(['generate-secret', '--domain', 'cdn.example.org']);
    expect(ee.code).toBe(0);
    const parsed = parseSecret(ee.stdout.trim());
    expect(parsed.mode).toBe('ee');
    expect(parsed.domain).toBe('cdn.example.org');
    const dd = await run(['generate-secret', '--mode', 'dd']);
    expect(dd.stdout.trim()).toMatch(/^dd[0-9a-f]{32}$/);
    const bad = await run(['generate-secret', '--mode', 'xx']);
    expect(bad.code).toBe(2);
  });

  it('access prints tg:// and t.me links for each enabled user, with a QR code on request', async () => {
    const file = join(dir, 'access.toml');
    writeFileSync(
      file,
      `[server]\nlisten = ["0.0.0.0:443"]\npublic_host = "proxy.example.net"\n` +
        `[users.alice]\nsecret = "ee000102030405060708090a0b0c0d0e0f7777772e676f6f676c652e636f6d"\n` +
        `[users.bob]\nsecret = "dd000102030405060708090a0b0c0d0e0f"\n[users.off]\nsecret = "000102030405060708090a0b0c0d0e0f"\nlevel = "none"\n`,
    );
    const out = await run(['access', '--config', file, '--qr']);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('tg://proxy?server=proxy.example.net&port=443&secret=ee000102030405060708090a0b0c0d0e0f7777772e676f6f676c652e636f6d');
    expect(out.stdout).toContain('https://t.me/proxy?server=proxy.example.net&port=443&secret=dd000102030405060708090a0b0c0d0e0f');
    expect(out.stdout).not.toContain('off:');
    expect(out.stdout).toMatch(/[▄▀█]{10,}/);
  });

  it('doctor fails on an invalid config and names the key', async () => {
    const file = join(dir, 'bad.toml');
    writeFileSync(file, `[server]\nlisten = "nowhere"\n`);
    const out = await run(['doctor', '--config', file]);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/FAIL\s+config[\s\S]*server\.listen/);
  });
});

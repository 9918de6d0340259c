/**
 * Regression: the ServerHello's x25519 key share must not deadlock Node. Exporting a freshly generated key
 * (`publicKey.export({ format: 'jwk' })`) holds the key's mutex while allocating; a GC there destroyed the
 * generating job, whose destructor took the same mutex, and the proxy's main thread waited forever (a
 * benchmark hung after about 10^4 fake-TLS handshakes). A small young generation makes GCs frequent, so the
 * old code hung within 10 000–30 000 keys here; the child runs 100 000 and must finish.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
const MODULE = pathToFileURL(join(import.meta.dirname, '..', '..', 'src', 'protocol', 'faketls-server.ts')).href;
const KEYS = 100_000;

const CHILD = `
const { x25519PublicKey } = await import(${JSON.stringify(MODULE)});
const seen = new Set();
for (let i = 0; i < ${KEYS}; i++) {
  const key = x25519PublicKey();
  if (key.length !== 32) throw new Error('bad key length ' + key.length);
  if (i < 1000) seen.add(Buffer.from(key).toString('hex'));
}
process.stdout.write('done ' + seen.size + '\\n');
`;

describe('x25519 key shares', () => {
  it(`${KEYS} fresh keys in a process with a tiny young generation: no deadlock, every key new`, async () => {
    const child = spawn(process.execPath, ['--max-semi-space-size=1', '--import', TSX, '--input-type=module', '-e', CHILD], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (err += c));
    const result = await new Promise<{ code: number | null; hung: boolean }>((resolve) => {
      // About 4 s of work on this machine class; a deadlocked child never exits.
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve({ code: null, hung: true });
      }, 30_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, hung: false });
      });
    });
    expect({ ...result, err }).toEqual({ code: 0, hung: false, err: '' });
    expect(out.trim()).toBe('done 1000');
  }, 40_000);
});

/**
 * Attack: swapping in a crypto kernel of the attacker's choosing with a (stolen) superuser token. The body's
 * `sha256` list must not replace the pins the process started with; `path` must stay inside the kernels
 * directory (`<state_dir>/kernels`, symlinks followed) and name a regular file under the size cap, so neither
 * an endless device (/dev/zero) nor a symlink out of the directory can be read.
 */
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/kernels/wasm/build.js';
import { startHarness, type Harness } from '../admin/helpers.js';
import { SHIPPED, tempDir } from '../kernels/registry-helpers.js';

let h: Harness;
let kernelsDir: string;
beforeAll(async () => {
  h = await startHarness({ withProxy: true });
  kernelsDir = join(h.stateDir, 'kernels');
  mkdirSync(kernelsDir, { recursive: true });
}, 30_000);
afterAll(async () => h?.close());

function swap(body: object) {
  return h.call('POST', '/api/v1/kernels/swap', { token: h.tokens.superuser, body });
}

/** The shipped build plus a custom section (ignored by the engine): it loads and passes, but is not pinned. */
function attackerBuild(): Buffer {
  const name = Buffer.from('evil');
  return Buffer.concat([readFileSync(SHIPPED['wasm-simd']), Buffer.from([0x00, name.length + 1, name.length]), name]);
}

describe('kernel swap', () => {
  it('an attacker who lists their own build\'s hash in the body cannot bypass the configured pins', async () => {
    const bytes = attackerBuild();
    const path = join(kernelsDir, 'attacker.wasm');
    writeFileSync(path, bytes);
    const res = await swap({ path, sha256: [sha256Hex(bytes)] });
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('ERR_KERNEL_SWAP_REFUSED');
    expect(res.json.message).toMatch(/not in the pinned list/);
    expect(h.kernels!.status().backends.find((b) => b.name === 'wasm-simd')!.sha256).not.toBe(sha256Hex(bytes));
  });

  it('an attacker cannot swap in a file through a symlink out of the kernels directory', async () => {
    // A pinned build outside the directory, reached through a symlink inside it: still refused.
    const outside = join(tempDir(), 'mtshield-simd.wasm');
    copyFileSync(SHIPPED['wasm-simd'], outside);
    symlinkSync(outside, join(kernelsDir, 'escape.wasm'));
    const escape = await swap({ path: join(kernelsDir, 'escape.wasm') });
    expect(escape.status).toBe(400);
    expect(escape.json.message).toMatch(/outside the kernels directory/);
    expect((await swap({ path: join(kernelsDir, '../../../etc/passwd') })).json.message).toMatch(/outside the kernels directory|cannot resolve/);
  });

  it('an attacker cannot make the proxy read /dev/zero (directly or by symlink) or an oversized file', async () => {
    const devZero = await swap({ path: '/dev/zero' });
    expect(devZero.status).toBe(400);
    expect(devZero.json.message).toMatch(/outside the kernels directory/);
    symlinkSync('/dev/zero', join(kernelsDir, 'zero.wasm'));
    expect((await swap({ path: 'zero.wasm' })).json.message).toMatch(/outside the kernels directory/);

    writeFileSync(join(kernelsDir, 'huge.wasm'), Buffer.alloc(5 * 1024 * 1024));
    const huge = await swap({ path: 'huge.wasm' });
    expect(huge.status).toBe(400);
    expect(huge.json.message).toMatch(/at most 4194304/);
  });

  it('a pinned build inside the kernels directory still swaps in (by relative path)', async () => {
    copyFileSync(SHIPPED['wasm-simd'], join(kernelsDir, 'mtshield-simd.wasm'));
    const res = await swap({ path: 'mtshield-simd.wasm' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ ok: true, sha256: sha256Hex(readFileSync(SHIPPED['wasm-simd'])) });
  });
});

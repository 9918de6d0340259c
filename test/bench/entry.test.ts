/**
 * The bench seam (src/cli/commands/bench.ts declares BenchEntry, bench/index.ts implements it): the CLI finds
 * the entry both from the sources and from the build, and the entry validates the flags against its catalog
 * before anything is timed. The built-CLI case needs `npm run build` first (npm test runs it).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadBenchEntry } from '../../src/cli/commands/bench.js';
import { packagePath } from '../../src/util/paths.js';

const run = promisify(execFile);

describe('bench entry', () => {
  it('loads from the sources and refuses an unknown algorithm before timing anything', async () => {
    const entry = await loadBenchEntry();
    await expect(entry.run({ algorithms: 'aes-256-ctr,rot13' })).rejects.toThrow('unknown algorithm "rot13"');
    await expect(entry.run({ proxy: true, kernel: 'auto' })).rejects.toThrow('--kernel expects');
  });

  it('the built CLI reaches it: `mtshield bench --backends nope` exits 1 naming the bad backend', async () => {
    const failed = await run(process.execPath, [packagePath('bin', 'mtshield.js'), 'bench', '--backends', 'native,nope'], { timeout: 20_000 }).then(
      () => undefined,
      (err: { code?: number; stderr?: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('unknown backend "nope"');
  });
});

/**
 * package.json "exports" lists only entry points the build produces (Node's package exports, nodejs.org/api/
 * packages.html#exports), and `mtshield/kernels` resolves by the package's own name to the registry's public face.
 * Needs `npm run build` first (npm test runs it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../src/util/paths.js';

const manifest = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { exports: Record<string, string> };

describe('package.json exports', () => {
  it.each(Object.entries(manifest.exports))('%s → %s exists after the build', (_name, target) => {
    expect(existsSync(packagePath(target))).toBe(true);
  });

  it("import('mtshield/kernels') gives loadKernels and the typed errors", async () => {
    const kernels = await import('mtshield/kernels' as string);
    expect(typeof kernels.loadKernels).toBe('function');
    expect(typeof kernels.KernelError).toBe('function');
    expect(kernels.ALGORITHMS).toContain('aes-256-ctr');
  });
});

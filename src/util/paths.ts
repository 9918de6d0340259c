/**
 * Locates files that ship with the package (build/*.wasm, config/*.toml, package.json) from this module's own
 * location, so an installed package (npm install -g, npx) finds them wherever it was unpacked and whatever the
 * working directory is. This file sits at one of two fixed depths below the package root: src/util/paths.ts when
 * run from source (vitest, tsx) and dist/src/util/paths.js when compiled. The root is the one of those two whose
 * package.json names this package; nothing else is searched, so a stray checkout further up is never picked.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MtShieldError } from '../errors.js';

/** The package name in package.json: the mark of the root. */
const PACKAGE_NAME = 'mtshield';

/** Directory levels from this module up to the package root: src/util, then dist/src/util. */
const LEVELS_UP = [2, 3] as const;

/** The package's own files are missing or belong to another package: an incomplete install, not bad input. */
export class PackageRootNotFoundError extends MtShieldError {
  constructor(searched: readonly string[]) {
    super('ERR_PACKAGE_ROOT', `mtshield: package root not found (no package.json named "${PACKAGE_NAME}" in ${searched.join(', ')}); reinstall the package`);
  }
}

let cachedRoot: string | undefined;

function namesThisPackage(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown }).name === PACKAGE_NAME;
  } catch {
    return false;
  }
}

/** The package root, found from `moduleDir` (this module's directory unless a test gives another). */
export function findPackageRoot(moduleDir: string = dirname(fileURLToPath(import.meta.url))): string {
  const candidates = LEVELS_UP.map((levels) => resolve(moduleDir, ...Array<string>(levels).fill('..')));
  const root = candidates.find(namesThisPackage);
  if (root === undefined) throw new PackageRootNotFoundError(candidates);
  return root;
}

export function packageRoot(): string {
  cachedRoot ??= findPackageRoot();
  return cachedRoot;
}

export function packagePath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}

/**
 * The rules at the seams of docs/architecture.md, checked on the sources: the data plane (proxy, upstreams,
 * protocol, kernels, fronting, vocabulary) never imports the security layer, the admin plane or the CLI, and the
 * config imports nothing above it. A new import across a seam fails here before it blurs the architecture.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = new URL('../../src/', import.meta.url).pathname;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** Top-level folders of src/ that `file` imports (relative imports only). */
function importedParts(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const parts = new Set<string>();
  for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g)) {
    const target = relative(SRC, join(file, '..', m[1] ?? m[2]));
    if (!target.startsWith('..')) parts.add(target.split('/')[0]);
  }
  return [...parts];
}

const RULES: { part: string; never: string[] }[] = [
  { part: 'proxy', never: ['security', 'admin', 'cli', 'cluster'] },
  { part: 'upstream', never: ['security', 'admin', 'cli', 'cluster'] },
  { part: 'protocol', never: ['security', 'admin', 'cli', 'proxy', 'config', 'state', 'cluster'] },
  { part: 'kernels', never: ['security', 'admin', 'cli', 'proxy', 'config'] },
  { part: 'fronting', never: ['security', 'admin', 'cli'] },
  { part: 'vocabulary', never: ['security', 'admin', 'cli', 'proxy', 'config', 'state', 'kernels'] },
  { part: 'config', never: ['security', 'admin', 'cli', 'proxy', 'upstream', 'state', 'cluster'] },
];

describe('the seams of docs/architecture.md', () => {
  for (const { part, never } of RULES) {
    it(`src/${part} imports none of ${never.join(', ')}`, () => {
      const crossings: string[] = [];
      for (const file of sources(join(SRC, part))) {
        for (const imported of importedParts(file)) {
          if (never.includes(imported)) crossings.push(`${relative(SRC, file)} → src/${imported}`);
        }
      }
      expect(crossings).toEqual([]);
    });
  }
});

/**
 * The node flags of the proxy process (src/util/node-flags.ts) are written where `mtshield run` starts: the bin's
 * shebang, `npm start`, the benchmark's child and the operations guide. A started proxy without them says so.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RUN_NODE_FLAGS, missingRunNodeFlags } from '../../src/util/node-flags.js';
import { packagePath } from '../../src/util/paths.js';

const read = (path: string) => readFileSync(packagePath(path), 'utf8');

describe('node flags for mtshield run', () => {
  it('the bin shebang, npm start and the operations guide carry every flag', () => {
    const shebang = read('bin/mtshield.js').split('\n')[0]!;
    const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts['start']!;
    for (const flag of RUN_NODE_FLAGS) {
      expect(shebang).toContain(` ${flag}`);
      expect(start).toMatch(new RegExp(`^node ${flag.replace(/[-=]/g, '\\$&')} .*bin/mtshield\\.js run`));
      expect(read('docs/operations.md')).toContain(`node ${flag} bin/mtshield.js run --config`);
    }
    expect(read('bench/proxy/child.ts')).toContain('...RUN_NODE_FLAGS');
  });

  it('finds the flags given on the command line or in NODE_OPTIONS, with either spelling', () => {
    expect(missingRunNodeFlags([], '')).toEqual([...RUN_NODE_FLAGS]);
    expect(missingRunNodeFlags([...RUN_NODE_FLAGS], '')).toEqual([]);
    expect(missingRunNodeFlags([], RUN_NODE_FLAGS.join(' '))).toEqual([]);
    expect(missingRunNodeFlags(RUN_NODE_FLAGS.map((f) => f.replace(/-/g, '_').replace(/^__/, '--')), '')).toEqual([]);
  });
});

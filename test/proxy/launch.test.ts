/**
 * The launch settings of the proxy process (src/util/launch.ts) are written where `mtshield run` starts: the bin's
 * shebang, `npm start`, the benchmark's child, the systemd unit and the operations guide; `run` names the ones it was started without.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RUN_ENV, RUN_NODE_FLAGS, missingLaunchSettings } from '../../src/util/launch.js';
import { packagePath } from '../../src/util/paths.js';

const read = (path: string) => readFileSync(packagePath(path), 'utf8');
const ENV_WORDS = Object.entries(RUN_ENV).map(([k, v]) => `${k}=${v}`);
const LAUNCH = `${ENV_WORDS.join(' ')} node ${RUN_NODE_FLAGS.join(' ')}`;

describe('launch settings for mtshield run', () => {
  it('the bin shebang, npm start, bench:proxy and the operations guide carry every one', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(read('bin/mtshield.js').split('\n')[0]).toBe(`#!/usr/bin/env -S ${LAUNCH}`);
    expect(scripts['start']).toBe(`${LAUNCH} bin/mtshield.js run`);
    expect(scripts['bench:proxy']!.startsWith(`${LAUNCH} bin/mtshield.js bench --proxy `)).toBe(true);
    expect(scripts['bench:proxy']).toContain('--soak 300 --json bench/results/proxy.json');
    expect(read('docs/operations.md')).toContain(`${LAUNCH} bin/mtshield.js run --config`);
    const child = read('bench/proxy/child.ts');
    expect(child).toContain('...RUN_NODE_FLAGS');
    expect(child).toContain('...RUN_ENV');
  });

  it('the systemd unit starts node with every flag and sets every variable', () => {
    const unit = read('contrib/systemd/mtshield.service').split('\n');
    const execStart = unit.find((l) => l.startsWith('ExecStart='))!.slice('ExecStart='.length).split(' ');
    expect(execStart.slice(0, 1 + RUN_NODE_FLAGS.length)).toEqual(['/usr/bin/node', ...RUN_NODE_FLAGS]);
    expect(execStart.slice(1 + RUN_NODE_FLAGS.length)).toEqual(['/usr/local/lib/node_modules/mtshield/bin/mtshield.js', 'run', '--config', '/etc/mtshield/mtshield.toml']);
    for (const word of ENV_WORDS) expect(unit).toContain(`Environment=${word}`);
  });

  it('names what is missing: flags from the command line or NODE_OPTIONS (either spelling), and variables', () => {
    expect(missingLaunchSettings([], {})).toEqual([...RUN_NODE_FLAGS, ...ENV_WORDS]);
    expect(missingLaunchSettings([...RUN_NODE_FLAGS], { ...RUN_ENV })).toEqual([]);
    expect(missingLaunchSettings([], { ...RUN_ENV, NODE_OPTIONS: RUN_NODE_FLAGS.join(' ') })).toEqual([]);
    const underscored = RUN_NODE_FLAGS.map((f) => `--${f.slice(2).replace(/-/g, '_')}`);
    expect(missingLaunchSettings(underscored, { ...RUN_ENV })).toEqual([]);
  });
});

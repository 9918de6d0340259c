/**
 * Command line of the handshake A/B (handshake-ab.ts): `node dist/bench/proxy/handshake-ab-main.js --side
 * LABEL=CHECKOUT[,NAME=VALUE…] … [--runs N] [--rounds N] [--count N] [--concurrency N] [--warmup N] [--kinds ee,dd] [--profile-dir DIR] [--perf-dir DIR] [--json FILE]`.
 */
import { parseArgs } from 'node:util';
import { procAvailable } from './proc.js';
import type { SecretKind } from './run.js';
import { renderHandshakeAb, runHandshakeAb, writeReport, type HandshakeSide } from './handshake-ab.js';

const { values } = parseArgs({
  options: {
    side: { type: 'string', multiple: true },
    runs: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '10' },
    count: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '16' },
    warmup: { type: 'string', default: '200' },
    kinds: { type: 'string', default: 'ee,dd' },
    'profile-dir': { type: 'string' },
    'perf-dir': { type: 'string' },
    json: { type: 'string' },
  },
});

function positive(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} expects a positive integer, got "${text}"`);
  return n;
}

/** LABEL=CHECKOUT, then NAME=VALUE pairs for the side's environment, comma-separated. */
function sideOf(text: string): HandshakeSide {
  const [head = '', ...vars] = text.split(',');
  const at = head.indexOf('=');
  if (at < 1) throw new Error(`--side expects LABEL=CHECKOUT[,NAME=VALUE…], got "${text}"`);
  const env: Record<string, string> = {};
  for (const v of vars) {
    const eq = v.indexOf('=');
    if (eq < 1) throw new Error(`--side: "${v}" is not NAME=VALUE`);
    env[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return { label: head.slice(0, at), checkout: head.slice(at + 1), env };
}

function kindsOf(text: string): SecretKind[] {
  const kinds = text.split(',');
  for (const k of kinds) if (k !== 'ee' && k !== 'dd') throw new Error(`--kinds expects ee and/or dd, got "${k}"`);
  return kinds as SecretKind[];
}

const sides: HandshakeSide[] = (values.side ?? []).map(sideOf);
if (sides.length === 0) throw new Error('give at least one --side LABEL=CHECKOUT');
if (!procAvailable()) throw new Error('the handshake A/B reads /proc/<pid>/stat: Linux only');

const report = await runHandshakeAb({
  sides,
  runs: positive('runs', values.runs!),
  rounds: positive('rounds', values.rounds!),
  count: positive('count', values.count!),
  concurrency: positive('concurrency', values.concurrency!),
  warmup: positive('warmup', values.warmup!),
  kinds: kindsOf(values.kinds!),
  profileDir: values['profile-dir'],
  perfDir: values['perf-dir'],
});
process.stdout.write(renderHandshakeAb(report));
if (values.json) writeReport(values.json, report);

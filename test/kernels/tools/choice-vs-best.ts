/**
 * Not a test: measures, in one process and side by side (round-robin, best of 7 batches), every usable backend
 * (js excluded: never a contender) and the registry's automatic path (`stream()` / `aead()` without a backend)
 * at each size class, and prints JSON rows { alg, size, ns: {backend: ns}, chosen, autoOverBest }.
 *   npx tsx test/kernels/tools/choice-vs-best.ts [cacheDir]     (a fresh dir = a cold start-up calibration)
 */
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { AEAD_ALGORITHMS, loadKernels, SIZE_CLASSES } from '../../../src/kernels/index.js';

const registry = await loadKernels({ cacheDir: process.argv[2], logger: pino({ level: 'silent' }) });
const batch = (fn: () => void, reps: number): number => {
  const t = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) fn();
  return Number(process.hrtime.bigint() - t) / reps;
};
const rows = [];
for (const alg of ['aes-256-ctr', ...AEAD_ALGORITHMS] as const) {
  for (const size of SIZE_CLASSES) {
    const data = new Uint8Array(size);
    const ops: Record<string, () => void> = {};
    const names = registry.backends(alg).filter((b) => b !== 'js');
    if (alg === 'aes-256-ctr') {
      for (const b of names) {
        const s = registry.stream(alg, randomBytes(32), randomBytes(16), { backend: b });
        ops[b] = () => s.update(data, data);
      }
      const auto = registry.stream(alg, randomBytes(32), randomBytes(16));
      ops['auto'] = () => auto.update(data, data);
    } else {
      const key = randomBytes(alg === 'aes-128-gcm' ? 16 : 32);
      const nonce = randomBytes(alg === 'xchacha20-poly1305' ? 24 : 12);
      for (const b of names) {
        const a = registry.aead(alg, { backend: b });
        ops[b] = () => a.seal(key, nonce, data);
      }
      const auto = registry.aead(alg);
      ops['auto'] = () => auto.seal(key, nonce, data);
    }
    const reps = Math.max(3, Math.floor(2e6 / (size * 4 + 2000)));
    for (const f of Object.values(ops)) batch(f, reps);
    const ns: Record<string, number> = {};
    for (let round = 0; round < 7; round++) for (const [k, f] of Object.entries(ops)) ns[k] = Math.min(ns[k] ?? Infinity, batch(f, reps));
    const best = Math.min(...names.map((n) => ns[n]!));
    rows.push({ alg, size, ns: Object.fromEntries(Object.entries(ns).map(([k, v]) => [k, Math.round(v)])), chosen: registry.chosen(alg, size), autoOverBest: Number((ns['auto']! / best).toFixed(2)) });
  }
}
process.stdout.write(JSON.stringify({ calibration: registry.status().calibration, rows }, null, 1) + '\n');

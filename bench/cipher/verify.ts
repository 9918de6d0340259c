/**
 * Verify, then time (noble's benchmark discipline): before a backend is timed, it must reproduce the
 * oracle's bytes (bench/cipher/oracle.ts) for every size and operation measured, a stream must give the
 * same bytes however the input is chunked, and `open` must refuse a flipped tag. A backend that fails any
 * check is refused for the whole algorithm and reported, never timed.
 */
import { ALGORITHM_SPECS, type Algorithm, type BenchBackend } from './catalog.js';
import { makeFixture, prepareCase, type Fixture } from './cases.js';
import type { BenchRegistry } from './registry.js';

export interface Verdict {
  algorithm: Algorithm;
  backend: BenchBackend;
  ok: boolean;
  checks: number;
  reason?: string;
}

/**
 * Chunk lengths for the stream check: odd splits across block boundaries, then one chunk larger than the
 * kernels' 65 600-byte I/O buffer (docs/kernel-abi.md), then the rest.
 */
const CHUNKS = [1, 15, 16, 17, 63, 1000, 4099, 65_605];
const STREAM_CHECK_BYTES = 70_000;

export function verifyBackend(
  registry: BenchRegistry,
  algorithm: Algorithm,
  backend: BenchBackend,
  fixtures: Fixture[],
): Verdict {
  let checks = 0;
  try {
    for (const fixture of fixtures) {
      const prepared = prepareCase(registry, backend, fixture);
      try {
        const label = `${fixture.operation} ${fixture.size} B`;
        const got = prepared.once();
        checks++;
        if (!equal(got, fixture.expected)) return fail(`${label}: output differs from the reference (${firstDiff(got, fixture.expected)})`);
        if (fixture.operation === 'open') {
          const tampered = Uint8Array.from(fixture.input);
          tampered[tampered.length - 1] ^= 0x01;
          let released: Uint8Array | undefined;
          try {
            released = prepared.once(tampered);
          } catch {
            /* expected: a bad tag throws */
          }
          checks++;
          if (released) return fail(`${label}: a flipped tag was accepted`);
        }
      } finally {
        prepared.dispose();
      }
    }
    if (ALGORITHM_SPECS[algorithm].kind === 'stream') {
      checks += verifyChunking(registry, backend);
    }
  } catch (err) {
    return fail(`threw ${(err as Error)?.message ?? String(err)}`);
  }
  return { algorithm, backend, ok: true, checks };

  function fail(reason: string): Verdict {
    return { algorithm, backend, ok: false, checks, reason };
  }
}

/** One long stream fed in uneven chunks must equal the one-shot reference (state carried across calls). */
function verifyChunking(registry: BenchRegistry, backend: BenchBackend): number {
  const fixture = makeFixture('aes-256-ctr', 'update', STREAM_CHECK_BYTES);
  const stream = registry.stream('aes-256-ctr', fixture.key, fixture.nonce, backend === 'auto' ? {} : { backend });
  try {
    const out = new Uint8Array(fixture.input.length);
    let offset = 0;
    for (let i = 0; offset < fixture.input.length; i++) {
      const n = Math.min(CHUNKS[i] ?? Infinity, fixture.input.length - offset);
      out.set(stream.update(fixture.input.subarray(offset, offset + n)), offset);
      offset += n;
    }
    if (!equal(out, fixture.expected)) {
      throw new Error(`chunked stream differs from the one-shot reference (${firstDiff(out, fixture.expected)})`);
    }
  } finally {
    stream.destroy();
  }
  return 1;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function firstDiff(a: Uint8Array, b: Uint8Array): string {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `first difference at byte ${i}`;
  return 'equal';
}

/**
 * The message sizes `bench --relay` sends: an MTProto-like mix (most messages under 1 KiB, some bulk), the same
 * classes and shares the relay's default suite order is computed on (src/upstream/relay/suites-default.ts).
 * Each class draws uniformly between half its size and its size, from a fixed seed, so every run and every
 * variant sends the same sequence.
 */
import { RELAY_SIZE_MIX } from '../../src/upstream/relay/index.js';

/** `count` message sizes from the mix (xorshift32 from `seed`: the same list every time). */
export function mtprotoSizes(count: number, seed = 0x9e3779b9): number[] {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
  const sizes: number[] = [];
  for (let i = 0; i < count; i++) {
    let pick = next();
    let size = RELAY_SIZE_MIX[RELAY_SIZE_MIX.length - 1]![0];
    for (const [classSize, share] of RELAY_SIZE_MIX) {
      if (pick < share) {
        size = classSize;
        break;
      }
      pick -= share;
    }
    sizes.push(Math.max(16, Math.round(size / 2 + next() * (size / 2))));
  }
  return sizes;
}

/** Share of messages under 1 KiB (reported with the results). */
export function shareUnder1KiB(sizes: readonly number[]): number {
  return sizes.filter((n) => n < 1024).length / sizes.length;
}

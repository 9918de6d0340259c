// ChaCha20 two blocks "by rows" in v128 (RFC 8439 2.3), for short messages and tails.
//
// Four vectors hold the four state rows of one block, so one vector quarter round runs the four column
// quarter rounds at once; rotating rows b, c, d by one, two, three lanes lines up the diagonals:
//
//   a = [x0  x1  x2  x3 ]        a = [x0  x1  x2  x3 ]
//   b = [x4  x5  x6  x7 ]  --->  b = [x5  x6  x7  x4 ]
//   c = [x8  x9  x10 x11]        c = [x10 x11 x8  x9 ]
//   d = [x12 x13 x14 x15]        d = [x15 x12 x13 x14]
//
// Two blocks run side by side (8 vectors, no spills). A row pass is latency-bound, yet it costs about 60%
// of a four-block column pass, so it wins when at most two blocks are needed (AEAD set-up, short tails).

import { ST_COUNTER } from './layout';
import { rot16, rot8, rot12, rot7 } from './rotations';

/** Keystream blocks `counter` and `counter + 1` (128 bytes) to `out`. */
export function chachaRows2(st: usize, counter: u32, out: usize): void {
  const a0 = v128.load(st, 0), b0 = v128.load(st, 16), c0 = v128.load(st, 32);
  const d0 = i32x4.replace_lane(v128.load(st, ST_COUNTER), 0, counter);
  const d1 = i32x4.replace_lane(d0, 0, counter + 1);
  let a = a0, b = b0, c = c0, d = d0;
  let e = a0, f = b0, g = c0, h = d1;
  for (let i = 0; i < 10; i++) {
    // column round (both blocks)
    a = i32x4.add(a, b); e = i32x4.add(e, f); d = rot16(v128.xor(d, a)); h = rot16(v128.xor(h, e));
    c = i32x4.add(c, d); g = i32x4.add(g, h); b = rot12(v128.xor(b, c)); f = rot12(v128.xor(f, g));
    a = i32x4.add(a, b); e = i32x4.add(e, f); d = rot8(v128.xor(d, a)); h = rot8(v128.xor(h, e));
    c = i32x4.add(c, d); g = i32x4.add(g, h); b = rot7(v128.xor(b, c)); f = rot7(v128.xor(f, g));
    // onto the diagonals
    b = i32x4.shuffle(b, b, 1, 2, 3, 0); c = i32x4.shuffle(c, c, 2, 3, 0, 1); d = i32x4.shuffle(d, d, 3, 0, 1, 2);
    f = i32x4.shuffle(f, f, 1, 2, 3, 0); g = i32x4.shuffle(g, g, 2, 3, 0, 1); h = i32x4.shuffle(h, h, 3, 0, 1, 2);
    // diagonal round
    a = i32x4.add(a, b); e = i32x4.add(e, f); d = rot16(v128.xor(d, a)); h = rot16(v128.xor(h, e));
    c = i32x4.add(c, d); g = i32x4.add(g, h); b = rot12(v128.xor(b, c)); f = rot12(v128.xor(f, g));
    a = i32x4.add(a, b); e = i32x4.add(e, f); d = rot8(v128.xor(d, a)); h = rot8(v128.xor(h, e));
    c = i32x4.add(c, d); g = i32x4.add(g, h); b = rot7(v128.xor(b, c)); f = rot7(v128.xor(f, g));
    // back onto the columns
    b = i32x4.shuffle(b, b, 3, 0, 1, 2); c = i32x4.shuffle(c, c, 2, 3, 0, 1); d = i32x4.shuffle(d, d, 1, 2, 3, 0);
    f = i32x4.shuffle(f, f, 3, 0, 1, 2); g = i32x4.shuffle(g, g, 2, 3, 0, 1); h = i32x4.shuffle(h, h, 1, 2, 3, 0);
  }
  v128.store(out, i32x4.add(a, a0), 0); v128.store(out, i32x4.add(b, b0), 16);
  v128.store(out, i32x4.add(c, c0), 32); v128.store(out, i32x4.add(d, d0), 48);
  v128.store(out, i32x4.add(e, a0), 64); v128.store(out, i32x4.add(f, b0), 80);
  v128.store(out, i32x4.add(g, c0), 96); v128.store(out, i32x4.add(h, d1), 112);
}

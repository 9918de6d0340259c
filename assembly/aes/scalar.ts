// Block-level entry points of the bitsliced AES (scalar build); see bitsliced.ts for the layout.
import { bsPlanes, bsLoad, bsStore, bsAddRoundKey, bsShiftRows, bsMixColumns, bsInvMixColumns } from './bitsliced';
import { bsSubBytes } from './sbox-gates';
import { bsInvSubBytes } from './inv-sbox-gates';

@inline function planes(): usize {
  return bsPlanes();
}

/** Encrypts 4 blocks (64 bytes at src) into dst (may alias) with bitsliced round keys (64 bytes per round). */
export function bsEncrypt4(rk: usize, nr: i32, src: usize, dst: usize): void {
  const p = planes();
  bsLoad(p, src);
  bsAddRoundKey(p, rk);
  for (let r = 1; r <= nr; r++) {
    bsSubBytes(p);
    bsShiftRows(p, false);
    if (r < nr) bsMixColumns(p);
    bsAddRoundKey(p, rk + (<usize>r << 6));
  }
  bsStore(p, dst);
}

/** Decrypts 4 blocks (64 bytes at src) into dst (may alias), standard inverse cipher order. */
export function bsDecrypt4(rk: usize, nr: i32, src: usize, dst: usize): void {
  const p = planes();
  bsLoad(p, src);
  bsAddRoundKey(p, rk + (<usize>nr << 6));
  for (let r = nr - 1; r >= 0; r--) {
    bsShiftRows(p, true);
    bsInvSubBytes(p);
    bsAddRoundKey(p, rk + (<usize>r << 6));
    if (r > 0) bsInvMixColumns(p);
  }
  bsStore(p, dst);
}

/** SubWord for the key schedule, through the same gates. */
export function bsSubWord(w: u32): u32 {
  const p = planes();
  memory.fill(p, 0, 64);
  store<u32>(p, w);
  bsLoad(p, p);
  bsSubBytes(p);
  bsStore(p, p);
  return load<u32>(p);
}

export function wipeBsScratch(): void {
  memory.fill(bsPlanes(), 0, 64);
}

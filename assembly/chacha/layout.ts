// Offsets of the ChaCha20 stream context; the layout is drawn in chacha20.ts.

export const CHACHA_CTX_SIZE: i32 = 384;
export const ST_KEY: usize = 16;
export const ST_COUNTER: usize = 48;
export const ST_NONCE: usize = 52;
export const ST_KEYSTREAM: usize = 64;
export const KEYSTREAM_SIZE: u32 = 256;
export const ST_KS_USED: usize = 320;
export const ST_KS_END: usize = 324;
export const ST_MAGIC: usize = 328;
export const ST_NEXT: usize = 336;
export const CHACHA_MAGIC: u32 = 0x43433230; // "CC20"

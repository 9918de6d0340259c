// Nibble tables for the vector-permute AES (tower field GF((2^4)^2) inside GF(2^8)).
// Derived, not copied: a script builds GF(2^8) mod x^8+x^4+x^3+x+1, takes its subfield GF(16) with GF(2)-basis
// {1, 12, 80, 176}, t = 0x12 with t^2 + t = lambda = 0xd, and writes a byte x = k*t + i as
// (nib(i) << 4) | nib(k). It then checks the whole S-box, 2*S and the inverse S-box against the field definition.
// Each table is 16 bytes, looked up with i8x16.swizzle (indices >= 16 give 0, which encodes 1/inf = 0).
// Tables are public constants: only their *indices* are secret, and swizzle reads all 16 lanes regardless.

export const TABLES: usize = memory.data<u8>([
  // 0: INV
  128, 1, 8, 13, 15, 6, 5, 14, 2, 12, 11, 10, 9, 3, 7, 4,
  // 16: AK
  128, 13, 5, 6, 10, 2, 3, 7, 12, 11, 4, 9, 8, 1, 15, 14,
  // 32: IPT_LO
  0, 16, 54, 38, 124, 108, 74, 90, 92, 76, 106, 122, 32, 48, 22, 6,
  // 48: IPT_HI
  0, 55, 169, 158, 119, 64, 222, 233, 30, 41, 183, 128, 105, 94, 192, 247,
  // 64: SB1
  0, 60, 218, 16, 193, 39, 202, 253, 209, 44, 55, 11, 230, 237, 27, 246,
  // 80: SB2
  0, 13, 195, 236, 95, 145, 47, 82, 179, 225, 125, 112, 206, 190, 156, 34,
  // 96: SB1X2
  0, 235, 133, 54, 241, 159, 179, 26, 199, 221, 169, 66, 110, 44, 116, 88,
  // 112: SB2X2
  0, 99, 60, 249, 47, 112, 197, 76, 214, 154, 137, 234, 95, 181, 19, 166,
  // 128: SO1
  0, 84, 183, 1, 242, 17, 182, 166, 243, 85, 16, 68, 227, 167, 69, 226,
  // 144: SO2
  0, 75, 42, 181, 194, 163, 159, 137, 119, 254, 22, 93, 97, 60, 232, 212,
  // 160: DPT_LO
  0, 29, 85, 72, 229, 248, 176, 173, 118, 107, 35, 62, 147, 142, 198, 219,
  // 176: DPT_HI
  0, 203, 59, 240, 31, 212, 36, 239, 197, 14, 254, 53, 218, 17, 225, 42,
  // 192: D9_1
  0, 76, 130, 168, 4, 202, 42, 72, 172, 228, 98, 46, 206, 224, 134, 102,
  // 208: D9_2
  0, 39, 48, 32, 59, 44, 16, 28, 27, 7, 12, 43, 23, 60, 11, 55,
  // 224: DB_1
  0, 122, 171, 67, 108, 189, 232, 22, 47, 57, 254, 132, 209, 85, 199, 146,
  // 240: DB_2
  0, 68, 200, 177, 148, 24, 121, 208, 37, 245, 169, 237, 140, 97, 92, 61,
  // 256: DD_1
  0, 48, 59, 16, 55, 60, 43, 7, 39, 32, 44, 28, 11, 23, 12, 27,
  // 272: DD_2
  0, 190, 19, 13, 109, 192, 30, 211, 96, 179, 205, 115, 173, 222, 126, 160,
  // 288: DE_1
  0, 22, 57, 199, 67, 108, 254, 85, 132, 209, 171, 189, 47, 146, 122, 232,
  // 304: DE_2
  0, 208, 245, 92, 177, 148, 169, 97, 237, 140, 200, 24, 37, 61, 68, 121,
  // 320: DO1
  0, 31, 63, 74, 206, 238, 117, 209, 132, 85, 164, 187, 32, 155, 241, 106,
  // 336: DO2
  0, 30, 143, 171, 35, 178, 36, 61, 136, 181, 25, 7, 145, 150, 172, 58,
], 16);

export const T_INV: usize = 0;
export const T_AK: usize = 16;
export const T_IPT_LO: usize = 32;
export const T_IPT_HI: usize = 48;
export const T_SB1: usize = 64;
export const T_SB2: usize = 80;
export const T_SB1X2: usize = 96;
export const T_SB2X2: usize = 112;
export const T_SO1: usize = 128;
export const T_SO2: usize = 144;
export const T_DPT_LO: usize = 160;
export const T_DPT_HI: usize = 176;
export const T_D9_1: usize = 192;
export const T_D9_2: usize = 208;
export const T_DB_1: usize = 224;
export const T_DB_2: usize = 240;
export const T_DD_1: usize = 256;
export const T_DD_2: usize = 272;
export const T_DE_1: usize = 288;
export const T_DE_2: usize = 304;
export const T_DO1: usize = 320;
export const T_DO2: usize = 336;

/** M(0x63): the S-box constant in the tower basis (folded into the round keys). */
export const M63: u32 = 248;
/** N(0x63): the same for the inverse cipher's basis N = M * L^-1. */
export const N63: u32 = 108;

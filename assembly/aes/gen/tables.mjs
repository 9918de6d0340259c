// Derives ../tables.ts, the nibble tables of the vector-permute AES, from the field definition, and checks the
// whole S-box, 2*S and the inverse S-box through the exact swizzle semantics before writing anything.
// Run: node assembly/aes/gen/tables.mjs > assembly/aes/tables.ts
//
// Tower field: GF(16) is the subfield {y : y^16 = y} of GF(2^8); t is the first element outside it with
// t^2 + t = lambda in GF(16); every x is k*t + i (i, k in GF(16)) and is stored as (nib(i) << 4) | nib(k).
// With j = i ^ k: io = 1/(1/i ^ 1/(lambda k)) ^ j and jo = 1/(1/j ^ 1/(lambda k)) ^ i, and
// x^-1 = (1/io)(t + lambda) + (1/jo)(t + 1 + lambda); 1/0 is "infinity" 0x80, which swizzle maps to 0.
const mul = (a, b) => {
  let r = 0;
  while (b) {
    if (b & 1) r ^= a;
    a = (a << 1) ^ (a & 0x80 ? 0x11b : 0);
    b >>= 1;
  }
  return r & 0xff;
};
const pow = (a, e) => {
  let r = 1;
  while (e) {
    if (e & 1) r = mul(r, a);
    a = mul(a, a);
    e >>= 1;
  }
  return r;
};
const inv = (a) => (a ? pow(a, 254) : 0);
const rotl8 = (x, s) => ((x << s) | (x >>> (8 - s))) & 0xff;
const lin = (b) => b ^ rotl8(b, 1) ^ rotl8(b, 2) ^ rotl8(b, 3) ^ rotl8(b, 4);
const SBOX = Array.from({ length: 256 }, (_, x) => lin(inv(x)) ^ 0x63);
if (SBOX[0x53] !== 0xed) throw new Error('S-box definition');
const linInv = new Array(256);
for (let x = 0; x < 256; x++) linInv[lin(x)] = x;
const sub = [];
for (let x = 0; x < 256; x++) if (pow(x, 16) === x) sub.push(x);
const basis = [];
const span = new Set([0]);
for (const x of sub) {
  if (span.has(x)) continue;
  basis.push(x);
  for (const s of [...span]) span.add(s ^ x);
}
const elem = (v) => basis.reduce((r, b, i) => ((v >> i) & 1 ? r ^ b : r), 0);
const nib = new Map(Array.from({ length: 16 }, (_, v) => [elem(v), v]));
let t = -1, lam = -1;
for (let x = 2; x < 256 && t < 0; x++) {
  if (!nib.has(x) && nib.has(mul(x, x) ^ x)) {
    t = x;
    lam = mul(x, x) ^ x;
  }
}
const repr = new Array(256);
for (let k = 0; k < 16; k++) for (let i = 0; i < 16; i++) repr[mul(elem(k), t) ^ elem(i)] = (i << 4) | k;
const M = (x) => repr[x];
const N = (x) => repr[linInv[x]];
const c1 = t ^ lam, c2 = t ^ 1 ^ lam;
const term = (v, c) => (v === 0 || v >= 16 ? 0 : mul(inv(elem(v)), c));
const tab = (f) => Array.from({ length: 16 }, (_, v) => f(v));
const T = {
  INV: tab((v) => (v ? nib.get(inv(elem(v))) : 0x80)),
  AK: tab((v) => (v ? nib.get(inv(mul(lam, elem(v)))) : 0x80)),
  IPT_LO: tab((v) => M(v)), IPT_HI: tab((v) => M(v << 4)),
  SB1: tab((v) => M(lin(term(v, c1)))), SB2: tab((v) => M(lin(term(v, c2)))),
  SB1X2: tab((v) => M(mul(2, lin(term(v, c1))))), SB2X2: tab((v) => M(mul(2, lin(term(v, c2))))),
  SO1: tab((v) => lin(term(v, c1))), SO2: tab((v) => lin(term(v, c2))),
  DPT_LO: tab((v) => N(v)), DPT_HI: tab((v) => N(v << 4)),
  D9_1: tab((v) => N(mul(9, term(v, c1)))), D9_2: tab((v) => N(mul(9, term(v, c2)))),
  DB_1: tab((v) => N(mul(11, term(v, c1)))), DB_2: tab((v) => N(mul(11, term(v, c2)))),
  DD_1: tab((v) => N(mul(13, term(v, c1)))), DD_2: tab((v) => N(mul(13, term(v, c2)))),
  DE_1: tab((v) => N(mul(14, term(v, c1)))), DE_2: tab((v) => N(mul(14, term(v, c2)))),
  DO1: tab((v) => term(v, c1)), DO2: tab((v) => term(v, c2)),
};
const swz = (table, idx) => (idx < 16 ? table[idx] : 0);
function core(r) {
  const k = r & 15, i = r >> 4, j = i ^ k;
  const ak = swz(T.AK, k);
  return [swz(T.INV, swz(T.INV, i) ^ ak) ^ j, swz(T.INV, swz(T.INV, j) ^ ak) ^ i];
}
for (let x = 0; x < 256; x++) {
  const [io, jo] = core(M(x));
  if ((swz(T.SO1, io) ^ swz(T.SO2, jo) ^ 0x63) !== SBOX[x]) throw new Error(`S-box at ${x}`);
  if ((swz(T.SB1X2, io) ^ swz(T.SB2X2, jo)) !== M(mul(2, SBOX[x] ^ 0x63))) throw new Error(`2S at ${x}`);
  const [dio, djo] = core(N(x) ^ N(0x63));
  if (SBOX[swz(T.DO1, dio) ^ swz(T.DO2, djo)] !== x) throw new Error(`inverse S-box at ${x}`);
}
const names = Object.keys(T);
let o = `// Nibble tables for the vector-permute AES (tower field GF((2^4)^2) inside GF(2^8)).
// Derived, not copied: a script builds GF(2^8) mod x^8+x^4+x^3+x+1, takes its subfield GF(16) with GF(2)-basis
// {${basis.join(', ')}}, t = 0x${t.toString(16)} with t^2 + t = lambda = 0x${lam.toString(16)}, and writes a byte x = k*t + i as
// (nib(i) << 4) | nib(k). It then checks the whole S-box, 2*S and the inverse S-box against the field definition.
// Each table is 16 bytes, looked up with i8x16.swizzle (indices >= 16 give 0, which encodes 1/inf = 0).
// Tables are public constants: only their *indices* are secret, and swizzle reads all 16 lanes regardless.

export const TABLES: usize = memory.data<u8>([
`;
names.forEach((name, idx) => { o += `  // ${idx * 16}: ${name}\n  ${T[name].join(', ')},\n`; });
o += `], 16);\n\n`;
names.forEach((name, idx) => { o += `export const T_${name}: usize = ${idx * 16};\n`; });
o += `\n/** M(0x63): the S-box constant in the tower basis (folded into the round keys). */\nexport const M63: u32 = ${M(0x63)};\n`;
o += `/** N(0x63): the same for the inverse cipher's basis N = M * L^-1. */\nexport const N63: u32 = ${N(0x63)};\n`;
process.stdout.write(o);

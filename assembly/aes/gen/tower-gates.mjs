// Generates the AES S-box (../sbox-gates.ts) and inverse S-box (../inv-sbox-gates.ts) as straight-line
// AND/XOR/NOT gates on eight u64 bit planes, through the tower field GF((2^4)^2) (~225 gates instead of ~680 for
// x^254 by squarings and multiplications).
// Run: node assembly/aes/gen/tower-gates.mjs forward > assembly/aes/sbox-gates.ts
//      node assembly/aes/gen/tower-gates.mjs inverse > assembly/aes/inv-sbox-gates.ts
//
// GF(16) is the subfield {y : y^16 = y} of GF(2^8), written in the polynomial basis {1, w, w^2, w^3} of a root w
// of z^4 + z + 1. A byte x is k*t + i with t^2 + t = lambda; then x^-1 = (k*t + j) / D with j = i + k and
// D = lambda*k^2 + i*j, so the inverse costs three GF(16) products, one GF(16) inversion (x^14) and linear maps.
// The script simulates the emitted gates on all 256 inputs before printing.
const mul8 = (a, b) => { let r = 0; while (b) { if (b & 1) r ^= a; a = (a << 1) ^ (a & 0x80 ? 0x11b : 0); b >>= 1; } return r & 0xff; };
const pow8 = (a, e) => { let r = 1; while (e) { if (e & 1) r = mul8(r, a); a = mul8(a, a); e >>= 1; } return r; };
const inv8 = (a) => (a ? pow8(a, 254) : 0);
const rotl8 = (x, s) => ((x << s) | (x >>> (8 - s))) & 0xff;
const lin = (b) => b ^ rotl8(b, 1) ^ rotl8(b, 2) ^ rotl8(b, 3) ^ rotl8(b, 4);
const SBOX = Array.from({ length: 256 }, (_, x) => lin(inv8(x)) ^ 0x63);
const INV_SBOX = new Array(256); SBOX.forEach((s, x) => { INV_SBOX[s] = x; });
// GF(16) subfield, w with w^4 + w + 1 = 0
const sub = []; for (let x = 0; x < 256; x++) if (pow8(x, 16) === x) sub.push(x);
const w = sub.find((x) => (pow8(x, 4) ^ x ^ 1) === 0);
const basis = [1, w, mul8(w, w), pow8(w, 3)];
const elem = (v) => basis.reduce((r, b, i) => ((v >> i) & 1 ? r ^ b : r), 0);
const nibOf = new Map(Array.from({ length: 16 }, (_, v) => [elem(v), v]));
let t = -1, lam = -1;
for (let x = 2; x < 256 && t < 0; x++) if (!nibOf.has(x) && nibOf.has(mul8(x, x) ^ x)) { t = x; lam = mul8(x, x) ^ x; }
// byte <-> (i, k): x = k*t + i
const toIK = new Array(256), fromIK = (i, k) => mul8(elem(k), t) ^ elem(i);
for (let k = 0; k < 16; k++) for (let i = 0; i < 16; i++) toIK[fromIK(i, k)] = [i, k];

// ---- gate builder: values are names; sim evaluates the same ops on numbers for checking
let ops = [], n = 0;
const v = (kind, a, b) => { const name = `g${n++}`; ops.push([name, kind, a, b]); return name; };
const X = (a, b) => (a === null ? b : b === null ? a : v('^', a, b));
const A = (a, b) => v('&', a, b);
const NOT = (a) => v('~', a);
const xorAll = (list) => list.reduce((acc, x) => X(acc, x), null) ?? 'ZERO';
/** Linear map given as a function on small integers over input bit names. */
function linear(inputs, outBits, f) {
  const cols = inputs.map((_, b) => f(1 << b));
  return Array.from({ length: outBits }, (_, o) => xorAll(inputs.filter((_, b) => (cols[b] >> o) & 1)));
}
// GF(16) ops on 4 bit names (polynomial basis, z^4 = z + 1)
function gf16mul(a, b) {
  const c = Array(7).fill(null);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) c[i + j] = X(c[i + j], A(a[i], b[j]));
  for (let k = 6; k >= 4; k--) { c[k - 4] = X(c[k - 4], c[k]); c[k - 3] = X(c[k - 3], c[k]); }
  return c.slice(0, 4);
}
const gfv = (f) => (x) => nibOf.get(f(elem(x)));            // nibble -> nibble via a field function
const sq = (a) => linear(a, 4, gfv((e) => mul8(e, e)));
function gf16inv(a) { // a^14 = a^2 * a^4 * a^8
  const a2 = sq(a), a4 = sq(a2), a8 = sq(a4);
  return gf16mul(gf16mul(a2, a4), a8);
}
/** inverse in GF(2^8) of tower coordinates (i, k): returns (i', k') with x^-1 = k' t + i'. */
function towerInverse(i, k) {
  const j = i.map((b, idx) => X(b, k[idx]));
  const lk2 = linear(k, 4, gfv((e) => mul8(lam, mul8(e, e))));
  const ij = gf16mul(i, j);
  const d = lk2.map((b, idx) => X(b, ij[idx]));
  const dinv = gf16inv(d);
  return [gf16mul(j, dinv), gf16mul(k, dinv)];
}
function sbox(inv) {
  ops = []; n = 0;
  const x = [0, 1, 2, 3, 4, 5, 6, 7].map((b) => `x${b}`);
  // input map: forward: byte -> (i, k); inverse: y -> Lin^-1(y) -> (i, k), constant 0x05 handled by NOTs
  const inMap = (m) => { const [i, k] = toIK[inv ? linInvOf(m) : m]; return i | (k << 4); };
  let ik = linear(x, 8, inMap);
  if (inv) { const [ci, ck] = toIK[linInvOf(0x63)]; const c = ci | (ck << 4); ik = ik.map((b, idx) => ((c >> idx) & 1 ? NOT(b) : b)); }
  const [ii, kk] = towerInverse(ik.slice(0, 4), ik.slice(4, 8));
  const outMap = (m) => { const byte = fromIK(m & 15, m >> 4); return inv ? byte : lin(byte); };
  let out = linear([...ii, ...kk], 8, outMap);
  if (!inv) out = out.map((b, idx) => ((0x63 >> idx) & 1 ? NOT(b) : b));
  return { ops, out };
}
const linInvTable = new Array(256); for (let x = 0; x < 256; x++) linInvTable[lin(x)] = x;
function linInvOf(m) { return linInvTable[m]; }
function simulate({ ops, out }, input) {
  const val = { ZERO: 0 };
  for (let b = 0; b < 8; b++) val[`x${b}`] = (input >> b) & 1;
  for (const [name, kind, a, b] of ops) val[name] = kind === '^' ? val[a] ^ val[b] : kind === '&' ? val[a] & val[b] : 1 - val[a];
  return out.reduce((r, name, b) => r | (val[name] << b), 0);
}
const fwd = sbox(false), bwd = sbox(true);
for (let x = 0; x < 256; x++) {
  if (simulate(fwd, x) !== SBOX[x]) throw new Error(`forward S-box wrong at ${x}`);
  if (simulate(bwd, x) !== INV_SBOX[x]) throw new Error(`inverse S-box wrong at ${x}`);
}
const emitFn = (name, doc, { ops, out }) => {
  const lines = [`/** ${doc} */`, `export function ${name}(p: usize): void {`];
  for (let b = 0; b < 8; b++) lines.push(`  const x${b} = load<u64>(p, ${8 * b});`);
  for (const [nm, kind, a, b] of ops) lines.push(`  const ${nm} = ${kind === '~' ? `~${a}` : `${a} ${kind} ${b}`};`);
  out.forEach((nm, b) => lines.push(`  store<u64>(p, ${nm === 'ZERO' ? '0' : nm}, ${8 * b});`));
  lines.push('}');
  return lines.join('\n');
};
const inverse = process.argv[2] === 'inverse';
process.stdout.write(`// AES ${inverse ? 'inverse S-box' : 'S-box'} as straight-line gates on eight u64 bit planes (plane b = bit b of 64 bytes).
// GENERATED by assembly/aes/gen/tower-gates.mjs (tower field GF((2^4)^2), checked on all 256 inputs): every
// byte goes through the same ${(inverse ? bwd : fwd).ops.length} AND/XOR/NOT gates, so time and memory accesses do not depend on data.
// Do not hand-edit; regenerate.

${inverse ? emitFn('bsInvSubBytes', 'InvSubBytes on the planes at p.', bwd) : emitFn('bsSubBytes', 'SubBytes on the planes at p.', fwd)}
`);

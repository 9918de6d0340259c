// ChaCha family kernels (assembly/chacha/) in both builds, driven through the raw ABI (docs/kernel-abi.md):
// RFC 8439 vectors (2.3.2, 2.4.2, 2.5.2, 2.6.2, 2.8.2, Appendix A), draft-irtf-cfrg-xchacha-03 vectors
// (2.2.1, A.3.1), and property checks against node:crypto and @noble/ciphers with random chunkings.
import { createCipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { poly1305 } from '@noble/ciphers/_poly1305.js';

const OK = 0, BAD_NONCE_LENGTH = -2, BAD_LENGTH = -3, OUT_OF_BOUNDS = -4, BAD_STATE = -5;

type Fn = (...args: number[]) => number;
interface WasmMemory { readonly buffer: ArrayBuffer }
interface Exports {
  memory: WasmMemory;
  [name: string]: Fn | WasmMemory;
}
// The project's TypeScript lib has no DOM types, so the WebAssembly global is typed here, as much as used.
const wasm = (globalThis as unknown as {
  WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: unknown } }> };
}).WebAssembly;

/** A thin harness over one instance: fixed places for context, key, nonce, tag and AAD; data in the I/O buffer. */
class Kernel {
  readonly ctx: number; readonly key: number; readonly nonce: number; readonly tag: number; readonly aad: number;
  readonly io: number;
  constructor(readonly x: Exports) {
    const base = this.fn('heapBase')();
    this.ctx = base; this.key = base + 1024; this.nonce = base + 1088; this.tag = base + 1120;
    this.aad = base + 4096; this.io = this.fn('ioPtr')();
  }
  fn(name: string): Fn { return this.x[name] as Fn; }
  get mem(): Uint8Array { return new Uint8Array(this.x.memory.buffer); }
  put(ptr: number, bytes: Uint8Array): void { this.mem.set(bytes, ptr); }
  get(ptr: number, len: number): Uint8Array { return this.mem.slice(ptr, ptr + len); }

  /** ChaCha20 stream over `data`, fed in the given chunk sizes. */
  chacha20(key: Uint8Array, nonce: Uint8Array, counter: number, data: Uint8Array, chunks: number[] = [data.length]): Uint8Array {
    this.put(this.key, key); this.put(this.nonce, nonce);
    expect(this.fn('chacha20Init')(this.ctx, this.key, this.nonce, counter)).toBe(OK);
    this.put(this.io, data);
    let at = 0;
    for (const n of chunks) { expect(this.fn('chacha20Xor')(this.ctx, this.io + at, n)).toBe(OK); at += n; }
    return this.get(this.io, data.length);
  }

  poly1305(key: Uint8Array, msg: Uint8Array, chunks: number[] = [msg.length]): Uint8Array {
    this.put(this.key, key); this.put(this.io, msg);
    expect(this.fn('poly1305Init')(this.ctx, this.key)).toBe(OK);
    let at = 0;
    for (const n of chunks) { expect(this.fn('poly1305Update')(this.ctx, this.io + at, n)).toBe(OK); at += n; }
    expect(this.fn('poly1305Final')(this.ctx, this.tag)).toBe(OK);
    return this.get(this.tag, 16);
  }

  /** Seal or open: returns the processed data and the tag. */
  aead(open: boolean, key: Uint8Array, nonce: Uint8Array, data: Uint8Array, aad: Uint8Array,
    dataChunks: number[] = [data.length], aadChunks: number[] = [aad.length]): { out: Uint8Array; tag: Uint8Array } {
    this.put(this.key, key); this.put(this.nonce, nonce); this.put(this.aad, aad); this.put(this.io, data);
    expect(this.fn('aeadInit')(this.ctx, this.key, this.nonce, nonce.length)).toBe(OK);
    let at = 0;
    for (const n of aadChunks) { expect(this.fn('aeadAad')(this.ctx, this.aad + at, n)).toBe(OK); at += n; }
    at = 0;
    const step = this.fn(open ? 'aeadDecrypt' : 'aeadEncrypt');
    for (const n of dataChunks) { expect(step(this.ctx, this.io + at, n)).toBe(OK); at += n; }
    expect(this.fn('aeadFinal')(this.ctx, this.tag)).toBe(OK);
    return { out: this.get(this.io, data.length), tag: this.get(this.tag, 16) };
  }
}

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/[^0-9a-f]/gi, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const seq = (from: number, n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => from + i);

const SUNSCREEN = ascii("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
const IETF_TEXT = ascii('Any submission to the IETF intended by the Contributor for publication as all or part of an IETF ' +
  'Internet-Draft or RFC and any statement made within the context of an IETF activity is considered an "IETF ' +
  'Contribution". Such statements include oral statements in IETF sessions, as well as written and electronic ' +
  'communications made at any time or place, which are addressed to');
const DRAFTS_TEXT = ascii('Internet-Drafts are draft documents valid for a maximum of six months and may be updated, ' +
  'replaced, or obsoleted by other documents at any time. It is inappropriate to use Internet-Drafts as reference ' +
  'material or to cite them other than as /\u201cwork in progress./\u201d');

/** Splits n into random positive chunk sizes (plus the odd zero-length call). */
const chunking = (n: number, cuts: number[]): number[] => {
  const points = [...new Set(cuts.map((c) => c % (n + 1)))].sort((a, b) => a - b);
  const out: number[] = [];
  let prev = 0;
  for (const p of points) { out.push(p - prev); prev = p; }
  out.push(n - prev);
  return out;
};

function nodeSeal(key: Uint8Array, nonce: Uint8Array, pt: Uint8Array, aad: Uint8Array): { ct: Uint8Array; tag: Uint8Array } {
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  c.setAAD(aad, { plaintextLength: pt.length });
  const ct = Buffer.concat([c.update(pt), c.final()]);
  return { ct, tag: c.getAuthTag() };
}

const builds: Array<[string, string]> = [['scalar', 'build/mtshield.wasm'], ['simd', 'build/mtshield-simd.wasm']];

describe.each(builds)('chacha kernels, %s build', (flavour, file) => {
  let k: Kernel;
  beforeAll(async () => {
    const bytes = readFileSync(fileURLToPath(new URL(`../../${file}`, import.meta.url)));
    const { instance } = await wasm.instantiate(bytes, { env: { abort: () => { throw new Error('abort'); } } });
    k = new Kernel(instance.exports as unknown as Exports);
    expect(k.fn('simdBuild')()).toBe(flavour === 'simd' ? 1 : 0);
  });

  it('reports its context sizes as multiples of 64', () => {
    for (const f of ['chachaCtxSize', 'poly1305CtxSize', 'aeadCtxSize']) expect(k.fn(f)() % 64).toBe(0);
  });

  it('RFC 8439 2.3.2 block function and A.1 #1, #2', () => {
    expect(toHex(k.chacha20(seq(0, 32), hex('000000090000004a00000000'), 1, new Uint8Array(64)))).toBe(
      '10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4ed2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e');
    expect(toHex(k.chacha20(new Uint8Array(32), new Uint8Array(12), 0, new Uint8Array(64)))).toBe(
      '76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586');
    expect(toHex(k.chacha20(new Uint8Array(32), new Uint8Array(12), 1, new Uint8Array(64)))).toBe(
      '9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f');
  });

  it('RFC 8439 2.4.2 encryption and A.2 #2', () => {
    expect(toHex(k.chacha20(seq(0, 32), hex('000000000000004a00000000'), 1, SUNSCREEN))).toBe(
      '6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8' +
      '07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab77937365af90bbf74a35be6b40b8eedf2785e42874d');
    const key = new Uint8Array(32); key[31] = 1;
    const nonce = new Uint8Array(12); nonce[11] = 2;
    expect(toHex(k.chacha20(key, nonce, 1, IETF_TEXT, [1, 63, 64, 100, 147]))).toBe(
      'a3fbf07df3fa2fde4f376ca23e82737041605d9f4f4f57bd8cff2c1d4b7955ec2a97948bd3722915c8f3d337f7d370050e9e96d647b7c39f56e031ca5eb6250d' +
      '4042e02785ececfa4b4bb5e8ead0440e20b6e8db09d881a7c6132f420e52795042bdfa7773d8a9051447b3291ce1411c680465552aa6c405b7764d5e87bea85a' +
      'd00f8449ed8f72d0d662ab052691ca66424bc86d2df80ea41f43abf937d3259dc4b2d0dfb48a6c9139ddd7f76966e928e635553ba76c5c879d7b35d49eb2e62b' +
      '0871cdac638939e25e8a1e0ef9d5280fa8ca328b351c3c765989cbcf3daa8b6ccc3aaf9f3979c92b3720fc88dc95ed84a1be059c6499b9fda236e7e818b04b0b' +
      'c39c1e876b193bfe5569753f88128cc08aaa9b63d1a16f80ef2554d7189c411f5869ca52c5b83fa36ff216b9c1d30062bebcfd2dc5bce0911934fda79a86f6e6' +
      '98ced759c3ff9b6477338f3da4f9cd8514ea9982ccafb341b2384dd902f3d1ab7ac61dd29c6f21ba5b862f3730e37cfdc4fd806c22f221');
  });

  it('RFC 8439 2.5.2 Poly1305 and A.3 vectors', () => {
    const key = hex('85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b');
    const msg = ascii('Cryptographic Forum Research Group');
    expect(toHex(k.poly1305(key, msg))).toBe('a8061dc1305136c6c22b8baf0c0127a9');
    expect(toHex(k.poly1305(key, msg, [3, 0, 14, 17]))).toBe('a8061dc1305136c6c22b8baf0c0127a9');
    expect(toHex(k.poly1305(new Uint8Array(32), new Uint8Array(64)))).toBe('00'.repeat(16));
    const s = hex('36e5f6b5c5e06070f0efca96227a863e');
    expect(toHex(k.poly1305(Uint8Array.from([...new Uint8Array(16), ...s]), IETF_TEXT))).toBe(toHex(s));
    // the reduction corner cases of A.3 #5..#11, checked against @noble/ciphers as well
    const r2 = hex('02' + '00'.repeat(15)), r1 = hex('01' + '00'.repeat(15)), zero = new Uint8Array(16);
    const rBig = hex('0100000000000000' + '0400000000000000');
    const cases: Array<[Uint8Array, Uint8Array, Uint8Array, string]> = [
      [r2, zero, hex('ff'.repeat(16)), '03' + '00'.repeat(15)],
      [r2, hex('ff'.repeat(16)), hex('02' + '00'.repeat(15)), '03' + '00'.repeat(15)],
      [r1, zero, hex('ff'.repeat(16) + 'f0' + 'ff'.repeat(15) + '11' + '00'.repeat(15)), '05' + '00'.repeat(15)],
      [r1, zero, hex('ff'.repeat(16) + 'fb' + 'fe'.repeat(15) + '01'.repeat(16)), '00'.repeat(16)],
      [r2, zero, hex('fd' + 'ff'.repeat(15)), 'fa' + 'ff'.repeat(15)],
      [rBig, zero, hex('e33594d7505e43b9' + '0000000000000000' + '3394d7505e4379cd' + '0100000000000000' + '00'.repeat(16) + '01' + '00'.repeat(15)),
        '14000000000000005500000000000000'],
      [rBig, zero, hex('e33594d7505e43b9' + '0000000000000000' + '3394d7505e4379cd' + '0100000000000000' + '00'.repeat(16)),
        '13' + '00'.repeat(15)],
    ];
    for (const [r, sPart, m, tag] of cases) {
      const fullKey = Uint8Array.from([...r, ...sPart]);
      expect(toHex(poly1305(m, fullKey))).toBe(tag);
      expect(toHex(k.poly1305(fullKey, m))).toBe(tag);
    }
  });

  it('Poly1305 limbs at their bounds: largest clamped r, all-ones blocks, long inputs, odd chunkings', () => {
    // the block step skips carry chains (limbs up to 34 bits); all-ones r and m give the largest column sums
    for (const [rByte, sByte] of [[0xff, 0xff], [0xff, 0x00], [0xfe, 0x01]] as const) {
      const key = Uint8Array.from([...new Uint8Array(16).fill(rByte), ...new Uint8Array(16).fill(sByte)]);
      for (const n of [16, 17, 63, 64, 255, 256, 1024, 4111, 65536]) {
        const msg = new Uint8Array(n).fill(0xff);
        const want = toHex(poly1305(msg, key));
        expect(toHex(k.poly1305(key, msg))).toBe(want);
        if (n > 65) expect(toHex(k.poly1305(key, msg, [1, 15, 16, 33, n - 65]))).toBe(want);
      }
    }
  });

  it('RFC 8439 2.6.2 Poly1305 key generation (keystream block 0)', () => {
    const out = k.chacha20(seq(0x80, 32), hex('000000000001020304050607'), 0, new Uint8Array(32));
    expect(toHex(out)).toBe('8ad5a08b905f81cc815040274ab29471a833b637e3fd0da508dbb8e2fdd1a646');
  });

  it('RFC 8439 2.8.2 AEAD seal and open, any chunking', () => {
    const key = seq(0x80, 32), nonce = hex('070000004041424344454647'), aad = hex('50515253c0c1c2c3c4c5c6c7');
    const ct = 'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b' +
      '1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116';
    for (const [dc, ac] of [[[114], [12]], [[1, 15, 16, 32, 50], [5, 0, 7]], [[64, 50], [12, 0]]] as const) {
      const sealed = k.aead(false, key, nonce, SUNSCREEN, aad, [...dc], [...ac]);
      expect(toHex(sealed.out)).toBe(ct);
      expect(toHex(sealed.tag)).toBe('1ae10b594f09e26a7e902ecbd0600691');
      const opened = k.aead(true, key, nonce, hex(ct), aad, [...dc], [...ac]);
      expect(opened.out).toEqual(SUNSCREEN);
      expect(toHex(opened.tag)).toBe('1ae10b594f09e26a7e902ecbd0600691');
    }
  });

  it('RFC 8439 A.5 AEAD decryption', () => {
    const key = hex('1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0');
    const ct = hex('64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb24c6cfc18755d43eea09ee94e382d26b0' +
      'bdb7b73c321b0100d4f03b7f355894cf332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855' +
      '9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4b9166c767b804d46a59b5216cde7a4e9' +
      '9040c5a40433225ee282a1b0a06c523eaf4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a' +
      '0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a1049e617d91d361094fa68f0ff77987130' +
      '305beaba2eda04df997b714d6c6f2c29a6ad5cb4022b02709b');
    const opened = k.aead(true, key, hex('000000000102030405060708'), ct, hex('f33388860000000000004e91'));
    expect(opened.out).toEqual(DRAFTS_TEXT);
    expect(toHex(opened.tag)).toBe('eead9d67890cbb22392336fea1851f38');
  });

  it('XChaCha draft 2.2.1 HChaCha20 and A.3.1 AEAD', () => {
    k.put(k.key, seq(0, 32)); k.put(k.nonce, hex('000000090000004a0000000031415927'));
    expect(k.fn('hchacha20')(k.key, k.nonce, k.tag)).toBe(OK);
    expect(toHex(k.get(k.tag, 32))).toBe('82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc');
    const key = seq(0x80, 32), nonce = hex('404142434445464748494a4b4c4d4e4f5051525354555657');
    const aad = hex('50515253c0c1c2c3c4c5c6c7');
    const sealed = k.aead(false, key, nonce, SUNSCREEN, aad, [7, 100, 7]);
    expect(toHex(sealed.out)).toBe('bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39' +
      'ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff921f9664c97637da9768812f615c68b13b52e');
    expect(toHex(sealed.tag)).toBe('c0875924c1c7987947deafd8780acf49');
  });

  it('equals node:crypto chacha20 and chacha20-poly1305 on random inputs and chunkings', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 70_000 }), fc.integer({ min: 0, max: 300 }), fc.array(fc.nat(), { maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 4 }), fc.nat({ max: 1000 }),
      (len, aadLen, cuts, aadCuts, counter) => {
        const key = randomBytes(32), nonce = randomBytes(12), aad = randomBytes(aadLen);
        const feeds = len <= 65_600 ? chunking(len, cuts) : null;
        if (!feeds) return; // larger messages go through the I/O buffer in pieces in the next property
        const pt = randomBytes(len);
        const iv = Buffer.concat([Buffer.from(Uint32Array.of(counter).buffer), nonce]);
        const want = createCipheriv('chacha20', key, iv).update(pt);
        expect(Buffer.from(k.chacha20(key, nonce, counter, pt, feeds)).equals(want)).toBe(true);
        const ref = nodeSeal(key, nonce, pt, aad);
        const sealed = k.aead(false, key, nonce, pt, aad, feeds, chunking(aadLen, aadCuts));
        expect(Buffer.from(sealed.out).equals(ref.ct)).toBe(true);
        expect(toHex(sealed.tag)).toBe(toHex(ref.tag));
        const opened = k.aead(true, key, nonce, ref.ct, aad, chunking(len, cuts.map((c) => c * 7)));
        expect(Buffer.from(opened.out).equals(pt)).toBe(true);
        expect(toHex(opened.tag)).toBe(toHex(ref.tag));
      }), { numRuns: 40 });
  });

  it('equals @noble/ciphers xchacha20poly1305 up to 70 000 bytes fed through the I/O buffer', () => {
    const ioSize = k.fn('ioSize')();
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 70_000 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1, max: 65_536 }),
      (len, aadLen, piece) => {
        const key = randomBytes(32), nonce = randomBytes(24), aad = randomBytes(aadLen), pt = randomBytes(len);
        const want = xchacha20poly1305(key, nonce, aad).encrypt(pt);
        k.put(k.key, key); k.put(k.nonce, nonce); k.put(k.aad, aad);
        expect(k.fn('aeadInit')(k.ctx, k.key, k.nonce, 24)).toBe(OK);
        expect(k.fn('aeadAad')(k.ctx, k.aad, aadLen)).toBe(OK);
        const out = new Uint8Array(len);
        for (let at = 0; at < len; at += Math.min(piece, ioSize)) {
          const part = pt.subarray(at, at + Math.min(piece, ioSize));
          k.put(k.io, part);
          expect(k.fn('aeadEncrypt')(k.ctx, k.io, part.length)).toBe(OK);
          out.set(k.get(k.io, part.length), at);
        }
        expect(k.fn('aeadFinal')(k.ctx, k.tag)).toBe(OK);
        expect(Buffer.from(out).equals(Buffer.from(want.subarray(0, len)))).toBe(true);
        expect(toHex(k.get(k.tag, 16))).toBe(toHex(want.subarray(len)));
      }), { numRuns: 25 });
  });

  it('carries keystream across chunk sizes around the block, row-pair and stripe boundaries', () => {
    const key = randomBytes(32), nonce = randomBytes(12), aad = randomBytes(20);
    const sizes = [1, 7, 15, 16, 17, 63, 64, 65, 127, 128, 129, 191, 192, 193, 255, 256, 257, 511, 513, 0, 3];
    const total = sizes.reduce((a, b) => a + b, 0);
    const pt = randomBytes(total);
    const iv = Buffer.concat([Buffer.from(Uint32Array.of(5).buffer), nonce]);
    const want = createCipheriv('chacha20', key, iv).update(pt);
    expect(Buffer.from(k.chacha20(key, nonce, 5, pt, sizes)).equals(want)).toBe(true);
    const ref = nodeSeal(key, nonce, pt, aad);
    for (const feeds of [sizes, [...sizes].reverse()]) {
      const sealed = k.aead(false, key, nonce, pt, aad, feeds, [3, 17]);
      expect(Buffer.from(sealed.out).equals(ref.ct)).toBe(true);
      expect(toHex(sealed.tag)).toBe(toHex(ref.tag));
      const opened = k.aead(true, key, nonce, ref.ct, aad, feeds, [20]);
      expect(Buffer.from(opened.out).equals(pt)).toBe(true);
      expect(toHex(opened.tag)).toBe(toHex(ref.tag));
    }
  });

  it('counter: starts where asked, stops at 2^32 - 1 without touching data', () => {
    const key = randomBytes(32), nonce = randomBytes(12);
    const iv = Buffer.concat([Buffer.from(Uint32Array.of(0xfffffffe).buffer), nonce]);
    const want = createCipheriv('chacha20', key, iv).update(Buffer.alloc(128));
    expect(Buffer.from(k.chacha20(key, nonce, 0xfffffffe, new Uint8Array(128), [10, 118])).equals(want)).toBe(true);
    // the stream is now exhausted: one more byte is refused and the buffer is left alone
    k.mem.fill(0xaa, k.io, k.io + 16);
    expect(k.fn('chacha20Xor')(k.ctx, k.io, 1)).toBe(BAD_LENGTH);
    expect(k.get(k.io, 16).every((b) => b === 0xaa)).toBe(true);
    expect(k.fn('chacha20Xor')(k.ctx, k.io, 0)).toBe(OK);
    // a request that would run past the end is refused as a whole, even from a fresh stream
    k.put(k.key, key); k.put(k.nonce, nonce);
    expect(k.fn('chacha20Init')(k.ctx, k.key, k.nonce, 0xffffffff)).toBe(OK);
    expect(k.fn('chacha20Xor')(k.ctx, k.io, 65)).toBe(BAD_LENGTH);
    expect(k.fn('chacha20Xor')(k.ctx, k.io, 64)).toBe(OK);
  });

  it('returns status codes for bad nonce lengths, bad pointers and calls out of order', () => {
    const f = (n: string, ...a: number[]): number => k.fn(n)(...a);
    const end = k.mem.length;
    for (const n of [0, 8, 11, 13, 16, 23, 25, -1]) expect(f('aeadInit', k.ctx, k.key, k.nonce, n)).toBe(BAD_NONCE_LENGTH);
    expect(f('aeadInit', end - 100, k.key, k.nonce, 12)).toBe(OUT_OF_BOUNDS);
    expect(f('aeadInit', k.ctx, end - 31, k.nonce, 12)).toBe(OUT_OF_BOUNDS);
    expect(f('aeadInit', k.ctx, k.key, end - 23, 24)).toBe(OUT_OF_BOUNDS);
    expect(f('chacha20Init', k.ctx, k.key, end - 4, 0)).toBe(OUT_OF_BOUNDS);
    expect(f('hchacha20', k.key, k.nonce, end - 16)).toBe(OUT_OF_BOUNDS);
    expect(f('poly1305Init', 0xffffffc0, k.key)).toBe(OUT_OF_BOUNDS);
    // fresh (zeroed) contexts are not initialised
    k.mem.fill(0, k.ctx, k.ctx + 512);
    expect(f('chacha20Xor', k.ctx, k.io, 1)).toBe(BAD_STATE);
    expect(f('poly1305Update', k.ctx, k.io, 1)).toBe(BAD_STATE);
    expect(f('aeadAad', k.ctx, k.io, 1)).toBe(BAD_STATE);
    expect(f('aeadEncrypt', k.ctx, k.io, 1)).toBe(BAD_STATE);
    expect(f('aeadFinal', k.ctx, k.tag)).toBe(BAD_STATE);
    // AAD after data, open after seal, anything after final
    expect(f('aeadInit', k.ctx, k.key, k.nonce, 12)).toBe(OK);
    expect(f('aeadEncrypt', k.ctx, k.io, 5)).toBe(OK);
    expect(f('aeadAad', k.ctx, k.aad, 1)).toBe(BAD_STATE);
    expect(f('aeadDecrypt', k.ctx, k.io, 5)).toBe(BAD_STATE);
    expect(f('aeadEncrypt', k.ctx, end - 10, 11)).toBe(OUT_OF_BOUNDS);
    expect(f('aeadEncrypt', k.ctx, k.io, -1)).toBe(OUT_OF_BOUNDS);
    expect(f('aeadFinal', k.ctx, k.tag)).toBe(OK);
    expect(f('aeadEncrypt', k.ctx, k.io, 5)).toBe(BAD_STATE);
    expect(f('aeadFinal', k.ctx, k.tag)).toBe(BAD_STATE);
    // poly1305 after final
    expect(f('poly1305Init', k.ctx, k.key)).toBe(OK);
    expect(f('poly1305Final', k.ctx, k.tag)).toBe(OK);
    expect(f('poly1305Update', k.ctx, k.io, 1)).toBe(BAD_STATE);
  });

  it('wipes key material: no key-dependent bytes in the context after final, none in scratch', () => {
    const key = randomBytes(32), nonce = randomBytes(24);
    k.put(k.key, key); k.put(k.nonce, nonce);
    expect(k.fn('aeadInit')(k.ctx, k.key, k.nonce, 24)).toBe(OK);
    expect(k.fn('aeadEncrypt')(k.ctx, k.io, 100)).toBe(OK);
    expect(k.fn('aeadFinal')(k.ctx, k.tag)).toBe(OK);
    const ctx = k.get(k.ctx, k.fn('aeadCtxSize')());
    expect(ctx.filter((b) => b !== 0).length).toBeLessThanOrEqual(1); // only the phase marker remains
    // no copy of the key or the HChaCha20 subkey anywhere below the arena (static scratch, I/O buffer aside)
    k.mem.fill(0, k.io, k.io + k.fn('ioSize')());
    expect(k.fn('hchacha20')(k.key, k.nonce, k.tag)).toBe(OK);
    const subkey = Buffer.from(k.get(k.tag, 32));
    const below = Buffer.from(k.get(0, k.fn('heapBase')()));
    expect(below.indexOf(Buffer.from(key.subarray(0, 16)))).toBe(-1);
    expect(below.indexOf(subkey.subarray(0, 16))).toBe(-1);
  });
});

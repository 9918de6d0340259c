/**
 * Known-answer vectors, hex. Used by the start-up self-tests (selftest.ts) and by test/kernels/vectors.test.ts.
 *   NIST SP 800-38A F.5.5 (CTR-AES256.Encrypt), F.2.5 / F.2.6 (CBC-AES256 Encrypt / Decrypt)
 *   RFC 8439 §2.4.2 (ChaCha20), §2.8.2 and A.5 (ChaCha20-Poly1305)
 *   draft-irtf-cfrg-xchacha-03 A.3.1 (XChaCha20-Poly1305)
 *   McGrew & Viega GCM spec test cases 1–4 (AES-128) and 13–16 (AES-256); an AAD-only AES-128 case
 */
import type { AeadAlgorithm } from '../types.js';

export interface StreamVector {
  name: string;
  key: string;
  iv: string;
  plaintext: string;
  ciphertext: string;
}

export interface AeadVector {
  name: string;
  alg: AeadAlgorithm;
  key: string;
  nonce: string;
  aad: string;
  plaintext: string;
  ciphertext: string;
  tag: string;
}

const SP800_38A_PLAINTEXT =
  '6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710';
const SP800_38A_KEY256 = '603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4';

export const CTR_VECTORS: StreamVector[] = [
  {
    name: 'SP 800-38A F.5.5 CTR-AES256.Encrypt',
    key: SP800_38A_KEY256,
    iv: 'f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff',
    plaintext: SP800_38A_PLAINTEXT,
    ciphertext:
      '601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c52b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6',
  },
];

/** F.2.5 encrypts plaintext → ciphertext; F.2.6 decrypts the same pair back. */
export const CBC_VECTORS: StreamVector[] = [
  {
    name: 'SP 800-38A F.2.5/F.2.6 CBC-AES256',
    key: SP800_38A_KEY256,
    iv: '000102030405060708090a0b0c0d0e0f',
    plaintext: SP800_38A_PLAINTEXT,
    ciphertext:
      'f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b',
  },
];

const SUNSCREEN =
  '4c616469657320616e642047656e746c656d656e206f662074686520636c617373206f66202739393a204966204920636f756c64206f6666657220796f75206f6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73637265656e20776f756c642062652069742e';

/** RFC 8439 §2.4.2: ChaCha20 with key 00..1f, nonce 00000000 0000004a 00000000, initial counter 1. */
export const CHACHA20_VECTOR = {
  name: 'RFC 8439 2.4.2 ChaCha20',
  key: '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
  nonce: '000000000000004a00000000',
  counter: 1,
  plaintext: SUNSCREEN,
  ciphertext:
    '6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d807ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab77937365af90bbf74a35be6b40b8eedf2785e42874d',
};

const A5_PLAINTEXT =
  '496e7465726e65742d4472616674732061726520647261667420646f63756d656e74732076616c696420666f722061206d6178696d756d206f6620736978206d6f6e74687320616e64206d617920626520757064617465642c207265706c616365642c206f72206f62736f6c65746564206279206f7468657220646f63756d656e747320617420616e792074696d652e20497420697320696e617070726f70726961746520746f2075736520496e7465726e65742d447261667473206173207265666572656e6365206d6174657269616c206f7220746f2063697465207468656d206f74686572207468616e206173202fe2809c776f726b20696e2070726f67726573732e2fe2809d';
const A5_CIPHERTEXT =
  '64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb24c6cfc18755d43eea09ee94e382d26b0bdb7b73c321b0100d4f03b7f355894cf332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c8559797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523eaf4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a1049e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29a6ad5cb4022b02709b';

const GCM_K1 = 'feffe9928665731c6d6a8f9467308308';
const GCM_IV = 'cafebabefacedbaddecaf888';
const GCM_AAD = 'feedfacedeadbeeffeedfacedeadbeefabaddad2';
const GCM_P64 =
  'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255';
const GCM_C128_64 =
  '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985';
const GCM_C256_64 =
  '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad';
const Z12 = '000000000000000000000000';
const Z16 = '00000000000000000000000000000000';

export const AEAD_VECTORS: AeadVector[] = [
  {
    name: 'RFC 8439 2.8.2',
    alg: 'chacha20-poly1305',
    key: '808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f',
    nonce: '070000004041424344454647',
    aad: '50515253c0c1c2c3c4c5c6c7',
    plaintext: SUNSCREEN,
    ciphertext:
      'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116',
    tag: '1ae10b594f09e26a7e902ecbd0600691',
  },
  {
    name: 'RFC 8439 A.5',
    alg: 'chacha20-poly1305',
    key: '1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0',
    nonce: '000000000102030405060708',
    aad: 'f33388860000000000004e91',
    plaintext: A5_PLAINTEXT,
    ciphertext: A5_CIPHERTEXT,
    tag: 'eead9d67890cbb22392336fea1851f38',
  },
  {
    name: 'draft-irtf-cfrg-xchacha A.3.1',
    alg: 'xchacha20-poly1305',
    key: '808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f',
    nonce: '404142434445464748494a4b4c4d4e4f5051525354555657',
    aad: '50515253c0c1c2c3c4c5c6c7',
    plaintext: SUNSCREEN,
    ciphertext:
      'bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff921f9664c97637da9768812f615c68b13b52e',
    tag: 'c0875924c1c7987947deafd8780acf49',
  },
  { name: 'GCM TC1 (AES-128, empty)', alg: 'aes-128-gcm', key: Z16, nonce: Z12, aad: '', plaintext: '', ciphertext: '', tag: '58e2fccefa7e3061367f1d57a4e7455a' },
  { name: 'GCM TC2 (AES-128)', alg: 'aes-128-gcm', key: Z16, nonce: Z12, aad: '', plaintext: Z16, ciphertext: '0388dace60b6a392f328c2b971b2fe78', tag: 'ab6e47d42cec13bdf53a67b21257bddf' },
  { name: 'GCM TC3 (AES-128)', alg: 'aes-128-gcm', key: GCM_K1, nonce: GCM_IV, aad: '', plaintext: GCM_P64, ciphertext: GCM_C128_64, tag: '4d5c2af327cd64a62cf35abd2ba6fab4' },
  { name: 'GCM TC4 (AES-128, AAD)', alg: 'aes-128-gcm', key: GCM_K1, nonce: GCM_IV, aad: GCM_AAD, plaintext: GCM_P64.slice(0, 120), ciphertext: GCM_C128_64.slice(0, 120), tag: '5bc94fbc3221a5db94fae95ae7121a47' },
  {
    name: 'GCM AES-128, AAD only',
    alg: 'aes-128-gcm',
    key: Z16,
    nonce: Z12,
    aad: GCM_P64 + GCM_C256_64,
    plaintext: '',
    ciphertext: '',
    tag: '5fea793a2d6f974d37e68e0cb8ff9492',
  },
  { name: 'GCM TC13 (AES-256, empty)', alg: 'aes-256-gcm', key: Z16 + Z16, nonce: Z12, aad: '', plaintext: '', ciphertext: '', tag: '530f8afbc74536b9a963b4f1c4cb738b' },
  { name: 'GCM TC14 (AES-256)', alg: 'aes-256-gcm', key: Z16 + Z16, nonce: Z12, aad: '', plaintext: Z16, ciphertext: 'cea7403d4d606b6e074ec5d3baf39d18', tag: 'd0d1c8a799996bf0265b98b5d48ab919' },
  { name: 'GCM TC15 (AES-256)', alg: 'aes-256-gcm', key: GCM_K1 + GCM_K1, nonce: GCM_IV, aad: '', plaintext: GCM_P64, ciphertext: GCM_C256_64, tag: 'b094dac5d93471bdec1a502270e3cc6c' },
  { name: 'GCM TC16 (AES-256, AAD)', alg: 'aes-256-gcm', key: GCM_K1 + GCM_K1, nonce: GCM_IV, aad: GCM_AAD, plaintext: GCM_P64.slice(0, 120), ciphertext: GCM_C256_64.slice(0, 120), tag: '76fc6ece0f4e1768cddf8853bb2d551b' },
];

export function hex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}

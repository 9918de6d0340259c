/**
 * Noise IK against the published cacophony test vectors for Noise_IK_25519_ChaChaPoly_SHA256
 * (vectors/noise-ik-cacophony.json: source and licence inside): both handshake messages byte for byte, the
 * handshake hash, then the transport messages through the split CipherStates.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadKernels, type KernelRegistry } from '../../../src/kernels/index.js';
import { IkInitiator, IkResponder, NOISE_IK_PROTOCOL } from '../../../src/upstream/relay/noise-ik.js';
import { keyPairFromPrivate } from '../../../src/upstream/relay/x25519.js';
import { RelayError } from '../../../src/upstream/relay/errors.js';

interface Vector {
  protocol_name: string;
  init_prologue: string;
  init_static: string;
  init_ephemeral: string;
  init_remote_static: string;
  resp_prologue: string;
  resp_static: string;
  resp_ephemeral: string;
  handshake_hash: string;
  messages: { payload: string; ciphertext: string }[];
}

const file = JSON.parse(readFileSync(new URL('./vectors/noise-ik-cacophony.json', import.meta.url), 'utf8')) as { vectors: Vector[] };
const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

let kernels: KernelRegistry;
beforeAll(async () => {
  kernels = await loadKernels({ calibrate: false });
});

describe('Noise IK (cacophony vectors)', () => {
  it('has the vectors for this protocol', () => {
    expect(file.vectors.length).toBeGreaterThan(0);
    for (const v of file.vectors) expect(v.protocol_name).toBe(NOISE_IK_PROTOCOL);
  });

  it.each(file.vectors.map((v, i) => [i, v] as const))('vector %i: messages, handshake hash and transport', (_i, v) => {
    const aead = kernels.aead('chacha20-poly1305');
    const initiator = new IkInitiator(
      { aead, prologue: hex(v.init_prologue), staticKey: keyPairFromPrivate(hex(v.init_static)), ephemeralPrivate: hex(v.init_ephemeral) },
      hex(v.init_remote_static),
    );
    const responder = new IkResponder({ aead, prologue: hex(v.resp_prologue), staticKey: keyPairFromPrivate(hex(v.resp_static)), ephemeralPrivate: hex(v.resp_ephemeral) });

    const [m1, m2, ...transport] = v.messages;
    const msg1 = initiator.writeMessage1(hex(m1!.payload));
    expect(toHex(msg1)).toBe(m1!.ciphertext);
    const read1 = responder.readMessage1(msg1);
    expect(toHex(read1.payload)).toBe(m1!.payload);
    expect(toHex(read1.remoteStatic)).toBe(toHex(keyPairFromPrivate(hex(v.init_static)).publicKey));

    const { message: msg2, result: rResult } = responder.writeMessage2(hex(m2!.payload));
    expect(toHex(msg2)).toBe(m2!.ciphertext);
    const { payload: p2, result: iResult } = initiator.readMessage2(msg2);
    expect(toHex(p2)).toBe(m2!.payload);
    expect(toHex(iResult.handshakeHash)).toBe(v.handshake_hash);
    expect(toHex(rResult.handshakeHash)).toBe(v.handshake_hash);

    transport.forEach((m, i) => {
      const [sender, receiver] = i % 2 === 0 ? [iResult, rResult] : [rResult, iResult];
      const ct = sender.send.encryptWithAd(new Uint8Array(0), hex(m.payload));
      expect(toHex(ct)).toBe(m.ciphertext);
      expect(toHex(receiver.receive.decryptWithAd(new Uint8Array(0), ct))).toBe(m.payload);
    });
  });

  it('refuses message 1 sent to the wrong static key (the pin) with handshake-auth', () => {
    const v = file.vectors[0]!;
    const aead = kernels.aead('chacha20-poly1305');
    const initiator = new IkInitiator({ aead, prologue: new Uint8Array(0), staticKey: keyPairFromPrivate(hex(v.init_static)) }, hex(v.init_remote_static));
    const stranger = new IkResponder({ aead, prologue: new Uint8Array(0), staticKey: keyPairFromPrivate(hex(v.init_ephemeral)) });
    const msg1 = initiator.writeMessage1(new Uint8Array(0));
    expect(() => stranger.readMessage1(msg1)).toThrowError(expect.objectContaining({ reason: 'handshake-auth', code: 'ERR_RELAY_HANDSHAKE' }) as RelayError);
  });
});

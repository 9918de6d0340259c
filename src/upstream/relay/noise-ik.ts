/**
 * The Noise IK handshake, Noise_IK_25519_ChaChaPoly_SHA256 (noiseprotocol.org/noise.html revision 34, sections
 * 5.3 and 7.5):
 *
 *   IK:
 *     <- s
 *     ...
 *     -> e, es, s, ss
 *     <- e, ee, se
 *
 * The initiator (the relay entry) knows the responder's (the exit's) static key up front: that is the pin.
 * Only this pattern is implemented; the tokens are written out in order rather than interpreted from a table.
 */
import type { Aead } from '../../kernels/index.js';
import { concatBytes as concat } from '../../protocol/bytes.js';
import { RelayError } from './errors.js';
import { CipherState, SymmetricState } from './noise-symmetric.js';
import { dh, generateKeyPair, keyPairFromPrivate, X25519_KEY_LENGTH, type X25519KeyPair } from './x25519.js';

export const NOISE_IK_PROTOCOL = 'Noise_IK_25519_ChaChaPoly_SHA256';
const TAG_LENGTH = 16;
/** Message 1 without payload: e (32) ‖ encrypted s (32 + 16); its payload adds a 16-byte tag. */
export const IK_MESSAGE1_OVERHEAD = X25519_KEY_LENGTH + X25519_KEY_LENGTH + TAG_LENGTH + TAG_LENGTH;
/** Message 2 without payload: e (32); its payload adds a 16-byte tag. */
export const IK_MESSAGE2_OVERHEAD = X25519_KEY_LENGTH + TAG_LENGTH;

export interface IkOptions {
  aead: Aead;
  prologue: Uint8Array;
  staticKey: X25519KeyPair;
  /** Fixed ephemeral private key: test vectors only. */
  ephemeralPrivate?: Uint8Array;
}

export interface IkResult {
  /** Transport CipherStates (section 5.2 Split): [initiator → responder, responder → initiator]. */
  send: CipherState;
  receive: CipherState;
  /** The raw split keys, same order as send/receive (the relay derives its record keys from them). */
  sendKey: Uint8Array;
  receiveKey: Uint8Array;
  /** The handshake hash (section 5.2 GetHandshakeHash): binds everything both sides saw. */
  handshakeHash: Uint8Array;
}

abstract class IkParty {
  protected readonly ss: SymmetricState;
  protected e: X25519KeyPair | undefined;

  constructor(protected readonly options: IkOptions, responderStatic: Uint8Array) {
    this.ss = new SymmetricState(options.aead, NOISE_IK_PROTOCOL);
    this.ss.mixHash(options.prologue);
    this.ss.mixHash(responderStatic); // the pre-message "<- s"
  }

  protected makeEphemeral(): X25519KeyPair {
    const pair = this.options.ephemeralPrivate ? keyPairFromPrivate(this.options.ephemeralPrivate) : generateKeyPair();
    this.e = pair;
    return pair;
  }

  protected finish(initiator: boolean): IkResult {
    const [k1, k2] = this.ss.split();
    const [sendKey, receiveKey] = initiator ? [k1, k2] : [k2, k1];
    const aead = this.options.aead;
    return { send: new CipherState(aead, sendKey), receive: new CipherState(aead, receiveKey), sendKey, receiveKey, handshakeHash: this.ss.h };
  }
}

/** The initiator: writes message 1, reads message 2. */
export class IkInitiator extends IkParty {
  constructor(options: IkOptions, private readonly remoteStatic: Uint8Array) {
    super(options, remoteStatic);
  }

  /** -> e, es, s, ss, payload */
  writeMessage1(payload: Uint8Array): Uint8Array {
    const e = this.makeEphemeral();
    this.ss.mixHash(e.publicKey);
    this.ss.mixKey(dh(e, this.remoteStatic));
    const s = this.ss.encryptAndHash(this.options.staticKey.publicKey);
    this.ss.mixKey(dh(this.options.staticKey, this.remoteStatic));
    const body = this.ss.encryptAndHash(payload);
    return concat(e.publicKey, s, body);
  }

  /** <- e, ee, se, payload. Returns the payload and the transport state. */
  readMessage2(message: Uint8Array): { payload: Uint8Array; result: IkResult } {
    if (message.length < IK_MESSAGE2_OVERHEAD) throw new RelayError('handshake-malformed', 'Noise IK message 2 is too short');
    const re = message.subarray(0, X25519_KEY_LENGTH);
    this.ss.mixHash(re);
    this.ss.mixKey(dh(this.e!, re));
    this.ss.mixKey(dh(this.options.staticKey, re));
    const payload = this.ss.decryptAndHash(message.subarray(X25519_KEY_LENGTH));
    return { payload, result: this.finish(true) };
  }
}

/** The responder: reads message 1 (learning the initiator's static key), writes message 2. */
export class IkResponder extends IkParty {
  private re: Uint8Array | undefined;
  private rs: Uint8Array | undefined;

  constructor(options: IkOptions) {
    super(options, options.staticKey.publicKey);
  }

  /** Returns the initiator's static key, its ephemeral key and the payload. */
  readMessage1(message: Uint8Array): { remoteStatic: Uint8Array; remoteEphemeral: Uint8Array; payload: Uint8Array } {
    if (message.length < IK_MESSAGE1_OVERHEAD) throw new RelayError('handshake-malformed', 'Noise IK message 1 is too short');
    const re = message.slice(0, X25519_KEY_LENGTH);
    this.ss.mixHash(re);
    this.ss.mixKey(dh(this.options.staticKey, re));
    const rs = this.ss.decryptAndHash(message.subarray(X25519_KEY_LENGTH, 2 * X25519_KEY_LENGTH + TAG_LENGTH));
    this.ss.mixKey(dh(this.options.staticKey, rs));
    const payload = this.ss.decryptAndHash(message.subarray(2 * X25519_KEY_LENGTH + TAG_LENGTH));
    this.re = re;
    this.rs = Uint8Array.from(rs);
    return { remoteStatic: this.rs, remoteEphemeral: re, payload };
  }

  /** <- e, ee, se, payload */
  writeMessage2(payload: Uint8Array): { message: Uint8Array; result: IkResult } {
    const e = this.makeEphemeral();
    this.ss.mixHash(e.publicKey);
    this.ss.mixKey(dh(e, this.re!));
    this.ss.mixKey(dh(e, this.rs!));
    const body = this.ss.encryptAndHash(payload);
    return { message: concat(e.publicKey, body), result: this.finish(false) };
  }
}

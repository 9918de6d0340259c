/**
 * One end of a middle-proxy RPC link on a socket (docs/protocol.md "Middle proxy"): frames out with sequence
 * numbers, checksum and padding, frames in through the incremental decoder, and — after the nonce exchange —
 * AES-256-CBC both ways from the kernel registry, chained across packets (the link is one CBC stream per
 * direction). Used by MiddleLink (client side) and by test middle proxies (server side).
 *
 * Hot path: an outgoing frame is built in a scratch buffer reused for the link's life and the cipher's fresh
 * output goes to the socket (node:crypto cannot encrypt in place, so building into a fresh buffer too would
 * allocate every frame twice); incoming bytes are copied once into the decoder's buffer and decrypted there;
 * payloads are borrowed views. Frames sent
 * in one turn of the event loop (many clients' packets read in the same poll phase) leave in one writev: the
 * socket is corked at the first and uncorked by one setImmediate per turn, not per frame.
 */
import type { Socket } from 'node:net';
import type { CbcCipher, KernelRegistry } from '../../kernels/index.js';
import type { CrcKind } from './crc.js';
import { START_SEQ } from './constants.js';
import { FrameDecoder, frameSize, sealFrame, BODY_OFFSET } from './frame-codec.js';
import type { CbcKeyIv } from './key-derivation.js';

/** The part of the kernel registry a link needs. */
export type CbcSource = Pick<KernelRegistry, 'cbc'>;

/** Frames up to this size are built in the reusable scratch; larger ones (rare) get their own buffer. */
const SCRATCH_MAX = 1024 * 1024;

export interface RpcChannelOptions {
  maxPayload?: number | undefined;
}

export class RpcChannel {
  /** Receives each payload (borrowed until the handler returns); replaced as the link moves past its handshake. */
  onPacket: (payload: Buffer) => void = () => {};
  /** A bad frame or a throwing handler: the owner closes the link. Called once. */
  onFailure: (err: unknown) => void = () => {};
  private readonly decoder: FrameDecoder;
  private sendSeq = START_SEQ;
  private sendCrc: CrcKind = 'crc32';
  private encryptor: CbcCipher | undefined;
  private decryptor: CbcCipher | undefined;
  private failed = false;
  private corked = false;
  /** Where encrypted frames are built (the cipher's output is what is sent). */
  private scratch: Buffer | undefined;

  constructor(readonly socket: Socket, options: RpcChannelOptions = {}) {
    this.decoder = new FrameDecoder({ maxPayload: options.maxPayload });
    socket.on('data', this.onData);
  }

  get encrypted(): boolean {
    return this.encryptor !== undefined;
  }

  get dead(): boolean {
    return this.failed;
  }

  /**
   * A frame buffer for a payload of `bodyLength` bytes; write the payload at BODY_OFFSET, then send() before the
   * next packet() (on an encrypted link it is the reused scratch).
   */
  packet(bodyLength: number): Buffer {
    const size = frameSize(bodyLength, this.encryptor !== undefined);
    if (this.encryptor === undefined || size > SCRATCH_MAX) return Buffer.allocUnsafe(size);
    if (this.scratch === undefined || this.scratch.length < size) this.scratch = Buffer.allocUnsafe(Math.max(size, Math.min(SCRATCH_MAX, 2 * (this.scratch?.length ?? 2048))));
    return this.scratch.subarray(0, size);
  }

  /** Seals, encrypts (once the link is encrypted) and writes a frame from packet(); false: the socket is full. */
  send(frame: Buffer, bodyLength: number): boolean {
    sealFrame(frame, bodyLength, this.sendSeq, this.sendCrc);
    this.sendSeq = (this.sendSeq + 1) | 0;
    let wire: Uint8Array = frame;
    // the scratch is encrypted into the cipher's fresh output; a frame of its own in place
    if (this.encryptor) wire = frame.buffer === this.scratch?.buffer ? this.encryptor.update(frame) : this.encryptor.update(frame, frame);
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      setImmediate(uncork, this);
    }
    return this.socket.write(wire);
  }

  /** Lets the frames of this turn go (uncork's shared function). */
  flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  }

  sendPayload(payload: Uint8Array): boolean {
    const frame = this.packet(payload.length);
    frame.set(payload, BODY_OFFSET);
    return this.send(frame, payload.length);
  }

  /** From now on: what we send is encrypted with `keys.encrypt`, every unread byte decrypted with `keys.decrypt`. */
  startEncryption(source: CbcSource, keys: { encrypt: CbcKeyIv; decrypt: CbcKeyIv }): void {
    this.encryptor = source.cbc('encrypt', keys.encrypt.key, keys.encrypt.iv);
    this.decryptor = source.cbc('decrypt', keys.decrypt.key, keys.decrypt.iv);
    this.decoder.setCipher(this.decryptor);
  }

  /** CRC32-C both ways for every frame after this point. */
  useCrc(kind: CrcKind): void {
    this.sendCrc = kind;
    this.decoder.crc = kind;
  }

  /** Stops reading and wipes the ciphers; the owner destroys the socket. */
  dispose(): void {
    this.failed = true;
    this.socket.removeListener('data', this.onData);
    this.encryptor?.destroy();
    this.decryptor?.destroy();
    this.encryptor = this.decryptor = undefined;
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.failed) return;
    try {
      this.decoder.push(chunk);
      for (let p = this.decoder.next(); p !== undefined; p = this.failed ? undefined : this.decoder.next()) this.onPacket(p);
    } catch (err) {
      if (this.failed) return;
      this.failed = true;
      this.onFailure(err);
    }
  };
}

function uncork(channel: RpcChannel): void {
  channel.flush();
}

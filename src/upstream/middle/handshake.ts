/**
 * The handshake of a middle-proxy link, both roles (docs/protocol.md "Middle proxy", handshake):
 *
 *   client → RPC_NONCE (plain)      server → RPC_NONCE (plain, its own nonce)
 *   both derive the CBC keys (key-derivation.ts) and switch to AES-256-CBC for every following byte
 *   client → RPC_HANDSHAKE          server → RPC_HANDSHAKE (echoing the client's process id)
 *   CRC32-C from then on when both handshakes carry flag 0x800.
 *
 * Each step runs synchronously inside the packet handler, so a cipher is in place before the next frame of the
 * same chunk is read; the caller's handler takes over in the same way once the handshake is done.
 */
import { randomBytes } from 'node:crypto';
import { RPC_CRYPTO_AES, RPC_FLAG_CRC32C } from './constants.js';
import { MiddleProtocolError } from './errors.js';
import { encodeHandshake, encodeNonce, keySelector, parseHandshake, parseNonce, processId } from './handshake-messages.js';
import { deriveLinkKeys } from './key-derivation.js';
import { parseAddress, type LinkAddress } from './addresses.js';
import type { CbcSource, RpcChannel } from './rpc-channel.js';
import type { CrcKind } from './crc.js';

export interface HandshakeOptions {
  proxySecret: Uint8Array;
  registry: CbcSource;
  /** Client: offer CRC32-C. Server: accept it when offered. Default false. */
  crc32c?: boolean | undefined;
  timeoutMs?: number | undefined;
  /** Seconds since the epoch for RPC_NONCE (tests pin it). */
  now?: (() => number) | undefined;
}

export interface ClientHandshakeOptions extends HandshakeOptions {
  /** Our public IPv4 / IPv6 address for the key derivation behind NAT (default: the socket's local address). */
  natIp?: string | undefined;
  natIp6?: string | undefined;
}

export interface ServerHandshakeOptions extends HandshakeOptions {
  /** The client's address as the key derivation should use it (default: the socket's peer; a NAT test sets it). */
  clientAddress?: LinkAddress | undefined;
}

export interface HandshakeResult {
  crc: CrcKind;
  /** The peer's process id from its RPC_HANDSHAKE. */
  peerPid: Uint8Array;
}

const DEFAULT_TIMEOUT_MS = 10_000;

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function socketEnds(channel: RpcChannel): { local: LinkAddress; remote: LinkAddress } {
  const s = channel.socket;
  if (!s.localAddress || !s.remoteAddress || s.localPort === undefined || s.remotePort === undefined) {
    throw new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_LINK_CLOSED', 'the link socket is not connected');
  }
  return { local: { ip: s.localAddress, port: s.localPort }, remote: { ip: s.remoteAddress, port: s.remotePort } };
}

/**
 * Runs `steps` (a packet handler returning a result when done) with a deadline, a close watch and failure
 * reporting; on success hands the channel to `next`.
 */
function runHandshake(
  channel: RpcChannel,
  options: HandshakeOptions,
  steps: (payload: Buffer) => HandshakeResult | undefined,
  next: (payload: Buffer) => void,
): Promise<HandshakeResult> {
  return new Promise((resolve, reject) => {
    const socket = channel.socket;
    const finish = (err: unknown, result?: HandshakeResult) => {
      clearTimeout(timer);
      socket.removeListener('close', onClose);
      if (err !== undefined) {
        channel.onPacket = () => {};
        reject(err);
      } else resolve(result!);
    };
    const onClose = () => finish(new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_LINK_CLOSED', 'the link closed during its handshake'));
    const timer = setTimeout(
      () => finish(new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_HANDSHAKE_TIMEOUT', 'the middle-proxy handshake did not complete in time')),
      options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    );
    socket.once('close', onClose);
    channel.onFailure = (err) => finish(err);
    channel.onPacket = (payload) => {
      const result = steps(payload);
      if (result === undefined) return;
      channel.onPacket = next;
      finish(undefined, result);
    };
  });
}

/** Our side: send RPC_NONCE now, answer the server's, and resolve once its RPC_HANDSHAKE checks out. */
export function clientHandshake(channel: RpcChannel, options: ClientHandshakeOptions, next: (payload: Buffer) => void): Promise<HandshakeResult> {
  const { local, remote } = socketEnds(channel);
  const selector = keySelector(options.proxySecret);
  const timestamp = (options.now ?? nowSeconds)() >>> 0;
  const nonce = randomBytes(16);
  const remoteIsV4 = parseAddress(remote.ip).v4 !== undefined;
  const client = { ip: (remoteIsV4 ? options.natIp : options.natIp6) ?? local.ip, port: local.port };
  const myPid = processId(parseAddress(local.ip).v4, local.port, process.pid, timestamp);
  const flags = options.crc32c ? RPC_FLAG_CRC32C : 0;
  let state: 'nonce' | 'handshake' = 'nonce';
  const promise = runHandshake(channel, options, (payload) => {
    if (state === 'nonce') {
      const answer = parseNonce(payload);
      if (answer.keySelector !== selector) throw new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_HANDSHAKE', 'the middle proxy answered for another proxy secret');
      const keys = deriveLinkKeys('client', {
        nonceServer: answer.nonce,
        nonceClient: nonce,
        clientTimestamp: timestamp,
        server: remote,
        client,
        proxySecret: options.proxySecret,
      });
      channel.startEncryption(options.registry, keys);
      channel.sendPayload(encodeHandshake({ flags, senderPid: myPid, peerPid: new Uint8Array(12) }));
      state = 'handshake';
      return undefined;
    }
    const answer = parseHandshake(payload);
    if (!Buffer.from(answer.peerPid).equals(myPid)) throw new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_HANDSHAKE', 'RPC_HANDSHAKE answer names another peer');
    const crc: CrcKind = flags & answer.flags & RPC_FLAG_CRC32C ? 'crc32c' : 'crc32';
    channel.useCrc(crc);
    return { crc, peerPid: answer.senderPid };
  }, next);
  channel.sendPayload(encodeNonce({ keySelector: selector, schema: RPC_CRYPTO_AES, timestamp, nonce }));
  return promise;
}

/** The middle proxy's side (test servers): answer RPC_NONCE, switch to CBC, answer RPC_HANDSHAKE. */
export function serverHandshake(channel: RpcChannel, options: ServerHandshakeOptions, next: (payload: Buffer) => void): Promise<HandshakeResult> {
  const { local, remote } = socketEnds(channel);
  const selector = keySelector(options.proxySecret);
  const myPid = processId(parseAddress(local.ip).v4, local.port, process.pid, nowSeconds());
  let state: 'nonce' | 'handshake' = 'nonce';
  return runHandshake(channel, options, (payload) => {
    if (state === 'nonce') {
      const hello = parseNonce(payload);
      if (hello.keySelector !== selector) throw new MiddleProtocolError('ERR_PROTOCOL_MIDDLE_HANDSHAKE', 'the client holds another proxy secret');
      const nonce = randomBytes(16);
      channel.sendPayload(encodeNonce({ keySelector: selector, schema: RPC_CRYPTO_AES, timestamp: (options.now ?? nowSeconds)(), nonce }));
      const keys = deriveLinkKeys('server', {
        nonceServer: nonce,
        nonceClient: hello.nonce,
        clientTimestamp: hello.timestamp,
        server: local,
        client: options.clientAddress ?? remote,
        proxySecret: options.proxySecret,
      });
      channel.startEncryption(options.registry, keys);
      state = 'handshake';
      return undefined;
    }
    const hello = parseHandshake(payload);
    const flags = options.crc32c && hello.flags & RPC_FLAG_CRC32C ? RPC_FLAG_CRC32C : 0;
    channel.sendPayload(encodeHandshake({ flags, senderPid: myPid, peerPid: hello.senderPid }));
    const crc: CrcKind = flags ? 'crc32c' : 'crc32';
    channel.useCrc(crc);
    return { crc, peerPid: hello.senderPid };
  }, next);
}

/**
 * RPC message layouts (docs/protocol.md "Middle proxy"): RPC_PROXY_REQ bytes at their offsets (flags, connection
 * id, IPv4-mapped and IPv6 addresses, the ad tag in its TL form), request flags per client framing, the answers
 * the middle proxy sends, and the handshake packets.
 */
import { describe, expect, it } from 'vitest';
import {
  encodeCloseConn,
  encodeHandshake,
  encodeNonce,
  encodePong,
  encodeProxyAns,
  encodeSimpleAck,
  keySelector,
  parseHandshake,
  parseMiddleMessage,
  parseNonce,
  parseProxyReq,
  proxyReqFlags,
  proxyReqTemplate,
  writeProxyReq,
} from '../../../src/upstream/middle/index.js';

const TAG = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

describe('RPC_PROXY_REQ', () => {
  it('lays out type, flags, id, addresses, ports, extra block and packet at their offsets', () => {
    const template = proxyReqTemplate({ connId: 0x0102030405060708n, client: { ip: '203.0.113.9', port: 5555 }, proxy: { ip: '2001:db8::1', port: 443 }, adTag: TAG });
    const packet = Buffer.alloc(8, 0xee);
    const body = Buffer.alloc(template.length + packet.length);
    writeProxyReq(body, 0, template, proxyReqFlags('intermediate', true, false, packet), packet);
    const hex = body.toString('hex');
    expect(hex.slice(0, 8)).toBe('eef1ce36');
    expect(body.readUInt32LE(4)).toBe(0x20000000 | 0x20000 | 0x1000 | 0x8);
    expect(hex.slice(16, 32)).toBe('0807060504030201');
    expect(hex.slice(32, 64)).toBe('00000000000000000000ffffcb007109');
    expect(body.readUInt32LE(32)).toBe(5555);
    expect(hex.slice(72, 104)).toBe('20010db8000000000000000000000001');
    expect(body.readUInt32LE(52)).toBe(443);
    // extra: size 24, TL_PROXY_TAG, TL string (16, tag, 3 zero bytes)
    expect(hex.slice(112, 168)).toBe('18000000' + 'ae261edb' + '10' + TAG.toString('hex') + '000000');
    expect(body.subarray(84).equals(packet)).toBe(true);
    const parsed = parseProxyReq(body);
    expect(parsed.connId).toBe(0x0102030405060708n);
    expect(Buffer.from(parsed.adTag!).equals(TAG)).toBe(true);
    expect(Buffer.from(parsed.packet).equals(packet)).toBe(true);
  });

  it('has no extra block without an ad tag, and rejects a tag of the wrong size', () => {
    expect(proxyReqTemplate({ connId: 1n, client: { ip: '127.0.0.1', port: 1 }, proxy: { ip: '127.0.0.1', port: 2 } })).toHaveLength(56);
    expect(() => proxyReqTemplate({ connId: 1n, client: { ip: '127.0.0.1', port: 1 }, proxy: { ip: '127.0.0.1', port: 2 }, adTag: Buffer.alloc(15) })).toThrow(
      expect.objectContaining({ code: 'ERR_PROTOCOL_MIDDLE_MESSAGE' }),
    );
  });

  it('flags: framing, quick-ack, plaintext MTProto', () => {
    const enc = Buffer.alloc(16, 1);
    const plain = Buffer.concat([Buffer.alloc(8), Buffer.alloc(8, 1)]);
    expect(proxyReqFlags('abridged', false, false, enc)).toBe(0x40000000 | 0x21000);
    expect(proxyReqFlags('padded', false, false, enc)).toBe(0x28000000 | 0x21000);
    expect(proxyReqFlags('intermediate', false, true, enc)).toBe((0x80000000 | 0x20000000 | 0x21000) >>> 0);
    expect(proxyReqFlags('intermediate', false, false, plain)).toBe(0x20000000 | 0x21000 | 0x2);
  });
});

describe('answers and control messages', () => {
  it('parses RPC_PROXY_ANS, RPC_SIMPLE_ACK, RPC_CLOSE_EXT, RPC_PING', () => {
    expect(parseMiddleMessage(encodeProxyAns(7n, 0, Buffer.alloc(4, 9)))).toMatchObject({ type: 'answer', connId: 7n, packet: Buffer.alloc(4, 9) });
    expect(parseMiddleMessage(encodeSimpleAck(7n, 0x80001234))).toEqual({ type: 'simple-ack', connId: 7n, confirm: 0x80001234 });
    expect(parseMiddleMessage(Buffer.from('a234b65e0900000000000000', 'hex'))).toEqual({ type: 'close', connId: 9n });
    expect(parseMiddleMessage(Buffer.from('dfa23057ffffffffffffffff', 'hex'))).toEqual({ type: 'ping', pingId: 0xffffffffffffffffn });
    expect(encodeCloseConn(9n).toString('hex')).toBe('5d42cf1f0900000000000000');
    expect(encodePong(1n).toString('hex')).toBe('a7ea30840100000000000000');
  });

  it('rejects unknown types and wrong lengths with a typed error', () => {
    for (const bad of ['01020304', 'a234b65e09000000', '9b40ac3b', '0dda0344']) {
      expect(() => parseMiddleMessage(Buffer.from(bad, 'hex'))).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL_MIDDLE_MESSAGE' }));
    }
  });
});

describe('handshake packets', () => {
  it('round-trips RPC_NONCE and RPC_HANDSHAKE and checks their type and scheme', () => {
    const secret = Buffer.concat([Buffer.from('c4f9faca', 'hex'), Buffer.alloc(124)]);
    expect(keySelector(secret)).toBe(0xcafaf9c4);
    const nonce = encodeNonce({ keySelector: keySelector(secret), schema: 1, timestamp: 1528396015, nonce: Buffer.alloc(16, 3) });
    expect(nonce.subarray(0, 16).toString('hex')).toBe('aa87cb7a' + 'c4f9faca' + '01000000' + 'ef78195b');
    expect(parseNonce(nonce).timestamp).toBe(1528396015);
    const wrongScheme = Buffer.from(nonce);
    wrongScheme.writeUInt32LE(2, 8);
    expect(() => parseNonce(wrongScheme)).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL_MIDDLE_HANDSHAKE' }));
    const hs = encodeHandshake({ flags: 0x800, senderPid: Buffer.alloc(12, 1), peerPid: Buffer.alloc(12, 2) });
    expect(parseHandshake(hs)).toEqual({ flags: 0x800, senderPid: new Uint8Array(12).fill(1), peerPid: new Uint8Array(12).fill(2) });
    expect(() => parseHandshake(Buffer.from('dabe276a' + '00'.repeat(28), 'hex'))).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL_MIDDLE_HANDSHAKE' }));
    expect(() => keySelector(Buffer.alloc(8))).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL_MIDDLE_HANDSHAKE' }));
  });
});

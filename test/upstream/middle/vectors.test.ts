/**
 * The middle-proxy key derivation, "full" framing and checksums against the published vectors
 * (vectors/seriyps, Apache-2.0 data from seriyps/mtproto_proxy), plus the address-family variants the vectors
 * do not cover (IPv6, NAT address) checked for the properties the derivation must have.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { deriveMiddleKey, deriveLinkKeys } from '../../../src/upstream/middle/key-derivation.js';
import { randomBytes } from 'node:crypto';
import { crc32, crc32ByTable, crc32c } from '../../../src/upstream/middle/crc.js';
import { encodeFrame } from '../../../src/upstream/middle/frame-codec.js';
import { fromHex, toHex } from '../../../src/protocol/bytes.js';

const vectors = JSON.parse(readFileSync(new URL('./vectors/seriyps/vectors.json', import.meta.url), 'utf8')) as {
  middle_key: Record<string, string | number>;
  full_frame: Array<{ seq: number; payload_hex: string; pad16: boolean; expected_hex: string }>;
  checksums: { crc32_of_123456789: string; crc32c_of_123456789: string };
};

const mk = vectors.middle_key;
const base = {
  nonceServer: fromHex(mk['nonce_srv_hex'] as string),
  nonceClient: fromHex(mk['nonce_clt_hex'] as string),
  clientTimestamp: mk['client_timestamp'] as number,
  server: { ip: mk['server_ip'] as string, port: mk['server_port'] as number },
  client: { ip: mk['client_ip'] as string, port: mk['client_port'] as number },
  proxySecret: fromHex(mk['proxy_secret_hex'] as string),
};

describe('middle-proxy key derivation', () => {
  it('matches the published CLIENT key and IV', () => {
    const { key, iv } = deriveMiddleKey({ ...base, purpose: mk['purpose'] as 'CLIENT' });
    expect(toHex(key)).toBe(mk['expected_key_hex']);
    expect(toHex(iv)).toBe(mk['expected_iv_hex']);
  });

  it('accepts IPv4-mapped IPv6 text for IPv4 ends (what dual-stack sockets report)', () => {
    const { key } = deriveMiddleKey({ ...base, purpose: 'CLIENT', client: { ip: `::ffff:${base.client.ip}`, port: base.client.port } });
    expect(toHex(key)).toBe(mk['expected_key_hex']);
  });

  it('gives the two ends mirrored material, and SERVER differs from CLIENT', () => {
    const c = deriveLinkKeys('client', base);
    const s = deriveLinkKeys('server', base);
    expect(c.encrypt).toEqual(s.decrypt);
    expect(c.decrypt).toEqual(s.encrypt);
    expect(toHex(c.encrypt.key)).not.toBe(toHex(c.decrypt.key));
  });

  it('depends on every address and port (a NAT address changes the keys)', () => {
    const ref = toHex(deriveMiddleKey({ ...base, purpose: 'CLIENT' }).key);
    const variants = [
      { client: { ip: '203.0.113.7', port: base.client.port } },
      { client: { ip: base.client.ip, port: base.client.port + 1 } },
      { server: { ip: '149.154.162.39', port: base.server.port } },
      { server: { ip: base.server.ip, port: 443 } },
      { clientTimestamp: base.clientTimestamp + 1 },
    ];
    for (const v of variants) expect(toHex(deriveMiddleKey({ ...base, ...v, purpose: 'CLIENT' }).key)).not.toBe(ref);
  });

  it('IPv6 links derive from the 16-byte addresses; mixed families are a typed error', () => {
    const v6 = { ...base, client: { ip: '2001:db8::1', port: 1 }, server: { ip: '2001:db8::2', port: 443 } };
    const a = deriveMiddleKey({ ...v6, purpose: 'CLIENT' });
    const b = deriveMiddleKey({ ...v6, client: { ip: '2001:db8::3', port: 1 }, purpose: 'CLIENT' });
    expect(a.key).toHaveLength(32);
    expect(a.iv).toHaveLength(16);
    expect(toHex(a.key)).not.toBe(toHex(b.key));
    expect(() => deriveMiddleKey({ ...base, client: { ip: '2001:db8::1', port: 1 }, purpose: 'CLIENT' })).toThrow(
      expect.objectContaining({ code: 'ERR_PROTOCOL_MIDDLE_ADDRESS' }),
    );
    expect(() => deriveMiddleKey({ ...base, client: { ip: 'nope', port: 1 }, purpose: 'CLIENT' })).toThrow(
      expect.objectContaining({ code: 'ERR_PROTOCOL_MIDDLE_ADDRESS' }),
    );
  });
});

describe('full framing and checksums', () => {
  it.each(vectors.full_frame)('frame seq $seq, payload $payload_hex, pad16 $pad16', (v) => {
    expect(toHex(encodeFrame(v.seq, fromHex(v.payload_hex), { pad: v.pad16 }))).toBe(v.expected_hex);
  });

  it('CRC32 and CRC32-C check values', () => {
    const data = new TextEncoder().encode('123456789');
    expect(crc32(data).toString(16).padStart(8, '0')).toBe(vectors.checksums.crc32_of_123456789);
    expect(crc32c(data).toString(16).padStart(8, '0')).toBe(vectors.checksums.crc32c_of_123456789);
    expect(crc32ByTable(data).toString(16).padStart(8, '0')).toBe(vectors.checksums.crc32_of_123456789);
  });

  it('the table CRC32 (Node before 20.15) agrees with the one in use', () => {
    for (const n of [0, 1, 15, 16, 1000, 65537]) {
      const data = randomBytes(n);
      expect(crc32ByTable(data)).toBe(crc32(data));
    }
  });
});

/**
 * PROXY protocol v1/v2 reader and writer: both versions over TCP4 and TCP6, LOCAL and UNKNOWN, malformed and
 * oversized headers with their stable codes, any chunking (1-byte chunks included) with the trailing payload
 * kept, encode → parse round trips, and the reader fed by a real socket on 127.0.0.1 and ::1.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { createServer, connect, type AddressInfo } from 'node:net';
import { ProxyHeaderReader, parseProxyHeader, PROXY_V2_SIGNATURE, type ProxyHeaderStep } from '../../src/protocol/proxy-protocol.js';
import { encodeProxyV1, encodeProxyV2, type ProxiedConnection } from '../../src/protocol/proxy-protocol-encode.js';
import { ProxyProtocolTrust } from '../../src/protocol/proxy-protocol-trust.js';

const v4conn: ProxiedConnection = { source: { address: '203.0.113.7', port: 51000 }, destination: { address: '198.51.100.1', port: 443 } };
const v6conn: ProxiedConnection = { source: { address: '2001:db8::7', port: 40000 }, destination: { address: '2001:db8::1', port: 8443 } };

/** Feeds `bytes` in chunks of the given sizes (cycled); returns the final step and the payload after the header. */
function feed(bytes: Buffer, sizes: number[], reader = new ProxyHeaderReader()): { step: ProxyHeaderStep; rest: Buffer } {
  let at = 0;
  let i = 0;
  let step: ProxyHeaderStep = { kind: 'more' };
  while (at < bytes.length) {
    const n = Math.max(1, sizes[i++ % sizes.length]!);
    step = reader.push(bytes.subarray(at, at + n));
    if (step.kind === 'done') return { step, rest: Buffer.concat([step.rest, bytes.subarray(at + n)]) };
    at += n;
  }
  return { step, rest: Buffer.alloc(0) };
}

function codeOf(bytes: Buffer, maxV2Length?: number): string | undefined {
  try {
    const step = new ProxyHeaderReader({ maxV2Length }).push(bytes);
    return step.kind;
  } catch (err) {
    return (err as { code: string }).code;
  }
}

describe('PROXY v1', () => {
  it('reads TCP4 and TCP6 lines and keeps the payload after them', () => {
    const payload = Buffer.from([0xef, 1, 2, 3]);
    const four = new ProxyHeaderReader().push(Buffer.concat([Buffer.from('PROXY TCP4 203.0.113.7 198.51.100.1 51000 443\r\n'), payload]));
    expect(four).toMatchObject({ kind: 'done', consumed: 47, header: { version: 1, command: 'proxy', family: 'tcp4', ...v4conn } });
    expect(four.kind === 'done' && four.rest.equals(payload)).toBe(true);
    const six = new ProxyHeaderReader().push(Buffer.from('PROXY TCP6 2001:db8:0:0::7 2001:db8::1 40000 8443\r\n'));
    expect(six).toMatchObject({ kind: 'done', header: { family: 'tcp6', ...v6conn } });
  });

  it('UNKNOWN carries no address, whatever follows it on the line', () => {
    expect(new ProxyHeaderReader().push(Buffer.from('PROXY UNKNOWN\r\n'))).toMatchObject({ kind: 'done', consumed: 15, header: { command: 'local', family: 'unspec' } });
    const step = new ProxyHeaderReader().push(Buffer.from('PROXY UNKNOWN ffff::1 ffff::2 1 2\r\nxy'));
    expect(step.kind === 'done' && step.header.source).toBeUndefined();
    expect(step.kind === 'done' && step.rest.toString()).toBe('xy');
  });

  it('refuses malformed lines with ERR_PROXY_PROTOCOL_MALFORMED', () => {
    for (const line of [
      'PROXY TCP4 203.0.113.7 198.51.100.1 51000\r\n',
      'PROXY TCP4 203.0.113.7  198.51.100.1 51000 443\r\n',
      'PROXY TCP4 2001:db8::7 198.51.100.1 51000 443\r\n',
      'PROXY TCP6 203.0.113.7 2001:db8::1 51000 443\r\n',
      'PROXY TCP4 203.0.113.7 198.51.100.1 65536 443\r\n',
      'PROXY TCP4 203.0.113.7 198.51.100.1 0443 443\r\n',
      'PROXY TCP4 203.0.113.7 198.51.100.1 51000 443\rX',
      'PROXY TCP4 203.0.113.7 198.51.100.1 51000 44\x003\r\n',
      'PROXZ TCP4',
      'GET / HTTP/1.1\r\n',
    ]) {
      expect(codeOf(Buffer.from(line, 'latin1')), line).toBe('ERR_PROXY_PROTOCOL_MALFORMED');
    }
    expect(codeOf(Buffer.from('PROXY UDP4 1.2.3.4 1.2.3.4 1 2\r\n'))).toBe('ERR_PROXY_PROTOCOL_UNSUPPORTED');
  });

  it('refuses a line past 107 bytes with ERR_PROXY_PROTOCOL_TOO_LARGE, even arriving byte by byte', () => {
    const long = Buffer.from(`PROXY UNKNOWN ${'a'.repeat(100)}\r\n`);
    expect(codeOf(long)).toBe('ERR_PROXY_PROTOCOL_TOO_LARGE');
    expect(() => feed(long, [1])).toThrow(expect.objectContaining({ code: 'ERR_PROXY_PROTOCOL_TOO_LARGE' }));
    // The longest legal line (107 bytes with CRLF) is accepted.
    const max = `PROXY UNKNOWN ${'b'.repeat(PROXY_V1_MAX - 16)}\r\n`;
    expect(max.length).toBe(PROXY_V1_MAX);
    expect(codeOf(Buffer.from(max))).toBe('done');
  });
});

const PROXY_V1_MAX = 107;

describe('PROXY v2', () => {
  it('reads PROXY over TCP4 and TCP6 and LOCAL', () => {
    expect(new ProxyHeaderReader().push(encodeProxyV2(v4conn))).toMatchObject({ kind: 'done', consumed: 28, header: { version: 2, command: 'proxy', family: 'tcp4', ...v4conn } });
    expect(new ProxyHeaderReader().push(encodeProxyV2(v6conn))).toMatchObject({ kind: 'done', consumed: 52, header: { family: 'tcp6', ...v6conn } });
    const local = new ProxyHeaderReader().push(Buffer.concat([encodeProxyV2('local'), Buffer.from('hi')]));
    expect(local).toMatchObject({ kind: 'done', consumed: 16, header: { command: 'local', family: 'unspec' } });
    expect(local.kind === 'done' && local.header.source).toBeUndefined();
  });

  it('skips TLVs within the length and gives IPv4-mapped sources as IPv4', () => {
    const base = encodeProxyV2({ source: { address: '::ffff:203.0.113.9', port: 1 }, destination: { address: '2001:db8::1', port: 2 } });
    const tlv = Buffer.from([0x04, 0x00, 0x03, 0xaa, 0xbb, 0xcc]); // PP2_TYPE_NOOP with 3 bytes
    const withTlv = Buffer.concat([base, tlv, Buffer.from('payload')]);
    withTlv.writeUInt16BE(36 + tlv.length, 14);
    const step = new ProxyHeaderReader().push(withTlv);
    expect(step).toMatchObject({ kind: 'done', consumed: 52 + tlv.length, header: { source: { address: '203.0.113.9', port: 1 } } });
    expect(step.kind === 'done' && step.rest.toString()).toBe('payload');
  });

  it('refuses bad signatures, commands, families, lengths and TLVs with stable codes', () => {
    const good = encodeProxyV2(v4conn);
    const mutate = (at: number, value: number): Buffer => {
      const copy = Buffer.from(good);
      copy[at] = value;
      return copy;
    };
    expect(codeOf(mutate(5, 0x0c))).toBe('ERR_PROXY_PROTOCOL_MALFORMED');
    expect(codeOf(mutate(12, 0x31))).toBe('ERR_PROXY_PROTOCOL_UNSUPPORTED'); // version 3
    expect(codeOf(mutate(12, 0x22))).toBe('ERR_PROXY_PROTOCOL_MALFORMED'); // command 2
    expect(codeOf(mutate(13, 0x12))).toBe('ERR_PROXY_PROTOCOL_UNSUPPORTED'); // UDP
    expect(codeOf(mutate(13, 0x31))).toBe('ERR_PROXY_PROTOCOL_UNSUPPORTED'); // UNIX
    expect(codeOf(mutate(13, 0x51))).toBe('ERR_PROXY_PROTOCOL_MALFORMED');
    const short = Buffer.from(good);
    short.writeUInt16BE(8, 14);
    expect(codeOf(short)).toBe('ERR_PROXY_PROTOCOL_MALFORMED'); // INET needs 12
    const v6short = encodeProxyV2(v6conn);
    v6short.writeUInt16BE(20, 14);
    expect(codeOf(v6short)).toBe('ERR_PROXY_PROTOCOL_MALFORMED');
    const badTlv = Buffer.concat([good, Buffer.from([0x04, 0x00, 0x09, 0x00])]);
    badTlv.writeUInt16BE(12 + 4, 14);
    expect(codeOf(badTlv)).toBe('ERR_PROXY_PROTOCOL_MALFORMED');
  });

  it('refuses a length over the cap before waiting for the bytes', () => {
    const header = Buffer.concat([PROXY_V2_SIGNATURE, Buffer.from([0x21, 0x11, 0xff, 0xff])]);
    expect(codeOf(header)).toBe('ERR_PROXY_PROTOCOL_TOO_LARGE');
    expect(codeOf(encodeProxyV2(v6conn), 35)).toBe('ERR_PROXY_PROTOCOL_TOO_LARGE');
    expect(codeOf(encodeProxyV2(v6conn), 36)).toBe('done');
  });

  it('waits for the whole block: a prefix of a good header is "more", never an error', () => {
    const whole = encodeProxyV2(v6conn);
    for (let n = 1; n < whole.length; n++) expect(parseProxyHeader(whole, n)).toBeUndefined();
  });
});

describe('chunking and round trips (properties)', () => {
  const v4 = fc.ipV4();
  const v6 = fc.ipV6();
  const port = fc.integer({ min: 0, max: 65535 });
  const endpointPair = fc.oneof(
    fc.record({ source: fc.record({ address: v4, port }), destination: fc.record({ address: v4, port }) }),
    fc.record({ source: fc.record({ address: v6, port }), destination: fc.record({ address: v6, port }) }),
  );

  it('encode → parse gives the same endpoints for v1 and v2, in any chunking, payload kept', () => {
    fc.assert(
      fc.property(endpointPair, fc.boolean(), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 8 }), fc.uint8Array({ maxLength: 40 }), (conn, v2, sizes, payload) => {
        const header = v2 ? encodeProxyV2(conn) : encodeProxyV1(conn);
        const { step, rest } = feed(Buffer.concat([header, payload]), sizes);
        expect(step.kind).toBe('done');
        if (step.kind !== 'done') return;
        expect(step.header.source).toEqual({ address: readerForm(conn.source.address), port: conn.source.port });
        expect(step.header.destination).toEqual({ address: readerForm(conn.destination.address), port: conn.destination.port });
        expect(rest.equals(Buffer.from(payload))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('1-byte chunks give the same result as one chunk', () => {
    fc.assert(
      fc.property(endpointPair, fc.boolean(), (conn, v2) => {
        const header = Buffer.concat([v2 ? encodeProxyV2(conn) : encodeProxyV1(conn), Buffer.from('tail')]);
        const whole = new ProxyHeaderReader().push(header);
        const { step, rest } = feed(header, [1]);
        expect(step.kind === 'done' && whole.kind === 'done' && step.header).toEqual(whole.kind === 'done' && whole.header);
        expect(rest.toString()).toBe('tail');
      }),
      { numRuns: 100 },
    );
  });

  it('random bytes never crash the reader: done, more, or a ProxyProtocolError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.concat([PROXY_V2_SIGNATURE, b])), fc.string({ maxLength: 120 }).map((s) => Buffer.from(`PROXY ${s}`))), (bytes) => {
        const code = codeOf(Buffer.from(bytes));
        expect(['done', 'more', 'ERR_PROXY_PROTOCOL_MALFORMED', 'ERR_PROXY_PROTOCOL_TOO_LARGE', 'ERR_PROXY_PROTOCOL_UNSUPPORTED']).toContain(code);
      }),
      { numRuns: 500 },
    );
  });
});

/** The address form the reader gives: IPv6 compressed, IPv4-mapped as IPv4 (what the round trip must return). */
function readerForm(address: string): string {
  const bare = ipaddr.process(address);
  return bare.toString();
}

describe('encoder input checks and the trusted-source check', () => {
  it('refuses a non-address or a bad port with ERR_PROXY_PROTOCOL_ADDRESS', () => {
    expect(() => encodeProxyV2({ source: { address: 'example.org', port: 1 }, destination: v4conn.destination })).toThrow(expect.objectContaining({ code: 'ERR_PROXY_PROTOCOL_ADDRESS' }));
    expect(() => encodeProxyV1({ source: { address: '1.2.3.4', port: 70000 }, destination: v4conn.destination })).toThrow(expect.objectContaining({ code: 'ERR_PROXY_PROTOCOL_ADDRESS' }));
  });

  it('mixed families are written as TCP6 with the IPv4 side mapped', () => {
    const header = encodeProxyV2({ source: { address: '203.0.113.7', port: 1 }, destination: { address: '2001:db8::1', port: 2 } });
    expect(header[13]).toBe(0x21);
    expect(new ProxyHeaderReader().push(header)).toMatchObject({ header: { family: 'tcp6', source: { address: '203.0.113.7' } } });
  });

  it('trusts only the listed CIDRs, mapped IPv6 peers included, and refuses a bad entry with a typed error', () => {
    const trust = new ProxyProtocolTrust(['10.0.0.0/8', '2001:db8::/32', '127.0.0.1']);
    expect(trust.trusts('10.1.2.3')).toBe(true);
    expect(trust.trusts('::ffff:10.1.2.3')).toBe(true);
    expect(trust.trusts('2001:db8::5')).toBe(true);
    expect(trust.trusts('11.0.0.1')).toBe(false);
    expect(trust.trusts(undefined)).toBe(false);
    expect(new ProxyProtocolTrust([]).trusts('127.0.0.1')).toBe(false);
    expect(() => new ProxyProtocolTrust(['10.0.0.0/33'])).toThrow(expect.objectContaining({ code: 'ERR_PROXY_PROTOCOL_TRUSTED' }));
  });
});

describe('over real sockets', () => {
  async function roundTrip(host: string, header: Buffer): Promise<{ step: ProxyHeaderStep; rest: string; peer: string | undefined }> {
    return new Promise((resolve, reject) => {
      const server = createServer((socket) => {
        const reader = new ProxyHeaderReader();
        let rest = '';
        let done: ProxyHeaderStep | undefined;
        socket.on('data', (chunk: Buffer) => {
          if (done) rest += chunk.toString();
          else {
            const step = reader.push(chunk);
            if (step.kind === 'done') {
              done = step;
              rest += step.rest.toString();
            }
          }
        });
        socket.on('end', () => {
          socket.end();
          server.close();
          resolve({ step: done!, rest, peer: socket.remoteAddress });
        });
      });
      server.listen(0, host, () => {
        const client = connect({ host, port: (server.address() as AddressInfo).port, noDelay: true });
        client.on('error', reject);
        // Written in three pieces with pauses so the reader sees a split header.
        client.write(header.subarray(0, 5));
        setTimeout(() => client.write(header.subarray(5)), 20);
        setTimeout(() => client.end('first bytes'), 40);
      });
    });
  }

  it('v1 and v2 from a 127.0.0.1 peer and a ::1 peer', async () => {
    for (const [host, header, expected] of [
      ['127.0.0.1', encodeProxyV1(v4conn), v4conn],
      ['127.0.0.1', encodeProxyV2(v6conn), v6conn],
      ['::1', encodeProxyV2(v4conn), v4conn],
      ['::1', encodeProxyV1(v6conn), v6conn],
    ] as const) {
      const { step, rest, peer } = await roundTrip(host, header);
      expect(step).toMatchObject({ kind: 'done', header: expected });
      expect(rest).toBe('first bytes');
      expect(peer).toBe(host);
    }
  });
});

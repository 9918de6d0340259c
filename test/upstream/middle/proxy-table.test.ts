/**
 * The getProxyConfig table: the official file's statements, IPv6 lines, DC id mapping (media, CDN, test, unknown
 * → default), and broken files as typed errors naming the line (so the caller keeps its old table).
 */
import { describe, expect, it } from 'vitest';
import { parseProxyTable } from '../../../src/upstream/middle/index.js';

const CONFIG = `# force_probability 10 10
default 2;
proxy_for 1 149.154.175.50:8888;
proxy_for -1 149.154.175.50:8888;
proxy_for 2 149.154.161.144:8888;
proxy_for 2 149.154.162.38:80;
proxy_for -2 149.154.162.38:80;   # media
proxy_for 203 91.105.192.110:443;
proxy_for 10002 149.154.167.40:443;
timeout 5000; min_connections 4;
`;

describe('proxy table', () => {
  it('parses the statements and maps DC ids: exact row, else default', () => {
    const t = parseProxyTable(CONFIG);
    expect(t.defaultDc).toBe(2);
    expect(t.endpoints(2)).toEqual([
      { host: '149.154.161.144', port: 8888 },
      { host: '149.154.162.38', port: 80 },
    ]);
    expect(t.endpoints(-2)).toEqual([{ host: '149.154.162.38', port: 80 }]);
    expect(t.endpoints(203)).toEqual([{ host: '91.105.192.110', port: 443 }]);
    expect(t.endpoints(10002)).toEqual([{ host: '149.154.167.40', port: 443 }]);
    expect(t.endpoints(5)).toBe(t.endpoints(2)); // unknown → default
    expect(t.endpoints(-5)).toBe(t.endpoints(2));
    expect(t.has(-1)).toBe(true);
    expect(t.has(4)).toBe(false);
    expect(t.dcs.sort((a, b) => a - b)).toEqual([-2, -1, 1, 2, 203, 10002]);
  });

  it('reads IPv6 lines with and without brackets', () => {
    const t = parseProxyTable('default 1;\nproxy_for 1 2001:b28:f23d:f001::d:8888;\r\nproxy_for -1 [2001:67c:4e8:f002::d]:80;\n');
    expect(t.endpoints(1)).toEqual([{ host: '2001:b28:f23d:f001::d', port: 8888 }]);
    expect(t.endpoints(-1)).toEqual([{ host: '2001:67c:4e8:f002::d', port: 80 }]);
  });

  it.each([
    ['', 'ERR_CONFIG_PROXY_TABLE_EMPTY', undefined],
    ['# nothing\n\n', 'ERR_CONFIG_PROXY_TABLE_EMPTY', undefined],
    ['proxy_for 1 1.2.3.4:80;', 'ERR_CONFIG_PROXY_TABLE_DEFAULT', undefined],
    ['proxy_for 1 1.2.3.4:80;\ndefault 3;', 'ERR_CONFIG_PROXY_TABLE_DEFAULT', 2],
    ['default 1;\nproxy_for 1 1.2.3.4:80', 'ERR_CONFIG_PROXY_TABLE_SYNTAX', 2],
    ['default 1;\nproxy_for 1 1.2.3.4:99999;', 'ERR_CONFIG_PROXY_TABLE_SYNTAX', 2],
    ['default 1;\nproxy_for x 1.2.3.4:80;', 'ERR_CONFIG_PROXY_TABLE_SYNTAX', 2],
    ['default 1;\nproxy_for 1 1.2.3.4;', 'ERR_CONFIG_PROXY_TABLE_SYNTAX', 2],
    ['default 1;\nproxy_for 1 1.2.3.4:80;\n<html>oops</html>;', 'ERR_CONFIG_PROXY_TABLE_SYNTAX', 3],
    ['default 1;\nproxy_for 1 bad_host!:80;', 'ERR_CONFIG_PROXY_TABLE_SYNTAX', 2],
    ['default 1;;\nproxy_for 1 1.2.3.4:80;', 'ERR_CONFIG_PROXY_TABLE_SYNTAX', 1],
  ])('%j is a typed error %s (line %s)', (text, code, line) => {
    let caught: unknown;
    try {
      parseProxyTable(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code, line });
    if (line !== undefined) expect((caught as Error).message).toMatch(new RegExp(`^line ${line}:`));
  });
});

/**
 * Peer mode through middle proxies (issue 12): the peer's config and launcher in middle mode (USE_MIDDLE_PROXY with
 * the bench's ad tag, its middle-proxy tables and secret pointed at the local echo middle proxy, its downloads
 * from core.telegram.org replaced, the loopback guard still in place), the figures grouped per mode with
 * mtshield's middle mode against its own direct mode, and issue 12's targets.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { peerConfigSource, peerLauncherSource } from '../../bench/proxy/peer/config.js';
import { evaluatePeerTargets, peerFigures, renderPeerTable } from '../../bench/proxy/compare-report.js';
import type { SideRun } from '../../bench/proxy/compare.js';
import { parseUpstreams } from '../../bench/proxy/peer-command.js';

const TAG = '0123456789abcdef0123456789abcdef';
const options = { port: 4443, dcPort: 5555, frontPort: 6666, users: [{ name: 'bench_ee', keyHex: '00112233445566778899aabbccddeeff' }], tlsDomain: 'www.example.com' };

describe('the peer in middle mode', () => {
  it('writes a middle-mode config: USE_MIDDLE_PROXY with the ad tag, no clock check, loopback only', () => {
    const config = peerConfigSource({ ...options, middleAdTagHex: TAG });
    expect(config).toContain('USE_MIDDLE_PROXY = True');
    expect(config).toContain(`AD_TAG = "${TAG}"`);
    expect(config).toContain('GET_TIME_PERIOD = 0');
    expect(config).not.toContain('USE_MIDDLE_PROXY = False');
    expect(new Set(config.match(/\d+\.\d+\.\d+\.\d+/g))).toEqual(new Set(['127.0.0.1']));
    expect(() => peerConfigSource({ ...options, middleAdTagHex: 'nothex"' })).toThrow();
    expect(() => peerLauncherSource({ peerDir: '/x', configPath: '/x/c.py', dcPort: 5555, middle: { port: 7777, secretHex: 'zz' } })).toThrow();
  });

  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'mtshield-peer-middle-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(!python)('points the middle-proxy tables and secret at the echo middle proxy and never downloads them', () => {
    // A stand-in for mtprotoproxy.py with the module-level names the launcher rewrites; its updater dials out.
    writeFileSync(
      join(dir, 'mtprotoproxy.py'),
      `import asyncio, json, socket, sys
TG_DATACENTER_PORT = 443
TG_DATACENTERS_V4 = ["149.154.175.50"]
TG_DATACENTERS_V6 = ["2001:b28:f23d:f001::a"]
TG_MIDDLE_PROXIES_V4 = {2: [("149.154.161.144", 8888)], -2: [("149.154.161.144", 8888)]}
TG_MIDDLE_PROXIES_V6 = {2: [("2001:67c:04e8:f002::d", 80)]}
PROXY_SECRET = bytes.fromhex("c4f9faca9678e6bb48ad6c7e2ce5c0d24430645d554addeb55419e034da62721d046eaab6e52ab14a95a443ecfb3463e79a05a66612adf9caeda8be9a80da698")
my_ip_info = {"ipv4": None, "ipv6": None}
def init_ip_info():
    raise RuntimeError("the real IP lookup dials public hosts")
async def update_middle_proxy_info():
    socket.getaddrinfo("core.telegram.org", 443)
    return "downloaded"
def main():
    init_ip_info()
    async def run():
        try:
            return await asyncio.wait_for(update_middle_proxy_info(), 0.3)
        except asyncio.TimeoutError:
            return "sleeping"
    out = {
        "secret": PROXY_SECRET.hex(),
        "middle": sorted(set(a for t in (TG_MIDDLE_PROXIES_V4, TG_MIDDLE_PROXIES_V6) for v in t.values() for a in v)),
        "updater": asyncio.run(run()),
    }
    print(json.dumps(out))
`,
    );
    const launcher = join(dir, 'launch.py');
    const secretHex = 'ab'.repeat(128);
    writeFileSync(launcher, peerLauncherSource({ peerDir: dir, configPath: join(dir, 'peer_config.py'), dcPort: 5555, middle: { port: 7777, secretHex } }));
    const out = JSON.parse(execFileSync(python!, [launcher], { encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } }));
    expect(out.secret).toBe(secretHex);
    expect(out.middle).toEqual([['127.0.0.1', 7777]]);
    expect(out.updater).toBe('sleeping');
  });
});

function run(side: 'mtshield' | 'peer', upstream: 'direct' | 'middle', runIndex: number, f: { admission: number; idleKib: number; ee: number; perLink?: number }): SideRun {
  return {
    side,
    ...(upstream === 'middle' ? { upstream } : {}),
    run: runIndex,
    admission: { cpuMsPerClient: f.admission } as never,
    throughput: { ee: { cpuSecondsPerGB: f.ee, mbPerSec: 100 } as never },
    idle: { bytesPerConnection: f.idleKib * 1024, handshakesPerSecond: 100 } as never,
    junk: [],
    clientsPerLink: f.perLink,
    errors: [],
  };
}

describe('peer-mode figures with middle mode', () => {
  const runs: SideRun[] = [];
  for (let i = 0; i < 3; i++) {
    runs.push(run('mtshield', 'direct', i, { admission: 1.0, idleKib: 5, ee: 3 }));
    runs.push(run('peer', 'direct', i, { admission: 2.0, idleKib: 20, ee: 10 }));
    runs.push(run('mtshield', 'middle', i, { admission: 0.4 + i * 0.05, idleKib: 3.5, ee: 4, perLink: 200 }));
    runs.push(run('peer', 'middle', i, { admission: 2.5, idleKib: 30, ee: 12, perLink: 1 }));
  }
  const scenarios = ['admission', 'throughput', 'idle'] as const;
  const figures = [...peerFigures(runs, [...scenarios]), ...peerFigures(runs, [...scenarios], 'middle'), ...peerFigures(runs, [...scenarios], 'middle-vs-direct')];

  it('groups the figures: each mode against the peer, and middle against direct', () => {
    const byId = new Map(figures.map((f) => [f.id, f]));
    expect(byId.get('admission-cpu-ms')!.ratio).toBeCloseTo(0.5);
    expect(byId.get('middle:admission-cpu-ms')!.mtshield.median).toBeCloseTo(0.45);
    expect(byId.get('middle:admission-cpu-ms')!.peer!.median).toBe(2.5);
    expect(byId.get('middle-vs-direct:admission-cpu-ms')!.ratio).toBeCloseTo(0.45);
    expect(byId.get('middle-vs-direct:admission-cpu-ms')!.worstRatio).toBeCloseTo(0.5);
    expect(byId.get('middle:clients-per-link')!.mtshield.median).toBe(200);
    expect(byId.get('middle:clients-per-link')!.peer!.median).toBe(1);
    expect(byId.has('clients-per-link')).toBe(false);
    expect(byId.has('middle-vs-direct:clients-per-link')).toBe(false);
  });

  it("checks issue 12's targets and shows each group under its own headings", () => {
    const targets = new Map(evaluatePeerTargets(figures, true).map((t) => [t.id, t]));
    expect(targets.get('middle-idle-kib')!.status).toBe('PASS');
    expect(targets.get('middle-admission-vs-direct')!.status).toBe('PASS');
    expect(targets.get('middle-admission-vs-peer')!.status).toBe('PASS');
    expect(targets.get('middle-cpu-per-gb-ee-vs-peer')!.status).toBe('PASS');
    const worse = runs.map((r) => (r.side === 'mtshield' && r.upstream === 'middle' ? { ...r, idle: { bytesPerConnection: 7 * 1024 } as never } : r));
    const failing = new Map(evaluatePeerTargets(peerFigures(worse, ['idle'], 'middle'), true).map((t) => [t.id, t]));
    expect(failing.get('middle-idle-kib')!.status).toBe('FAIL');
    const table = renderPeerTable({ figures, targets: [...targets.values()], peer: { measured: true }, order: [['mtshield', 'peer', 'mtshield/middle', 'peer/middle']], runs });
    expect(table).toContain('mtshield middle median');
    expect(table).toContain('mtshield direct median');
    expect(table).toContain('direct and middle mode');
  });

  it('parses --upstreams', () => {
    expect(parseUpstreams('direct, middle')).toEqual(['direct', 'middle']);
    expect(() => parseUpstreams('relay')).toThrow(/unknown upstream/);
  });
});

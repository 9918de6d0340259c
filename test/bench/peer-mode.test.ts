/**
 * The proxy benchmark's peer mode (bench/proxy/compare*.ts, stats.ts, peer/): the statistics it reports
 * (percentiles, median and worst of runs, paired ratios), the alternating order of sides, the targets it
 * prints, and the peer's generated config and launcher, which must point the peer at 127.0.0.1 only. The
 * launcher is run for real under python3 against a stand-in for the peer's module (no network beyond
 * loopback: the refused addresses are 0.0.0.0, which Linux would route to this host anyway).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alternationOrder, median, percentile, ratio, summarize, worst } from '../../bench/proxy/stats.js';
import { peerConfigSource, peerLauncherSource } from '../../bench/proxy/peer/config.js';
import { peerUnavailable } from '../../bench/proxy/peer/start.js';
import { evaluatePeerTargets, peerFigures, renderPeerTable } from '../../bench/proxy/compare-report.js';
import { fdShortfall, type SideRun } from '../../bench/proxy/compare.js';
import { parseScenarios } from '../../bench/proxy/peer-command.js';
import { floodSources } from '../../bench/proxy/flood.js';

describe('peer-mode statistics', () => {
  it('takes nearest-rank percentiles of unsorted samples', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile(samples, 100)).toBe(100);
    expect(percentile(samples, 0)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('picks the median and the worst run in the direction that is worse', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(worst([2.7, 7.0, 3.1])).toBe(7.0);
    expect(worst([186, 129, 203], 'higher')).toBe(129);
    const s = summarize([3.0, Number.NaN, 8.3, 2.9], 'lower');
    expect(s.runs).toHaveLength(4);
    expect(s.median).toBe(3.0);
    expect(s.worst).toBe(8.3);
    expect(ratio(1, 2)).toBe(0.5);
    expect(ratio(1, 0)).toBeNaN();
  });

  it('alternates which side goes first, run after run', () => {
    expect(alternationOrder(5, ['mtshield', 'peer'])).toEqual([
      ['mtshield', 'peer'],
      ['peer', 'mtshield'],
      ['mtshield', 'peer'],
      ['peer', 'mtshield'],
      ['mtshield', 'peer'],
    ]);
    expect(alternationOrder(2, ['mtshield'])).toEqual([['mtshield'], ['mtshield']]);
  });
});

function run(side: 'mtshield' | 'peer', runIndex: number, figures: { ee?: number; dd?: number; admission?: number; admissionWarm?: number; junk10?: number; junk2000?: number }): SideRun {
  const tp = (cpu?: number) => (cpu === undefined ? undefined : ({ cpuSecondsPerGB: cpu, mbPerSec: 100 } as never));
  return {
    side,
    run: runIndex,
    admission: figures.admission === undefined ? undefined : ({ cpuMsPerClient: figures.admission } as never),
    admissionWarm: figures.admissionWarm === undefined ? undefined : ({ cpuMsPerClient: figures.admissionWarm } as never),
    throughput: { ee: tp(figures.ee), dd: tp(figures.dd) },
    junk: [
      ...(figures.junk10 === undefined ? [] : [{ kind: 'faketls', users: 10, cpuMsPerHello: figures.junk10 } as never]),
      ...(figures.junk2000 === undefined ? [] : [{ kind: 'faketls', users: 2000, cpuMsPerHello: figures.junk2000 } as never]),
    ],
    errors: [],
  };
}

describe('peer-mode figures and targets', () => {
  const runs: SideRun[] = [
    run('mtshield', 0, { ee: 2.0, dd: 2.0, admission: 0.5, admissionWarm: 0.4, junk10: 1, junk2000: 1.2 }),
    run('peer', 0, { ee: 5.0, dd: 3.0, admission: 1.6, admissionWarm: 0.7 }),
    run('peer', 1, { ee: 5.0, dd: 3.0, admission: 1.5, admissionWarm: 0.7 }),
    run('mtshield', 1, { ee: 7.5, dd: 2.0, admission: 0.6, admissionWarm: 0.4, junk10: 1, junk2000: 1.4 }), // the bad mode in one run
    run('mtshield', 2, { ee: 2.2, dd: 2.0, admission: 0.7, admissionWarm: 0.5, junk10: 1, junk2000: 1.3 }),
    run('peer', 2, { ee: 5.0, dd: 3.0, admission: 1.7, admissionWarm: 0.8 }),
  ];

  it('pairs each run with the peer run of the same round and keeps the worst ratio', () => {
    const figures = peerFigures(runs, ['admission', 'throughput', 'junk']);
    const ee = figures.find((f) => f.id === 'cpu-per-gb-ee')!;
    expect(ee.mtshield.median).toBe(2.2);
    expect(ee.mtshield.worst).toBe(7.5);
    expect(ee.pairedRatios).toEqual([0.4, 1.5, 2.2 / 5]);
    expect(ee.worstRatio).toBe(1.5);
    expect(ee.ratio).toBeCloseTo(0.44);
    expect(figures.some((f) => f.id === 'rtt-added-p50-us')).toBe(false); // not run, not reported
  });

  it('fails a per-run target on one bad run even when the median passes, and shows it', () => {
    const targets = evaluatePeerTargets(peerFigures(runs, ['admission', 'throughput', 'junk']), true);
    const byId = Object.fromEntries(targets.map((t) => [t.id, t]));
    expect(byId['cpu-per-gb-ee-vs-peer']!.status).toBe('FAIL');
    expect(byId['cpu-per-gb-ee-vs-peer']!.detail).toContain('worst run 1.50x');
    expect(byId['cpu-per-gb-dd-vs-peer']!.status).toBe('PASS'); // 0.67x in every run
    expect(byId['admission-vs-peer']!.status).toBe('PASS'); // 0.6 / 1.6
    // Warm, the same process's next clients: 0.4 / 0.7 is more than half the peer's cost.
    expect(byId['admission-warm-vs-peer']!.status).toBe('FAIL');
    expect(byId['admission-warm-vs-peer']!.detail).toContain('0.57x');
    expect(byId['junk-faketls-growth']!.status).toBe('PASS'); // 1.3x
    const table = renderPeerTable({ figures: peerFigures(runs, ['throughput']), targets, peer: { measured: true }, order: alternationOrder(3, ['mtshield', 'peer']), runs });
    expect(table).toMatch(/FAIL CPU-s per GB, ee/);
  });

  it('judges junk hellos from one source and from many apart', () => {
    const junk = (users: number, sources: number, cpuMsPerHello: number) => ({ kind: 'faketls', users, sources, cpuMsPerHello }) as never;
    const side: SideRun = { side: 'mtshield', run: 0, throughput: {}, errors: [], junk: [junk(10, 1, 1), junk(2000, 1, 1.1), junk(10, 64, 1), junk(2000, 64, 9)] };
    const byId = Object.fromEntries(evaluatePeerTargets(peerFigures([side], ['junk']), false).map((t) => [t.id, t]));
    expect(byId['junk-faketls-growth']!.status).toBe('FAIL'); // 9x from 64 sources
    expect(byId['junk-faketls-growth']!.description).toContain('from 64 sources');
    expect(byId['junk-faketls-growth-one-source']!.status).toBe('PASS'); // 1.1x from one
  });

  it('reports peer targets as N/A when the peer was not measured, never as PASS', () => {
    const alone = runs.filter((r) => r.side === 'mtshield');
    const targets = evaluatePeerTargets(peerFigures(alone, ['admission', 'throughput']), false);
    expect(targets.filter((t) => t.id.endsWith('-vs-peer')).map((t) => t.status)).toEqual(['N/A', 'N/A', 'N/A', 'N/A']);
  });

  it('counts a missing figure as FAIL', () => {
    const broken = [run('mtshield', 0, {}), run('peer', 0, { ee: 5, dd: 3, admission: 1 })];
    const targets = evaluatePeerTargets(peerFigures(broken, ['admission', 'throughput']), true);
    expect(targets.map((t) => t.status)).toEqual(['FAIL', 'FAIL', 'FAIL', 'FAIL']);
  });
});

describe('peer-mode options', () => {
  it('parses scenario lists and refuses unknown names', () => {
    expect(parseScenarios('admission, rtt,junk')).toEqual(['admission', 'rtt', 'junk']);
    expect(() => parseScenarios('admission,latency')).toThrow(/unknown scenario "latency"/);
  });

  it('floods from 64 distinct loopback sources, 127.0.0.2 to 127.0.0.65, never 127.0.0.1', () => {
    const sources = floodSources();
    expect(sources).toHaveLength(64);
    expect(new Set(sources).size).toBe(64);
    expect(sources[0]).toBe('127.0.0.2');
    expect(sources[63]).toBe('127.0.0.65');
    expect(sources.every((a) => /^127\.0\.0\.\d+$/.test(a) && a !== '127.0.0.1')).toBe(true);
    expect(() => floodSources(300)).toThrow(RangeError);
  });

  it('says how to raise the open-file limit when the idle scenario needs more', () => {
    expect(fdShortfall(1000, 20_000)).toBeUndefined();
    expect(fdShortfall(10_000, 20_000)).toMatch(/ulimit -n 65536/);
  });

  it('skips the peer with a reason when no checkout is given or it is not one', () => {
    expect(peerUnavailable(undefined)).toMatch(/no --peer-dir/);
    expect(peerUnavailable(tmpdir())).toMatch(/no mtprotoproxy.py/);
  });
});

describe('the peer config and launcher', () => {
  const options = {
    port: 4443,
    dcPort: 5555,
    frontPort: 6666,
    users: [
      { name: 'bench_ee', keyHex: '00112233445566778899aabbccddeeff' },
      { name: 'bench_dd', keyHex: 'ffeeddccbbaa99887766554433221100' },
    ],
    tlsDomain: 'www.example.com',
  };

  it('listens on 127.0.0.1 in direct mode with FAST_MODE off, masking to a local port', () => {
    const config = peerConfigSource(options);
    expect(config).toContain('PORT = 4443');
    expect(config).toContain('LISTEN_ADDR_IPV4 = "127.0.0.1"');
    expect(config).toContain('LISTEN_ADDR_IPV6 = ""');
    expect(config).toContain('FAST_MODE = False');
    expect(config).toContain('USE_MIDDLE_PROXY = False');
    expect(config).toContain('MASK_HOST = "127.0.0.1"');
    expect(config).toContain('MASK_PORT = 6666');
    expect(config).toContain('"bench_ee": "00112233445566778899aabbccddeeff"');
    expect(config).toContain('TLS_DOMAIN = "www.example.com"');
    // Every address in the file is loopback.
    const addresses = config.match(/\d+\.\d+\.\d+\.\d+/g) ?? [];
    expect(addresses.length).toBeGreaterThan(0);
    expect(new Set(addresses)).toEqual(new Set(['127.0.0.1']));
  });

  it('refuses to write a config from names or keys that could inject Python', () => {
    expect(() => peerConfigSource({ ...options, users: [{ name: 'x"; import os; "', keyHex: options.users[0]!.keyHex }] })).toThrow();
    expect(() => peerConfigSource({ ...options, users: [{ name: 'ok', keyHex: 'zz' }] })).toThrow();
    expect(() => peerConfigSource({ ...options, tlsDomain: 'a"b' })).toThrow();
    expect(() => peerConfigSource({ ...options, frontPort: 70_000 })).toThrow();
    expect(() => peerLauncherSource({ peerDir: "/x", configPath: "/x/c.py", dcPort: 0 })).toThrow();
  });

  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'mtshield-peer-launcher-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(!python)('points every DC table at the fake DC and refuses non-loopback lookups and connects', () => {
    // A stand-in for mtprotoproxy.py with the same module-level names the launcher rewrites.
    writeFileSync(
      join(dir, 'mtprotoproxy.py'),
      `import json, socket, sys
TG_DATACENTER_PORT = 443
TG_DATACENTERS_V4 = ["149.154.175.50", "149.154.167.51", "149.154.175.100", "149.154.167.91", "149.154.171.5"]
TG_DATACENTERS_V6 = ["2001:b28:f23d:f001::a", "2001:67c:04e8:f002::a", "2001:b28:f23d:f003::a", "2001:67c:04e8:f004::a", "2001:b28:f23f:f005::a"]
TG_MIDDLE_PROXIES_V4 = {2: [("149.154.161.144", 8888)], -2: [("149.154.161.144", 8888)]}
TG_MIDDLE_PROXIES_V6 = {2: [("2001:67c:04e8:f002::d", 80)]}
my_ip_info = {"ipv4": None, "ipv6": None}
def init_ip_info():
    raise RuntimeError("the real IP lookup dials public hosts")
def attempt(fn):
    try:
        fn()
        return "allowed"
    except OSError as e:
        return "refused" if "loopback only" in str(e) else "error"
def main():
    init_ip_info()
    s = socket.socket()
    s.settimeout(0.5)
    out = {
        "argv": sys.argv[1:], "port": TG_DATACENTER_PORT, "v4": TG_DATACENTERS_V4, "v6": TG_DATACENTERS_V6,
        "middle": [a for t in (TG_MIDDLE_PROXIES_V4, TG_MIDDLE_PROXIES_V6) for v in t.values() for a, _ in v],
        "ip": my_ip_info,
        "connect_unspecified": attempt(lambda: s.connect(("0.0.0.0", 1))),
        "resolve_unspecified": attempt(lambda: socket.getaddrinfo("0.0.0.0", 1)),
        "resolve_loopback": attempt(lambda: socket.getaddrinfo("127.0.0.1", 1)),
    }
    print(json.dumps(out))
`,
    );
    const launcher = join(dir, 'launch.py');
    writeFileSync(launcher, peerLauncherSource({ peerDir: dir, configPath: join(dir, 'peer_config.py'), dcPort: 5555 }));
    const out = JSON.parse(execFileSync(python!, [launcher], { encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } }));
    expect(out.argv).toEqual([join(dir, 'peer_config.py')]);
    expect(out.port).toBe(5555);
    expect(new Set(out.v4)).toEqual(new Set(['127.0.0.1']));
    expect(new Set(out.v6)).toEqual(new Set(['::1']));
    expect(new Set(out.middle)).toEqual(new Set(['127.0.0.1']));
    expect(out.ip).toEqual({ ipv4: '127.0.0.1', ipv6: null });
    expect(out.connect_unspecified).toBe('refused');
    expect(out.resolve_unspecified).toBe('refused');
    expect(out.resolve_loopback).toBe('allowed');
  });
});

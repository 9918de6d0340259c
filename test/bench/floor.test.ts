/**
 * The proxy benchmark's floor subjects (bench/proxy/floor/): the plain Node programs speak what the load
 * generator's clients speak, for real on 127.0.0.1 (dd and ee clients admitted and echoed byte for byte
 * through the fake DC, or through the pipe's echo target; a wrong key or random bytes closed), and the floor
 * report's figures, ratios to the peer, the dial's share and the slow round trips are computed from the runs.
 * The programs run from the build (dist/), as the benchmark starts them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoDc, type EchoDc } from '../../bench/proxy/fake-dc.js';
import { startEchoTarget, type EchoTarget } from '../../bench/proxy/floor/echo-target.js';
import { startFloor, type FloorKind } from '../../bench/proxy/floor/start.js';
import { floorReport } from '../../bench/proxy/floor/report.js';
import { admitted, throughput, type Target } from '../../bench/proxy/scenarios.js';
import { countOutliers, junkHello, sendAndDrop } from '../../bench/proxy/per-connection.js';
import { parseFloors } from '../../bench/proxy/peer-command.js';
import type { SideRun } from '../../bench/proxy/compare.js';
import type { ListeningProcess } from '../../bench/proxy/launch.js';
import { generateSecret } from '../../src/protocol/secrets.js';

const DOMAIN = 'www.example.com';
const secrets = { dd: generateSecret('dd'), ee: generateSecret('ee', DOMAIN) };
const keys = [secrets.dd.key, secrets.ee.key];

describe('floor subjects on 127.0.0.1', () => {
  let dc: EchoDc;
  let echo: EchoTarget;
  const procs = new Map<FloorKind, ListeningProcess>();
  const target = (kind: FloorKind, mode: 'dd' | 'ee'): Target => {
    const proc = procs.get(kind)!;
    return { host: '127.0.0.1', port: proc.port, pid: proc.pid, secret: secrets[mode], dc: 2, dcPort: dc.port };
  };

  beforeAll(async () => {
    dc = await startEchoDc();
    echo = await startEchoTarget(keys.map((k) => Buffer.from(k)));
    for (const kind of ['pipe', 'crypto', 'crypto-echo'] as const) {
      procs.set(kind, await startFloor(kind, { upstreamPort: kind === 'pipe' ? echo.port : dc.port, secrets: keys }));
    }
  }, 30_000);

  afterAll(async () => {
    for (const p of procs.values()) await p.stop();
    await echo?.close();
    await dc?.close();
  });

  for (const kind of ['pipe', 'crypto', 'crypto-echo'] as const) {
    for (const mode of ['dd', 'ee'] as const) {
      it(`${kind} admits a ${mode} client: handshake and a round trip`, async () => {
        const client = await admitted(target(kind, mode));
        expect(client).toBeDefined();
        client!.close();
      });
    }
  }

  it('crypto relays both ways through the fake DC, every byte echoed intact', async () => {
    const before = dc.accepted();
    for (const mode of ['dd', 'ee'] as const) {
      const result = await throughput(target('crypto', mode), { connections: 2, frameBytes: 65_536, seconds: 0.5, warmupSeconds: 0.1 });
      expect(result.echoVerified).toBe(true);
      expect(result.bytesRelayed).toBeGreaterThan(1_000_000);
    }
    // the DC checked each header the floor drew
    expect(dc.accepted()).toBeGreaterThanOrEqual(before + 4);
    expect(dc.rejected()).toBe(0);
  });

  it('pipe relays ee records unchanged to its echo target and back', async () => {
    const result = await throughput(target('pipe', 'ee'), { connections: 2, frameBytes: 65_536, seconds: 0.5, warmupSeconds: 0.1 });
    expect(result.echoVerified).toBe(true);
  });

  it('crypto closes a hello under a key no user has, and 64 random bytes', async () => {
    const proc = procs.get('crypto')!;
    for (const kind of ['faketls', 'obfuscated2'] as const) {
      expect(await sendAndDrop({ host: '127.0.0.1', port: proc.port }, junkHello(kind, DOMAIN), 3_000)).toBe(true);
    }
    // and keeps serving
    expect(await admitted(target('crypto', 'ee'))).toBeDefined();
  });
});

function side(side: SideRun['side'], run: number, admission: number, ee: number, added: number[]): SideRun {
  return {
    side,
    run,
    admission: { clients: 1000, failed: 0, batchSize: 50, proxyCpuSeconds: admission, cpuMsPerClient: admission, seconds: 1 },
    throughput: { ee: { cpuSecondsPerGB: ee, mbPerSec: 100 } as never },
    latency: {
      samples: added.length,
      frameBytes: 100,
      proxiedP50Us: 0,
      proxiedP99Us: 0,
      directP50Us: 0,
      directP99Us: 0,
      addedP50Us: 0,
      addedP99Us: Math.max(...added),
      outliers: countOutliers(added.map((a) => a + 100), added.map(() => 100), 100),
    },
    junk: [],
    errors: [],
  };
}

describe('floor report', () => {
  const runs: SideRun[] = [
    side('mtshield', 0, 1.6, 2.0, [50, 400]),
    side('peer', 0, 0.8, 4.0, [50, 50]),
    side('floor-crypto', 0, 0.6, 1.6, [50, 500]),
    side('floor-crypto-echo', 0, 0.3, Number.NaN, []),
    side('mtshield', 1, 1.2, 3.0, [50]),
    side('peer', 1, 1.0, 4.0, [50]),
    side('floor-crypto', 1, 0.5, 2.0, [50]),
    side('floor-crypto-echo', 1, 0.4, Number.NaN, []),
  ];
  const report = floorReport(runs);

  it('sets every subject against the peer, by medians and round by round', () => {
    const admission = report.figures.find((f) => f.id === 'admission-cpu-ms')!;
    expect(Object.keys(admission.subjects).sort()).toEqual(['floor-crypto', 'floor-crypto-echo', 'mtshield', 'peer']);
    const [first, second] = admission.vsPeer['floor-crypto']!.paired;
    expect(first).toBeCloseTo(0.75);
    expect(second).toBeCloseTo(0.5);
    expect(admission.vsPeer['floor-crypto']!.worst).toBeCloseTo(0.75);
    expect(admission.vsPeer['mtshield']!.ratio).toBeCloseTo(1.4 / 0.9);
    const ee = report.figures.find((f) => f.id === 'cpu-per-gb-ee')!;
    expect(ee.subjects['floor-crypto-echo']).toBeUndefined();
    expect(ee.vsPeer['floor-crypto']!.worst).toBeCloseTo(0.5);
  });

  it("gives the share of admission that is not the DC dial, for the floor and for mtshield", () => {
    const floor = report.shares.find((s) => s.id === 'admission-floor-no-dial-share')!;
    expect(floor.runs[0]).toBeCloseTo(0.5);
    expect(floor.runs[1]).toBeCloseTo(0.8);
    expect(floor.worst).toBeCloseTo(0.8);
    const mtshield = report.shares.find((s) => s.id === 'admission-mtshield-common-share')!;
    expect(mtshield.runs[0]).toBeCloseTo((1.6 - 0.3) / 1.6);
  });

  it('counts slow round trips per subject and run', () => {
    const rows = report.outliers.filter((o) => o.run === 0);
    expect(rows.find((o) => o.side === 'mtshield')!.addedOver).toBe(1);
    expect(rows.find((o) => o.side === 'peer')!.addedOver).toBe(0);
    expect(rows.find((o) => o.side === 'floor-crypto')!.addedOver).toBe(1);
    expect(countOutliers([1000, 200], [900, 100], 100)).toEqual({ thresholdUs: 300, addedOver: 0, directOver: 1, both: 0 });
  });

  it('names the floor subjects it knows', () => {
    expect(parseFloors('pipe, crypto,crypto-echo')).toEqual(['pipe', 'crypto', 'crypto-echo']);
    expect(() => parseFloors('pipe,nginx')).toThrow(/unknown floor subject "nginx"/);
  });
});


/**
 * A memory probe loaded into the proxy under test with `node --import` (never imported by the product): it
 * answers, on a loopback port of its own, what the proxy's heap looks like from inside, so the idle-memory
 * scenario can break RSS growth down into V8's heap spaces, external memory and array buffers
 * (process.memoryUsage(), v8.getHeapSpaceStatistics(); https://nodejs.org/api/v8.html). It loads with any
 * build of the proxy, so two builds can be measured by the same harness (idle-ab.ts).
 *
 * Protocol: one line per connection, one JSON answer, then the probe closes it.
 *   snapshot        the figures now (MemoryReading)
 *   gc              a full collection first (through the inspector: no --expose-gc), then the figures
 *   sample-start    starts V8's sampling heap profiler, counting objects later collected too
 *   sample-promoted the same, but leaving out objects a scavenge collected: what reached the old generation
 *                   (still live, or garbage that only a full collection frees)
 *   sample-live     the same, leaving out what any collection freed: after a `gc`, what is live
 *   sample-stop [N] stops it and answers the allocation sites by bytes sampled (AllocationSite[]); with N, each
 *                   site names its N nearest callers too
 *   heap-snapshot P writes a heap snapshot to the file P (for a heap-snapshot viewer)
 * The port is written to the file named by MTSHIELD_MEMORY_PROBE; without it the probe does nothing.
 */
import { Session } from 'node:inspector';
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { getHeapSpaceStatistics } from 'node:v8';

export const PROBE_FILE_ENV = 'MTSHIELD_MEMORY_PROBE';

/** One heap space: reserved, used and resident bytes. */
export interface HeapSpaceReading {
  size: number;
  used: number;
  physical: number;
}

export interface MemoryReading {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** By V8's space name: new_space, old_space, code_space, large_object_space, map_space… */
  spaces: Record<string, HeapSpaceReading>;
}

/** Bytes the sampling profiler attributed to one function (self allocations), summed over its call paths. */
export interface AllocationSite {
  site: string;
  bytes: number;
}

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

export function readMemory(): MemoryReading {
  const m = process.memoryUsage();
  const spaces: Record<string, HeapSpaceReading> = {};
  for (const s of getHeapSpaceStatistics()) {
    spaces[s.space_name] = { size: s.space_size, used: s.space_used_size, physical: s.physical_space_size };
  }
  return { rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, spaces };
}

function frameName(node: ProfileNode): string {
  const f = node.callFrame;
  const file = f.url.replace(/^.*\/(dist|node_modules)\//, '$1/');
  return `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
}

function summarizeProfile(head: ProfileNode, callers = 0, top = callers > 0 ? 5000 : 60): AllocationSite[] {
  const bySite = new Map<string, number>();
  const visit = (node: ProfileNode, path: string[]): void => {
    if (node.selfSize > 0) {
      const site = [frameName(node), ...path.slice(-callers).reverse()].slice(0, callers + 1).join(' < ');
      bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
    }
    const here = callers > 0 ? [...path, frameName(node)] : path;
    for (const child of node.children) visit(child, here);
  };
  visit(head, []);
  return [...bySite].map(([site, bytes]) => ({ site, bytes })).sort((a, b) => b.bytes - a.bytes).slice(0, top);
}

/** About 24 MiB of short-lived arrays: several scavenges with --max-semi-space-size up to 8. */
function churnYoungGeneration(): void {
  let keep: unknown[] = [];
  for (let i = 0; i < 200_000; i++) {
    keep.push(new Array(14));
    if (keep.length >= 64) keep = [];
  }
}

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T))));
}

function start(file: string): void {
  const session = new Session();
  session.connect();
  const answer = async (line: string): Promise<unknown> => {
    const [command, arg] = line.split(/\s+/);
    switch (command) {
      case 'snapshot':
        return readMemory();
      case 'gc':
        await post(session, 'HeapProfiler.collectGarbage');
        return readMemory();
      case 'sample-start':
      case 'sample-promoted':
      case 'sample-live':
        await post(session, 'HeapProfiler.startSampling', {
          samplingInterval: 512,
          includeObjectsCollectedByMajorGC: command !== 'sample-live',
          includeObjectsCollectedByMinorGC: command === 'sample-start',
        });
        return { ok: true };
      case 'sample-stop': {
        // Objects still in the young generation were neither promoted nor collected yet: a few scavenges
        // settle them first (the churn's own samples carry this module's name).
        churnYoungGeneration();
        const { profile } = await post<{ profile: { head: ProfileNode } }>(session, 'HeapProfiler.stopSampling');
        return summarizeProfile(profile.head, Math.min(8, Number(arg ?? 0) || 0));
      }
      case 'heap-snapshot': {
        if (!arg) return { error: 'heap-snapshot needs a file' };
        const fd = openSync(arg, 'w');
        const onChunk = (m: { params: { chunk: string } }) => writeSync(fd, m.params.chunk);
        session.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
        try {
          await post(session, 'HeapProfiler.takeHeapSnapshot', { reportProgress: false });
        } finally {
          session.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
          closeSync(fd);
        }
        return { ok: true };
      }
      default:
        return { error: `unknown command ${command}` };
    }
  };
  const server = createServer((socket: Socket) => {
    let line = '';
    socket.setEncoding('utf8');
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: string) => {
      line += chunk;
      const end = line.indexOf('\n');
      if (end < 0) return;
      answer(line.slice(0, end).trim()).then(
        (result) => socket.end(JSON.stringify(result)),
        (err: Error) => socket.end(JSON.stringify({ error: err.message })),
      );
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (address && typeof address === 'object') writeFileSync(file, String(address.port));
  });
  server.unref();
}

const probeFile = process.env[PROBE_FILE_ENV];
if (probeFile) start(probeFile);

/**
 * A 127.0.0.1 address whose SYNs go unanswered, for connect-timeout tests, made with Node alone:
 * a child `node -e` listens with backlog 1, prints its port and then blocks its event loop (Atomics.wait,
 * bounded, then it exits), so it never accepts. A few plain connects fill its accept queue; after that the
 * kernel drops new SYNs (net.ipv4.tcp_abort_on_overflow = 0, the default), so a connect neither succeeds nor
 * fails until the caller gives up. `startBlackhole` checks that with a probe before handing the port out.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';

export interface Blackhole {
  host: '127.0.0.1';
  port: number;
  close(): void;
}

export interface BlackholeOptions {
  /** How long the child keeps its event loop blocked before it exits by itself (a bound if no one kills it). */
  lifetimeMs?: number;
  /** Bound on each filling / probing connect. */
  probeMs?: number;
}

/** Child source: listen (backlog 1), print the port, block for `lifetimeMs`, exit. */
function childSource(lifetimeMs: number): string {
  return [
    "const s = require('net').createServer();",
    "s.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {",
    "  process.stdout.write(s.address().port + '\\n');", // stdout to a pipe is synchronous on Linux
    `  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${lifetimeMs});`,
    '  process.exit(0);',
    '});',
  ].join('\n');
}

type Attempt = { outcome: 'connected' | 'timeout' | 'error'; socket: Socket };

function attempt(port: number, ms: number): Promise<Attempt> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ outcome: 'timeout', socket });
    }, ms);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve({ outcome: 'connected', socket });
    });
    socket.once('error', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ outcome: 'error', socket });
    });
  });
}

export async function startBlackhole(options: BlackholeOptions = {}): Promise<Blackhole> {
  const lifetimeMs = options.lifetimeMs ?? 20_000;
  const probeMs = options.probeMs ?? 400;
  const child: ChildProcess = spawn(process.execPath, ['-e', childSource(lifetimeMs)], { stdio: ['ignore', 'pipe', 'ignore'] });
  const fillers: Socket[] = [];
  const close = () => {
    for (const s of fillers) s.destroy();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('blackhole: no port from the child within 5 s')), 5000);
      let text = '';
      child.stdout!.on('data', (d: Buffer) => {
        text += d.toString();
        const line = /^(\d+)\n/.exec(text);
        if (line) {
          clearTimeout(timer);
          resolve(Number(line[1]));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`blackhole: child exited (${code}) before printing its port`));
      });
    });
    // Fill the accept queue (backlog 1 holds two on Linux): connects succeed until one gets no SYN-ACK.
    for (let i = 0; i < 8; i++) {
      const a = await attempt(port, probeMs);
      if (a.outcome === 'connected') fillers.push(a.socket);
      else if (a.outcome === 'timeout') {
        // One more probe: the queue is full for good, not a slow accept.
        const again = await attempt(port, probeMs);
        if (again.outcome !== 'timeout') throw new Error(`blackhole: second probe ${again.outcome}`);
        return { host: '127.0.0.1', port, close };
      } else throw new Error('blackhole: a connect failed instead of hanging');
    }
    throw new Error('blackhole: every connect was answered; SYNs are not being dropped on this machine');
  } catch (err) {
    close();
    throw err;
  }
}

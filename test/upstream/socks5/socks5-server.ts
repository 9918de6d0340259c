/**
 * A small SOCKS5 server for tests (RFC 1928 CONNECT, RFC 1929 username/password), on 127.0.0.1. It records
 * what each client asked for (methods offered, credentials, address type, target) and can misbehave on purpose:
 * close mid-handshake, stay silent, flood, or answer CONNECT with a reply code. Targets that are domain names
 * are reached through `resolve` (tests never resolve real names); everything it dials is on loopback.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { closeServer, listenOnFreePort } from '../../helpers/net.js';

export interface Socks5Request {
  methods: number[];
  username?: string;
  password?: string;
  atyp?: number;
  host?: string;
  port?: number;
}

export type Socks5Behaviour = 'ok' | 'close-after-greeting' | 'silent' | 'flood' | { reply: number };

export interface TestSocks5Server {
  port: number;
  requests: Socks5Request[];
  sockets: Set<Socket>;
  behaviour: Socks5Behaviour;
  close(): Promise<void>;
}

export interface TestSocks5Options {
  auth?: { username: string; password: string };
  behaviour?: Socks5Behaviour;
  /** Where a domain-name target goes (default: 127.0.0.1). */
  resolve?: (host: string) => string;
}

/** Reads exactly n bytes from a socket in paused mode (the test server's own simple reader). */
function readExactly(socket: Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tryRead = () => {
      const chunk = socket.read(n) as Buffer | null;
      if (chunk) {
        cleanup();
        resolve(chunk);
      }
    };
    const onEnd = () => (cleanup(), reject(new Error('closed')));
    const cleanup = () => {
      socket.off('readable', tryRead);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
    };
    socket.on('readable', tryRead);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    tryRead();
  });
}

export async function startSocks5Server(options: TestSocks5Options = {}): Promise<TestSocks5Server> {
  const sockets = new Set<Socket>();
  const requests: Socks5Request[] = [];
  const state: TestSocks5Server = { port: 0, requests, sockets, behaviour: options.behaviour ?? 'ok', close: async () => {} };

  async function serve(client: Socket): Promise<void> {
    const request: Socks5Request = { methods: [] };
    requests.push(request);
    const [version, count] = await readExactly(client, 2);
    if (version !== 5) return void client.destroy();
    request.methods = [...(await readExactly(client, count!))];
    const behaviour = state.behaviour;
    if (behaviour === 'close-after-greeting') return void client.destroy();
    if (behaviour === 'silent') return; // never answers; the client's deadline ends it
    if (behaviour === 'flood') return void client.write(Buffer.alloc(4096, 5));
    const method = options.auth ? 0x02 : 0x00;
    if (!request.methods.includes(method)) return void client.end(Buffer.from([5, 0xff]));
    client.write(Buffer.from([5, method]));
    if (options.auth) {
      const [, ulen] = await readExactly(client, 2);
      request.username = (await readExactly(client, ulen!)).toString();
      const [plen] = await readExactly(client, 1);
      request.password = plen ? (await readExactly(client, plen)).toString() : '';
      const ok = request.username === options.auth.username && request.password === options.auth.password;
      client.write(Buffer.from([1, ok ? 0 : 1]));
      if (!ok) return void client.end();
    }
    const [, cmd, , atyp] = await readExactly(client, 4);
    request.atyp = atyp;
    if (atyp === 1) request.host = [...(await readExactly(client, 4))].join('.');
    else if (atyp === 4) {
      const raw = await readExactly(client, 16);
      request.host = Array.from({ length: 8 }, (_, i) => raw.readUInt16BE(i * 2).toString(16)).join(':');
    } else {
      const [len] = await readExactly(client, 1);
      request.host = (await readExactly(client, len!)).toString();
    }
    request.port = (await readExactly(client, 2)).readUInt16BE(0);
    const reply = (code: number) => Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0]);
    if (typeof behaviour === 'object') return void client.end(reply(behaviour.reply));
    if (cmd !== 1) return void client.end(reply(7));
    const host = atyp === 3 ? (options.resolve?.(request.host) ?? '127.0.0.1') : atyp === 4 ? '::1' : request.host;
    const upstream = connect({ host, port: request.port });
    sockets.add(upstream);
    upstream.once('close', () => sockets.delete(upstream));
    upstream.once('error', () => client.end(reply(5)));
    upstream.once('connect', () => {
      upstream.removeAllListeners('error');
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      client.write(reply(0));
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  const server: Server = createServer((client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.on('error', () => {});
    serve(client).catch(() => client.destroy());
  });
  state.port = await listenOnFreePort(server, '127.0.0.1');
  state.close = async () => {
    for (const s of sockets) s.destroy();
    await closeServer(server);
  };
  return state;
}

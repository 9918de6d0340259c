/**
 * A real TLS 1.3 site on 127.0.0.1 for the profile tests and the profile benchmark (profile-ab.ts): node:tls serving an RSA-2048 chain the test
 * generates with the openssl command (root → intermediate → leaf, the leaf with a realistic set of SANs),
 * so its certificate flight is the size of a real one. setChain() swaps the certificate in place, as a
 * renewal on the real site would. `byName` serves other chains to other SNI names (one address fronting
 * several domains, as a CDN edge does); `names` lists the SNI of every handshake, in order.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { createSecureContext, createServer, type SecureContext, type Server } from 'node:tls';
import { listenOnPort0 } from './launch.js';

export interface Chain {
  /** PEM: leaf then intermediate. */
  readonly cert: string;
  readonly key: string;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** An RSA-2048 root, intermediate and leaf; the leaf names `sans` host names. */
export function makeChain(sans: number): Chain {
  const dir = mkdtempSync(join(tmpdir(), 'mtshield-chain-'));
  try {
    openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'root.key', '-out', 'root.pem', '-days', '2', '-subj', '/C=US/O=Test Trust Services/CN=Test Root R1');
    writeFileSync(join(dir, 'ca.ext'), 'basicConstraints=critical,CA:true,pathlen:0\nkeyUsage=critical,digitalSignature,keyCertSign,cRLSign\nextendedKeyUsage=serverAuth,clientAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\nauthorityInfoAccess=caIssuers;URI:http://crt.test-trust.example/root-r1.der\ncrlDistributionPoints=URI:http://crl.test-trust.example/root-r1.crl\ncertificatePolicies=2.23.140.1.2.1\n');
    openssl(dir, 'req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'int.key', '-out', 'int.csr', '-subj', '/C=US/O=Test Trust Services/CN=Test TLS RSA CA 2026');
    openssl(dir, 'x509', '-req', '-in', 'int.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-out', 'int.pem', '-days', '2', '-sha256', '-extfile', 'ca.ext');
    const names = ['example.com', 'www.example.com', ...Array.from({ length: Math.max(0, sans - 2) }, (_, i) => `edge-${i}.cdn.example.com`)];
    writeFileSync(join(dir, 'leaf.ext'), `basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\nauthorityInfoAccess=OCSP;URI:http://ocsp.test-trust.example,caIssuers;URI:http://crt.test-trust.example/rsa-ca-2026.der\ncertificatePolicies=2.23.140.1.2.1\nsubjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\n`);
    openssl(dir, 'req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=example.com');
    openssl(dir, 'x509', '-req', '-in', 'leaf.csr', '-CA', 'int.pem', '-CAkey', 'int.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '2', '-sha256', '-extfile', 'leaf.ext');
    const read = (f: string) => readFileSync(join(dir, f), 'utf8');
    return { cert: read('leaf.pem') + read('int.pem'), key: read('leaf.key') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface TlsSite {
  readonly port: number;
  /** The SNI name of each ClientHello the site saw ('' without one). */
  readonly names: string[];
  setChain(chain: Chain): void;
  close(): Promise<void>;
}

export async function startTlsSite(chain: Chain, byName: Record<string, Chain> = {}): Promise<TlsSite> {
  const sockets = new Set<Socket>();
  const names: string[] = [];
  const contexts = new Map<string, SecureContext>(Object.entries(byName).map(([name, c]) => [name, createSecureContext({ cert: c.cert, key: c.key })]));
  const server: Server = createServer(
    {
      cert: chain.cert,
      key: chain.key,
      ALPNProtocols: ['h2', 'http/1.1'],
      minVersion: 'TLSv1.2',
      SNICallback: (name, done) => {
        names.push(name);
        done(null, contexts.get(name));
      },
    },
    (socket) => socket.end(),
  );
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', () => {}); // the profiler hangs up mid-handshake on purpose
  const port = await listenOnPort0(server as unknown as import('node:net').Server, '127.0.0.1');
  return {
    port,
    names,
    setChain: (c) => server.setSecureContext({ cert: c.cert, key: c.key }),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

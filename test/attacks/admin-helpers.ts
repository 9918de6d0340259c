/**
 * Shared by the admin-plane attack tests: a WebSocket to /api/v1/events that reports how the upgrade ended
 * (open, or the refusal's status) and how the stream closed, so each test states the attacker's outcome.
 */
import WebSocket from 'ws';

export interface EventSocket {
  ws: WebSocket;
  /** Resolves with the close code when the server ends the stream. */
  closed: Promise<number>;
}

/** Opens the stream; rejects with "status N" when the upgrade is refused. */
export function openEvents(adminUrl: string, options: { token?: string; headers?: Record<string, string> } = {}): Promise<EventSocket> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${adminUrl.replace(/^http/, 'ws')}/api/v1/events`, { headers });
    const closed = new Promise<number>((done) => ws.once('close', (code) => done(code)));
    ws.once('open', () => resolve({ ws, closed }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** Resolves with the close code, or 'open' if the stream is still up after `ms`. */
export function closedWithin(socket: EventSocket, ms: number): Promise<number | 'open'> {
  return Promise.race([socket.closed, new Promise<'open'>((r) => setTimeout(() => r('open'), ms))]);
}

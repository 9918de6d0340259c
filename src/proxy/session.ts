/**
 * One client connection: gate → handshake (randomised deadline) → limits → dial the DC → relay; or, for a
 * client that fails, a byte-exact splice to the fronting site (everything already read, then both ways).
 * Emits the data-plane events of src/events.ts. Timing (deadline, idle) is driven by the server's sweep,
 * not by per-connection timers.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { ConnectionRef, HandshakeFailureReason, SecretMode } from '../events.js';
import type { SessionContext } from './context.js';
import { dialFirst, label } from './dial.js';
import { connectDc } from './upstream.js';
import { normaliseAddress } from '../vocabulary/index.js';
import { Handshake, failureReasonOf, type HandshakeDone, type HandshakeStep } from './handshake.js';
import type { GateDecision } from './hooks.js';
import { Relay, type RelayCodec, type RelayOwner } from './relay.js';
import { TlsCodec } from './codec-tls.js';
import type { UserRecord } from './users.js';
import { handshakeDeadline } from './handshake-deadline.js';

export type SessionState = 'gate' | 'handshake' | 'busy' | 'dialing' | 'relay' | 'fronting' | 'sink' | 'closed';

/** Most bytes buffered before the handshake decides: a 16 KiB hello record plus its header and a data record. */
const MAX_HANDSHAKE_BYTES = 16_384 + 5 + 6 + 16_384 + 5;
/** Silence after which a relay releases its cipher contexts (checked by the once-a-second sweep). */
const QUIET_MS = 1000;

export class Session implements RelayOwner {
  state: SessionState = 'gate';
  readonly ref: ConnectionRef;
  readonly startedAt = Date.now();
  deadline = 0;
  lastActivity = this.startedAt;
  /** The relay's cipher contexts were released for quiet (reset by the next relayed bytes). */
  private quiet = false;
  fromClient = 0;
  toClient = 0;
  reportedFromClient = 0;
  reportedToClient = 0;
  user: UserRecord | undefined;
  private admitted = false;
  private buffered: Buffer | undefined;
  private handshake: Handshake | undefined;
  private replied = false;
  private relay: Relay | undefined;
  private upstream: Socket | undefined;
  private closeReason: string | undefined;
  private childLogger: Logger | undefined;

  constructor(
    private readonly ctx: SessionContext,
    readonly socket: Socket,
    id: number,
  ) {
    this.ref = {
      id,
      remoteAddress: normaliseAddress(socket.remoteAddress),
      remotePort: socket.remotePort ?? 0,
      localAddress: normaliseAddress(socket.localAddress),
      localPort: socket.localPort ?? 0,
    };
  }

  get log(): Logger {
    return (this.childLogger ??= this.ctx.logger.child({ conn: this.ref.id, ip: this.ref.remoteAddress }));
  }

  /** Per-connection lines are debug-level; the child logger is only made when they are wanted. */
  private debug(fields: Record<string, unknown>, message: string): void {
    if (this.ctx.logger.isLevelEnabled('debug')) this.log.debug(fields, message);
  }

  async start(): Promise<void> {
    const settings = this.ctx.settings();
    this.deadline = handshakeDeadline(this.startedAt, settings.handshakeTimeoutMs);
    // Listeners are shared functions that find their session on the socket (no closures per connection).
    (this.socket as SessionSocket)[SESSION] = this;
    this.socket.on('error', onSocketError);
    this.socket.on('close', onSocketClose);
    this.ctx.bus.emit('connection.accepted', this.ref);
    const decision = await this.askGate(() => this.ctx.gate.onAccept(this.ref));
    if (this.state === 'closed') return;
    if (!decision.allow) {
      this.ctx.bus.emit('connection.refused', { ...this.ref, reason: decision.reason, by: decision.by });
      if (decision.action === 'front') return this.front(undefined);
      return this.close(`refused:${decision.by}`);
    }
    this.state = 'handshake';
    this.handshake = new Handshake({
      candidates: (transport) => this.ctx.users.candidates(transport),
      allowModes: settings.allowModes,
      maxSkewMs: settings.maxSkewMs,
      now: Date.now,
    });
    this.listenToClient();
  }

  /** Attaches onClientData / onClientEnd once; a paused socket stays paused (readableFlowing is false). */
  private listenToClient(): void {
    if (this.socket.listenerCount('data') > 0) return;
    this.socket.on('data', onClientData);
    this.socket.on('end', onClientEnd);
  }

  /** Called by the server's sweep. */
  tick(now: number): void {
    if (this.state === 'handshake' || this.state === 'gate' || this.state === 'busy') {
      if (now >= this.deadline) this.fail('timeout');
    } else if (this.state === 'relay' || this.state === 'fronting' || this.state === 'sink') {
      const silentMs = now - this.lastActivity;
      if (silentMs >= this.ctx.settings().idleTimeoutMs) this.stop('idle');
      else if (this.user && this.state === 'relay') {
        // Quiet connections (most of a proxy's, between a client's requests) hold no cipher contexts.
        if (!this.quiet && silentMs >= QUIET_MS) {
          this.quiet = true;
          this.relay?.quiet();
        }
        const refusal = this.ctx.users.stillValid(this.user, now);
        if (refusal) this.stop(refusal);
      }
    }
  }

  isClosed(): boolean {
    return this.state === 'closed';
  }

  /** Ends the connection now (idle, shutdown, quota). */
  stop(reason: string): void {
    if (this.relay) this.relay.stop(reason);
    else this.close(reason);
  }

  /**
   * Every 'data' of the client socket, for the life of the connection: removing a listener deletes a key of the
   * socket's event table, which turns it into a dictionary (≈ 450 bytes more per idle connection, heap snapshot).
   */
  onClientData(chunk: Buffer): void {
    const relay = this.relay;
    if (relay !== undefined) return relay.onData(this.socket, chunk);
    if (this.state === 'sink') {
      this.lastActivity = Date.now();
      return;
    }
    if (this.state !== 'handshake' && this.state !== 'busy') return; // paused until the relay starts
    this.buffered = this.buffered ? Buffer.concat([this.buffered, chunk]) : chunk;
    if (this.state === 'handshake') this.advance();
    // Still undecided with this much read: no client needs it (the first payload may be large, but the
    // handshake decides long before).
    if (this.state === 'handshake' && this.buffered && this.buffered.length > MAX_HANDSHAKE_BYTES) this.fail('oversized');
  }

  onClientEnd(): void {
    const relay = this.relay;
    if (relay !== undefined) return relay.onEnd(this.socket);
    if (this.state === 'sink') return this.close('client_closed');
    if (this.state === 'handshake' || this.state === 'busy') this.fail('truncated');
  }

  private advance(): void {
    let step: HandshakeStep;
    try {
      step = this.handshake!.feed(this.buffered ?? Buffer.alloc(0));
    } catch (err) {
      this.debug({ err: (err as Error).message }, 'handshake error');
      return this.fail(failureReasonOf(err));
    }
    if (step.kind === 'more') return;
    if (step.kind === 'fail') return this.fail(step.reason, step.mode);
    this.state = 'busy';
    this.socket.pause();
    const work = step.kind === 'identified' ? this.onIdentified(step) : this.onDone(step);
    work.catch((err: unknown) => {
      this.debug({ err: (err as Error).message }, 'handshake step failed');
      this.close('error');
    });
  }

  /** Fake TLS: the hello named a user. Check replay and limits, then answer and wait for the header. */
  private async onIdentified(step: Extract<HandshakeStep, { kind: 'identified' }>): Promise<void> {
    if (await this.isReplay(step.replayKey, 'tls')) return;
    if (!(await this.admit(step.user, step.mode))) return;
    if (this.state !== 'busy') return; // timed out or closed meanwhile
    this.replied = true;
    this.socket.write(step.reply);
    this.state = 'handshake';
    this.socket.resume();
    this.advance();
  }

  private async onDone(step: HandshakeDone): Promise<void> {
    if (step.replayKey && (await this.isReplay(step.replayKey, 'obfuscated2'))) return;
    if (!this.admitted && !(await this.admit(step.user, step.mode))) return;
    if (this.state !== 'busy') return; // timed out or closed meanwhile
    this.debug({ user: step.user.name, mode: step.mode, dc: step.dc }, 'handshake ok');
    this.ctx.bus.emit('handshake.ok', {
      ...this.ref,
      user: step.user.name,
      mode: step.mode,
      dc: step.dc,
      framing: step.tag,
      durationMs: Date.now() - this.startedAt,
    });
    // Everything read so far (handshake and first payload) counts as client bytes, quota included.
    const handshakeBytes = this.buffered?.length ?? 0;
    this.fromClient += handshakeBytes;
    this.ctx.users.account(step.user, handshakeBytes);
    this.buffered = undefined;
    this.handshake = undefined;
    await this.dial(step);
  }

  private async isReplay(key: Uint8Array, kind: 'tls' | 'obfuscated2'): Promise<boolean> {
    const ttl = Math.max(2 * this.ctx.settings().maxSkewMs, 10 * 60_000);
    const seen = await this.ctx.replay.seen(key, ttl);
    if (this.state !== 'busy') return true; // timed out or closed meanwhile
    if (!seen) return false;
    this.ctx.bus.emit('replay.detected', { ...this.ref, kind });
    this.fail('replay', kind === 'tls' ? 'ee' : undefined);
    return true;
  }

  /** Limits and the gate for an identified user; false (and the connection closed) when refused. */
  private async admit(user: UserRecord, mode: SecretMode): Promise<boolean> {
    this.ctx.gate.onHandshake?.(this.ref, { ok: true });
    const refusal = this.ctx.users.admit(user, this.ref.remoteAddress);
    if (refusal) {
      this.ctx.bus.emit('user.refused', { ...this.ref, user: user.name, reason: refusal });
      this.close(`user_refused:${refusal}`);
      return false;
    }
    this.user = user;
    this.admitted = true;
    const decision = await this.askGate(() => this.ctx.gate.onIdentified(this.ref, user.name, mode));
    if (this.state !== 'busy') return false;
    if (!decision.allow) {
      this.ctx.bus.emit('connection.refused', { ...this.ref, reason: decision.reason, by: decision.by });
      if (decision.by === 'acl' || decision.by === 'policy' || decision.by === 'rate_limit') {
        this.ctx.bus.emit('user.refused', { ...this.ref, user: user.name, reason: decision.by });
      }
      this.close(`refused:${decision.by}`);
      return false;
    }
    return true;
  }

  private async dial(step: HandshakeDone): Promise<void> {
    this.state = 'dialing';
    const link = await connectDc(this.ctx, this.ref, step, () => this.isClosed());
    if (!link) return this.close('dc_failed');
    if (this.isClosed()) return void link.upstream.destroy();
    this.upstream = link.upstream;
    this.startRelay(link.upstream, link.codec, step.initial);
  }

  private startRelay(upstream: Socket, codec: RelayCodec | undefined, initial?: Uint8Array): void {
    this.socket.pause();
    this.state = codec ? 'relay' : 'fronting';
    this.lastActivity = Date.now();
    const settings = this.ctx.settings();
    this.relay = new Relay(this, this.socket, upstream, codec, {
      maxBuffer: settings.maxBufferBytes,
      shaper: this.user ? this.ctx.shaper : undefined,
      user: this.user?.name,
      ownerFeedsClient: true, // onClientData / onClientEnd
    });
    if (codec && initial && initial.length > 0) {
      const first = codec instanceof TlsCodec ? codec.upPayload(initial) : codec.up(Buffer.from(initial));
      if (first) upstream.write(first as Uint8Array);
    }
    this.relay.start();
  }

  /** A failed handshake: event, then fronting (before the proxy revealed itself) or a clean close. */
  private fail(reason: HandshakeFailureReason, mode?: SecretMode): void {
    if (this.state === 'closed' || this.state === 'fronting' || this.state === 'sink' || this.state === 'relay') return;
    this.ctx.bus.emit('handshake.failed', { ...this.ref, reason, mode: mode ?? this.handshake?.mode, durationMs: Date.now() - this.startedAt });
    this.ctx.gate.onHandshake?.(this.ref, { ok: false, reason });
    this.debug({ reason }, 'handshake failed');
    if (this.replied || this.state === 'dialing') return this.close(reason);
    this.front(reason);
  }

  private front(reason: HandshakeFailureReason | undefined): void {
    this.state = 'fronting';
    this.lastActivity = Date.now();
    this.socket.pause();
    this.listenToClient(); // a refusal at accept fronts before the handshake listened
    const target = this.ctx.frontingTarget(this.handshake?.sni);
    if (!target) return this.sink();
    const raw = this.buffered;
    this.buffered = undefined;
    const settings = this.ctx.settings();
    dialFirst([target], settings.frontingConnectTimeoutMs, settings.maxBufferBytes, () => this.state === 'closed').then(
      ({ socket }) => {
        if (this.state === 'closed') return void socket.destroy();
        if (reason) this.ctx.bus.emit('connection.fronted', { ...this.ref, reason, target: label(target) });
        if (raw && raw.length > 0) {
          this.fromClient += raw.length;
          socket.write(raw);
        }
        this.upstream = socket;
        this.startRelay(socket, undefined);
      },
      () => this.close('fronting_failed'),
    );
  }

  /** No fronting site: read and discard until the client leaves or goes idle (never a tell-tale close). */
  private sink(): void {
    this.state = 'sink';
    this.buffered = undefined;
    this.socket.resume(); // onClientData / onClientEnd discard and close
  }

  onRelayed(direction: 'up' | 'down', bytes: number): boolean {
    this.lastActivity = Date.now();
    this.quiet = false;
    if (direction === 'up') this.fromClient += bytes;
    else this.toClient += bytes;
    return this.user && this.state === 'relay' ? this.ctx.users.account(this.user, bytes) : true;
  }

  onRelayEnd(reason: string): void {
    this.close(reason);
  }

  private askGate(ask: () => GateDecision | Promise<GateDecision>): Promise<GateDecision> | GateDecision {
    try {
      return ask();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'gate threw; refusing');
      return { allow: false, by: 'policy', reason: 'gate error' };
    }
  }

  onSocketError(err: Error): void {
    this.debug({ err: err.message }, 'client socket error');
  }

  onSocketClose(): void {
    if (this.state !== 'relay' && this.state !== 'fronting') this.close(this.closeReason ?? 'client_closed');
  }

  /** Idempotent: releases the user, reports bytes and `connection.closed`, tells the server. */
  close(reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closeReason = reason;
    this.socket.destroy();
    this.upstream?.destroy();
    this.buffered = undefined;
    if (this.user && this.admitted) this.ctx.users.release(this.user, this.ref.remoteAddress);
    const { bus } = this.ctx;
    const user = this.admitted ? this.user?.name : undefined;
    if (user !== undefined) this.reportBytes();
    bus.emit('connection.closed', {
      ...this.ref,
      user,
      reason,
      fromClient: this.fromClient,
      toClient: this.toClient,
      durationMs: Date.now() - this.startedAt,
    });
    this.ctx.gate.onClosed?.(this.ref, user);
    this.debug({ reason, user, fromClient: this.fromClient, toClient: this.toClient }, 'closed');
    this.ctx.sessionClosed(this);
  }

  /** Emits a `bytes` event with the deltas since the last one (the sweep calls this periodically). */
  reportBytes(): void {
    if (!this.user || !this.admitted) return;
    const fromClient = this.fromClient - this.reportedFromClient;
    const toClient = this.toClient - this.reportedToClient;
    if (fromClient === 0 && toClient === 0) return;
    this.reportedFromClient = this.fromClient;
    this.reportedToClient = this.toClient;
    this.ctx.bus.emit('bytes', { ...this.ref, user: this.user.name, fromClient, toClient });
  }
}

const SESSION = Symbol('session');
type SessionSocket = Socket & { [SESSION]?: Session };

function onClientData(this: SessionSocket, chunk: Buffer): void {
  this[SESSION]?.onClientData(chunk);
}
function onClientEnd(this: SessionSocket): void {
  this[SESSION]?.onClientEnd();
}
function onSocketError(this: SessionSocket, err: Error): void {
  this[SESSION]?.onSocketError(err);
}
function onSocketClose(this: SessionSocket): void {
  this[SESSION]?.onSocketClose();
}

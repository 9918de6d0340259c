/**
 * One client connection, as a straight pipeline: accept (gate) → handshake (randomised deadline) → admit
 * (replay check, limits, gate) → upstream (src/upstream) → relay → close; or, for a client that fails, a
 * byte-exact splice to the fronting site (everything already read, then both ways). Emits the data-plane
 * events of src/events.ts. Timing (deadline, idle) is driven by the server's sweep, not by per-connection timers.
 *
 * The session owns the client socket's listeners for the whole connection and passes their events to the
 * relay once it runs. A close, a timeout or a switch to fronting cancels the asynchronous step under way: the
 * session's own steps (gate, replay cache, the answer's delay) see a step counter move on; the dials (the
 * upstream's connect, the fronting site) get an AbortSignal, from controllers reused while never aborted
 * (dial-abort.ts). Client bytes held before the relay runs are kept without re-joining them (held-bytes.ts).
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { ConnectionRef, HandshakeFailureReason, SecretMode } from '../events.js';
import { badInputReason } from '../protocol/errors.js';
import { dialFirst, label } from '../upstream/dial.js';
import type { AdmittedClient, RelayCodec, UpstreamEndpoint } from '../upstream/types.js';
import type { SessionContext } from './context.js';
import { connectionRef, forgetAddresses } from './connection-ref.js';
import { drawScale, handshakeDeadline, scaledTimeout, SCALE_ONE } from './connection-timing.js';
import { Handshake, type HandshakeDone, type HandshakeStep } from './handshake.js';
import { askGate, gateIdentified, gateRefusal, replayed, sharedLimitRefusal, userLimitRefusal } from './admission.js';
import { Relay, type RelayOwner } from './relay.js';
import { TlsCodec } from './codec-tls.js';
import { frontingProxyHeader } from './proxy-header-out.js';
import { appendHeld, heldView } from './held-bytes.js';
import { giveBackDialAbort, takeDialAbort } from './dial-abort.js';
import type { UserRecord } from './users.js';
import { onClientData, onClientDrain, onClientEnd, onSocketClose, onSocketError, SESSION, type OwnedSocket } from './socket-owner.js';

export type SessionState = 'gate' | 'handshake' | 'busy' | 'dialing' | 'relay' | 'fronting' | 'sink' | 'closed';

/** Most bytes buffered before the handshake decides: a 16 KiB hello record plus its header and a data record. */
const MAX_HANDSHAKE_BYTES = 16_384 + 5 + 6 + 16_384 + 5;
/** Silence after which a relay releases its cipher contexts (checked by the once-a-second sweep). */
const QUIET_MS = 1000;

export class Session implements RelayOwner {
  state: SessionState = 'gate';
  readonly ref: ConnectionRef;
  readonly startedAt = Date.now();
  // The times below are milliseconds after startedAt and the scale a whole number: small integers, which V8 keeps
  // in the object, where epoch milliseconds or a fraction take a boxed number each (16 bytes per idle connection).
  /** Handshaking: when the handshake gives up. Fronting: when the splice ends (max lifetime). Sink: the former. */
  private deadline = 0;
  /** This connection's idle timeout: the configured one × idleScale() (0.75..1.25), whole-number form, drawn at start. */
  private idleScale64k = SCALE_ONE;
  private lastActivity = 0;
  /** The relay's cipher contexts were released for quiet (reset by the next relayed bytes). */
  private quiet = false;
  fromClient = 0;
  toClient = 0;
  reportedFromClient = 0;
  reportedToClient = 0;
  /** Set once the user's limits admitted the connection (the gate asked after): it holds a slot of them until close. */
  user: UserRecord | undefined;
  /** Client bytes read before the relay runs: the first `heldLength` bytes of `held` (held-bytes.ts). */
  private held: Buffer | undefined;
  private heldLength = 0;
  private handshake: Handshake | undefined;
  private replied = false;
  private relay: Relay | undefined;
  /** Moves on when the asynchronous step under way is cancelled: a step that sees it changed stops. */
  private step = 0;
  /** The dial under way (upstream connect, fronting site), aborted by a cancel. */
  private dialAbort: AbortController | undefined;
  private childLogger: Logger | undefined;

  constructor(
    private readonly ctx: SessionContext,
    readonly socket: Socket,
    id: number,
    /** The client as a PROXY header named it (proxy-header-intake.ts); default the socket's peer. */
    client?: { address: string; port: number },
  ) {
    this.ref = connectionRef(socket, id, client);
    forgetAddresses(socket);
  }

  get log(): Logger {
    return (this.childLogger ??= this.ctx.logger.child({ conn: this.ref.id, ip: this.ref.remoteAddress }));
  }

  /** Per-connection lines are debug-level; the child logger is only made when they are wanted. */
  private debug(fields: Record<string, unknown>, message: string): void {
    if (this.ctx.logger.isLevelEnabled('debug')) this.log.debug(fields, message);
  }

  /** Cancels the step under way: its awaits see `step` changed (and a dial its signal aborted) and stop. */
  private cancelPending(): void {
    this.step++;
    const dial = this.dialAbort;
    this.dialAbort = undefined;
    dial?.abort();
  }

  /** A controller for a dial; `dialSettled` gives it back. */
  private startDial(): AbortSignal {
    return (this.dialAbort = takeDialAbort()).signal;
  }

  /** The dial is over: true when it was cancelled meanwhile; else its controller may serve another dial. */
  private dialSettled(signal: AbortSignal): boolean {
    if (signal.aborted) return true;
    const dial = this.dialAbort;
    if (dial?.signal !== signal) return false;
    this.dialAbort = undefined;
    giveBackDialAbort(dial);
    return false;
  }

  /** Adds a chunk to the held client bytes (copying each byte once: held-bytes.ts). */
  private hold(chunk: Buffer): void {
    this.held = appendHeld(this.held, this.heldLength, chunk);
    this.heldLength += chunk.length;
  }

  /** The held client bytes, handed over (no copy); none are held afterwards. */
  private takeHeld(): Buffer | undefined {
    const held = this.held === undefined ? undefined : heldView(this.held, this.heldLength);
    this.held = undefined;
    this.heldLength = 0;
    return held;
  }

  /** `first`: the bytes that followed a PROXY header (the socket then arrives paused, listeners attached). */
  async start(first?: Buffer): Promise<void> {
    const settings = this.ctx.settings();
    this.deadline = handshakeDeadline(0, settings.handshakeTimeoutMs);
    this.idleScale64k = drawScale(); // issue 15: no close at a fixed time after the last byte
    // Listeners are shared functions that find their session on the socket (no closures per connection).
    (this.socket as OwnedSocket)[SESSION] = this;
    if (first === undefined) this.socket.on('error', onSocketError).on('close', onSocketClose);
    else if (first.length > 0) this.hold(first);
    this.ctx.bus.emit('connection.accepted', this.ref);
    let decision = askGate(this, () => this.ctx.gate.onAccept(this.ref));
    if (decision instanceof Promise) {
      const step = this.step;
      decision = await decision;
      if (this.step !== step) return;
    }
    if (!decision.allow) {
      const closeReason = gateRefusal(this.ctx, this.ref, decision);
      return decision.action === 'front' ? this.front(undefined) : this.close(closeReason);
    }
    this.state = 'handshake';
    this.handshake = new Handshake(this.ctx.handshakeOptions(), this.ref.remoteAddress);
    this.listenToClient();
    if (first === undefined) return;
    this.socket.resume();
    if (this.heldLength > 0) this.advance();
  }

  /** Attaches onClientData / onClientEnd once; a paused socket stays paused (readableFlowing is false). */
  private listenToClient(): void {
    if (this.socket.listenerCount('data') > 0) return;
    this.socket.on('data', onClientData);
    this.socket.on('end', onClientEnd);
  }

  /** Called by the server's sweep. */
  tick(now: number): void {
    const age = now - this.startedAt;
    if (this.state === 'handshake' || this.state === 'gate' || this.state === 'busy') {
      if (age >= this.deadline) this.fail('timeout');
    } else if (this.state === 'fronting' || this.state === 'sink') {
      // Their own lifetime, not the relay's: an unauthenticated connection must not hold a slot for minutes.
      if (age >= this.deadline) this.stop('lifetime');
      else if (age - this.lastActivity >= this.scaled(this.ctx.settings().frontingIdleTimeoutMs)) this.stop('idle');
    } else if (this.state === 'relay') {
      const silentMs = age - this.lastActivity;
      if (silentMs >= this.scaled(this.ctx.settings().idleTimeoutMs)) this.stop('idle');
      else if (this.user) {
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

  /** A timeout as this connection draws it (issue 15). */
  private scaled(timeoutMs: number): number {
    return scaledTimeout(timeoutMs, this.idleScale64k);
  }

  /** Now, as milliseconds after startedAt. */
  private age(): number {
    // Already whole: Math.round only hands it back as a small integer (V8 makes a difference of two boxed numbers
    // a boxed number, and one such store makes the field a boxed number in every session).
    return Math.round(Date.now() - this.startedAt);
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
      this.lastActivity = this.age();
      return;
    }
    if (this.state === 'dialing') return this.holdWhileDialing(chunk);
    if (this.state !== 'handshake' && this.state !== 'busy') return; // paused until the relay starts
    this.hold(chunk);
    if (this.state === 'handshake') this.advance();
    // Still undecided with this much read: no client needs it (the first payload may be large, but the
    // handshake decides long before).
    if (this.state === 'handshake' && this.heldLength > MAX_HANDSHAKE_BYTES) this.fail('oversized');
  }

  onClientEnd(): void {
    const relay = this.relay;
    if (relay !== undefined) return relay.onEnd(this.socket);
    if (this.state === 'sink') return this.close('client_closed');
    if (this.state === 'handshake' || this.state === 'busy') this.fail('truncated');
  }

  /**
   * The client is read while its upstream connects, so that a client that resets aborts the connect (a paused
   * socket would not notice); what it sends meanwhile is kept (up to one write queue's worth, then the socket
   * pauses) and relayed first. Its 'end' waits for the relay (a half-close still gets its answer).
   */
  private holdWhileDialing(chunk: Buffer): void {
    this.hold(chunk);
    if (this.heldLength >= this.ctx.settings().maxBufferBytes) this.socket.pause();
  }

  onClientDrain(): void {
    this.relay?.onDrain(this.socket);
  }

  onSocketError(err: Error): void {
    this.debug({ err: err.message }, 'client socket error');
    this.relay?.stop('error');
  }

  onSocketClose(): void {
    const relay = this.relay;
    if (relay !== undefined) return relay.onClose(this.socket);
    if (this.state !== 'fronting') this.close('client_closed'); // no-op once closed (the first reason stands)
  }

  private advance(): void {
    let step: HandshakeStep;
    try {
      step = this.handshake!.feed(this.held === undefined ? NOTHING : heldView(this.held, this.heldLength));
    } catch (err) {
      this.debug({ err: (err as Error).message }, 'handshake error');
      return this.fail(badInputReason(err));
    }
    if (step.kind === 'more') return;
    if (step.kind === 'fail') return this.fail(step.reason, step.mode);
    this.state = 'busy';
    this.socket.pause();
    const work = step.kind === 'identified' ? this.onIdentified(step, this.step) : this.onDone(step, this.step);
    work.catch((err: unknown) => this.stepFailed(err));
  }

  /** Fake TLS: the hello named a user. Check replay and limits, then answer and wait for the header. */
  private async onIdentified(step: Extract<HandshakeStep, { kind: 'identified' }>, current: number): Promise<void> {
    const identifiedAt = Date.now();
    if (await this.isReplay(step.replayKey, 'tls', current)) return;
    if (!(await this.admit(step.user, step.mode, current))) return;
    // issue 15: the answer comes after the fronting site's think time, counted from the hello (admission's
    // own time is part of it); one short timer, valid clients only, calling a shared function (no promise,
    // closure or async resumption per client: in a perf profile those cost more than the timer itself).
    const wait = step.delayMs - (Date.now() - identifiedAt);
    if (wait >= 1) setTimeout(answerLater, wait, this, step.reply, current);
    else this.answer(step.reply, current);
  }

  /** An asynchronous handshake step (or the answer timer) threw: the connection closes, never the process. */
  stepFailed(err: unknown): void {
    this.debug({ err: (err as Error).message }, 'handshake step failed');
    this.close('error');
  }

  /** Writes the fake-TLS answer and reads the client on, unless the step was cancelled meanwhile. */
  answer(reply: Uint8Array, current: number): void {
    if (this.step !== current) return;
    this.replied = true;
    this.socket.write(reply);
    this.state = 'handshake';
    this.socket.resume();
    this.advance();
  }

  private async onDone(step: HandshakeDone, current: number): Promise<void> {
    if (step.replayKey && (await this.isReplay(step.replayKey, 'obfuscated2', current))) return;
    if (this.user === undefined && !(await this.admit(step.user, step.mode, current))) return;
    if (this.step !== current) return;
    this.debug({ user: step.user.name, mode: step.mode, dc: step.dc }, 'handshake ok');
    this.ctx.bus.emit('handshake.ok', {
      ...this.ref,
      user: step.user.name,
      mode: step.mode,
      dc: step.dc,
      framing: step.tag,
      durationMs: Date.now() - this.startedAt,
      ja4: this.handshake?.ja4,
    });
    // Everything read so far (handshake and first payload) counts as client bytes, quota included.
    const handshakeBytes = this.heldLength;
    this.fromClient += handshakeBytes;
    this.ctx.users.account(step.user, handshakeBytes);
    this.takeHeld();
    this.handshake = undefined;
    await this.connectUpstream(step);
  }

  /** True when the key was seen before (the connection then fails) or the step was cancelled meanwhile. */
  private async isReplay(key: Uint8Array, kind: 'tls' | 'obfuscated2', current: number): Promise<boolean> {
    const seen = await replayed(this.ctx, this.ref, key, kind);
    if (this.step !== current) return true;
    if (seen) this.fail('replay', kind === 'tls' ? 'ee' : undefined);
    return seen;
  }

  /** Limits and the gate for an identified user; false when refused (the connection closed) or cancelled. */
  private async admit(user: UserRecord, mode: SecretMode, current: number): Promise<boolean> {
    this.ctx.gate.onHandshake?.(this.ref, { ok: true });
    let refusal = userLimitRefusal(this.ctx, this.ref, user);
    const shared = refusal ? undefined : sharedLimitRefusal(this.ctx, this.ref, user, () => this.step !== current);
    // Only users with a connection or IP limit in a group wait here; a cancel meanwhile was undone by the directory.
    if (shared && (refusal = await shared) === 'aborted') return false;
    if (refusal) {
      this.close(refusal);
      return false;
    }
    this.user = user; // holds a slot of the user's limits from here on: close() releases it
    const decision = await gateIdentified(this.ctx, this.ref, this, user, mode);
    if (this.step !== current) return false;
    if (!decision.allow) {
      this.close(gateRefusal(this.ctx, this.ref, decision, user.name));
      return false;
    }
    this.ctx.slots.authenticated(this); // out of the unauthenticated share (src/proxy/slots.ts)
    return true;
  }

  /** Hands the admitted client to the upstream; the client's fake-TLS record layer stays on this side. */
  private async connectUpstream(step: HandshakeDone): Promise<void> {
    this.state = 'dialing';
    this.socket.resume(); // read while connecting: holdWhileDialing
    const client: AdmittedClient = { ref: this.ref, user: step.user.name, mode: step.mode, dc: step.dc, framing: step.tag, keys: step.keys };
    const signal = this.startDial();
    let link;
    try {
      link = await this.ctx.upstream.connect(client, signal);
    } catch (err) {
      if (this.dialSettled(signal)) return;
      this.debug({ err: (err as Error).message }, 'upstream failed');
      return this.close('dc_failed');
    }
    if (this.dialSettled(signal)) {
      link.endpoint.destroy();
      return link.codec.destroy();
    }
    // The first payload read with the handshake goes first, through the upstream's codec alone (under fake TLS
    // it was already taken out of its records).
    const first = step.initial.length > 0 ? link.codec.up(step.initial) : null;
    if (first !== null) writeAll(link.endpoint, first);
    this.startRelay(link.endpoint, step.tlsReader ? new TlsCodec(link.codec, step.tlsReader) : link.codec);
  }

  private startRelay(upstream: UpstreamEndpoint, codec: RelayCodec | undefined): void {
    this.socket.pause();
    this.state = codec ? 'relay' : 'fronting';
    this.lastActivity = this.age();
    const settings = this.ctx.settings();
    this.relay = new Relay(this, this.socket, upstream, codec, {
      maxBuffer: settings.maxBufferBytes,
      shaper: this.user ? this.ctx.shaper : undefined,
      user: this.user?.name,
    });
    this.socket.on('drain', onClientDrain);
    // Bytes the client sent while its upstream connected go first (fronting passed its own on already).
    this.relay.start(this.takeHeld());
  }

  /** A failed handshake: event, then fronting (before the proxy revealed itself) or a clean close. */
  private fail(reason: HandshakeFailureReason, mode?: SecretMode): void {
    if (this.state === 'closed' || this.state === 'fronting' || this.state === 'sink' || this.state === 'relay') return;
    this.ctx.bus.emit('handshake.failed', {
      ...this.ref,
      reason,
      mode: mode ?? this.handshake?.mode,
      durationMs: Date.now() - this.startedAt,
      ja4: this.handshake?.ja4,
    });
    this.ctx.gate.onHandshake?.(this.ref, { ok: false, reason });
    this.debug({ reason }, 'handshake failed');
    if (this.replied || this.state === 'dialing') return this.close(reason);
    this.front(reason);
  }

  private front(reason: HandshakeFailureReason | undefined): void {
    this.cancelPending();
    this.state = 'fronting';
    this.ctx.slots.fronted(this); // the first to give up its slot (src/proxy/slots.ts)
    this.lastActivity = this.age();
    this.socket.pause();
    this.listenToClient(); // a refusal at accept fronts before the handshake listened
    const target = this.ctx.frontingTarget(this.handshake?.sni);
    if (!target) return this.sink();
    const raw = this.takeHeld();
    const settings = this.ctx.settings();
    this.deadline = Math.ceil(this.scaled(settings.frontingMaxLifetimeMs));
    const signal = this.startDial();
    dialFirst([target], settings.frontingConnectTimeoutMs, settings.maxBufferBytes, signal).then(
      ({ socket }) => {
        if (this.dialSettled(signal)) return void socket.destroy();
        if (reason) this.ctx.bus.emit('connection.fronted', { ...this.ref, reason, target: label(target) });
        if (settings.frontingProxyProtocol) socket.write(frontingProxyHeader(this.ref, socket));
        if (raw && raw.length > 0) {
          this.fromClient += raw.length;
          socket.write(raw);
        }
        this.startRelay(socket, undefined);
      },
      () => {
        if (!this.dialSettled(signal)) this.close('fronting_failed');
      },
    );
  }

  /**
   * No fronting site: read and discard until the client leaves, goes idle, or its handshake deadline passes (a
   * sink entered at that deadline ends at the next sweep): what a silent handshake would have had, no more.
   */
  private sink(): void {
    this.state = 'sink';
    this.takeHeld();
    this.socket.resume(); // onClientData / onClientEnd discard and close
  }

  onRelayed(direction: 'up' | 'down', bytes: number): boolean {
    this.lastActivity = this.age();
    this.quiet = false;
    if (direction === 'up') this.fromClient += bytes;
    else this.toClient += bytes;
    return this.user && this.state === 'relay' ? this.ctx.users.account(this.user, bytes) : true;
  }

  onRelayEnd(reason: string): void {
    this.close(reason);
  }

  /** Idempotent: releases the user, reports bytes and `connection.closed`, tells the server. */
  close(reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.cancelPending();
    this.socket.destroy();
    this.relay?.upstream.destroy(); // the relay's own field: a session keeps no second reference
    this.takeHeld();
    if (this.user) this.ctx.users.release(this.user, this.ref.remoteAddress);
    const { bus } = this.ctx;
    const user = this.user?.name;
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
    if (!this.user) return;
    const fromClient = this.fromClient - this.reportedFromClient;
    const toClient = this.toClient - this.reportedToClient;
    if (fromClient === 0 && toClient === 0) return;
    this.reportedFromClient = this.fromClient;
    this.reportedToClient = this.toClient;
    this.ctx.bus.emit('bytes', { ...this.ref, user: this.user.name, fromClient, toClient });
  }
}

const NOTHING = Buffer.alloc(0);

/** The answer timer's callback (one function for every session). */
function answerLater(session: Session, reply: Uint8Array, current: number): void {
  try {
    session.answer(reply, current);
  } catch (err) {
    session.stepFailed(err);
  }
}

/** A codec's output, one part or several, written in order. */
function writeAll(sink: UpstreamEndpoint, out: Uint8Array | readonly Uint8Array[]): void {
  if (out instanceof Uint8Array) sink.write(out);
  else for (const part of out) sink.write(part);
}

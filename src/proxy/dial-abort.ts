/**
 * The AbortControllers of the session's dials (its upstream's connect, the fronting site), reused while never
 * aborted. An AbortSignal is an EventTarget with two maps of its own, about 0.7 KiB; a proxy dials once per
 * client and a dial spans several young-generation collections, so a controller per dial was ~0.7 KiB per
 * admitted client left in the old generation until the next full collection (heap sampling profile of
 * `bench --proxy`'s idle scenario: the largest part of what issue 10's restructure added per connection).
 *
 * A controller goes back only when its signal was never aborted and nothing listens on it any more (an upstream
 * removes its listeners when its connect settles: src/upstream/types.ts), so a reused one is indistinguishable
 * from a fresh one. An aborted controller is simply dropped.
 */
import { getEventListeners } from 'node:events';

/** Enough for the dials in flight at once on a busy proxy; more are made (and collected) as needed. */
const MAX_IDLE = 64;
const idle: AbortController[] = [];

/** A controller whose signal is not aborted and has no listeners. */
export function takeDialAbort(): AbortController {
  return idle.pop() ?? new AbortController();
}

/** The dial settled: keep `controller` for the next one when that is safe (never aborted, no listener left). */
export function giveBackDialAbort(controller: AbortController): void {
  if (controller.signal.aborted || idle.length >= MAX_IDLE) return;
  if (getEventListeners(controller.signal, 'abort').length > 0) return;
  idle.push(controller);
}

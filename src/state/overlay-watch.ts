/**
 * Several processes on one Redis learn of each other's run-time changes (docs/fleet.md): after each overlay
 * write this process bumps a version key (`overlay:version`), and every `pollMs` it reads that key; a version it
 * did not write means another process changed the overlay, and `onChanged` re-reads and applies it (a user
 * added through one machine's API is served by the others within about a second). One small GET per poll,
 * never the overlay itself unless it changed.
 */
import type { RuntimeOverlay } from './overlay.js';
import type { StateStore } from './store.js';

export const OVERLAY_VERSION_KEY = 'overlay:version';

export class OverlayWatch {
  private seen: string | undefined;
  private readonly timer: NodeJS.Timeout;
  private polling = false;

  constructor(
    private readonly store: StateStore,
    overlay: RuntimeOverlay,
    private readonly onChanged: () => Promise<void>,
    private readonly onError: (error: unknown) => void = () => {},
    pollMs = 1000,
  ) {
    overlay.onSaved(() => {
      this.store.incr(OVERLAY_VERSION_KEY).then((version) => {
        // A version skipped between our last one and this: another process wrote meanwhile.
        const missed = this.seen !== undefined && Number(this.seen) + 1 !== version;
        this.seen = String(version);
        if (missed) this.onChanged().catch(onError);
      }, onError);
    });
    void this.store.get(OVERLAY_VERSION_KEY).then((version) => (this.seen ??= version ?? '0'), onError);
    this.timer = setInterval(() => void this.poll(), pollMs);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const version = (await this.store.get(OVERLAY_VERSION_KEY)) ?? '0';
      if (this.seen !== undefined && version !== this.seen) {
        this.seen = version;
        await this.onChanged();
      }
      this.seen ??= version;
    } catch (error) {
      this.onError(error);
    } finally {
      this.polling = false;
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}

/**
 * A worker's end of the lifecycle protocol (messages.ts): tells the primary it is ready once its listener is
 * up, applies configs the primary broadcasts, and drains on request (stop accepting, let sessions finish, then
 * report and exit). What "apply" and "drain" mean is the worker's own business: they are injected.
 */
import { ipcChannelOf, isTagged, type IpcChannel } from '../state/ipc-channel.js';
import { LIFECYCLE_TAG, type PrimaryMessage, type WorkerMessage } from './messages.js';

export interface WorkerLinkHandlers {
  /** Applies a config the primary validated; a throw is reported back, the worker keeps its old config. */
  onConfig(config: unknown, generation: number): void | Promise<void>;
  /** Stops accepting and waits for sessions (within `deadlineMs`); the primary kills the worker after that. */
  onDrain(deadlineMs: number): void | Promise<void>;
}

const ignore = (): void => {};

export class WorkerLink {
  private readonly onMessage = (message: unknown): void => {
    if (isTagged<PrimaryMessage>(message, LIFECYCLE_TAG)) void this.handle(message);
  };

  constructor(
    private readonly handlers: WorkerLinkHandlers,
    private readonly channel: IpcChannel = ipcChannelOf(),
  ) {
    channel.on('message', this.onMessage);
  }

  /** Call once the worker serves clients; until then the primary counts it as starting. */
  ready(): void {
    this.post({ mtshield: LIFECYCLE_TAG, type: 'ready' });
  }

  private post(message: WorkerMessage): void {
    this.channel.send(message, ignore);
  }

  private async handle(message: PrimaryMessage): Promise<void> {
    if (message.type === 'config') {
      try {
        await this.handlers.onConfig(message.config, message.generation);
        this.post({ mtshield: LIFECYCLE_TAG, type: 'config-applied', generation: message.generation });
      } catch (error) {
        this.post({ mtshield: LIFECYCLE_TAG, type: 'config-applied', generation: message.generation, error: (error as { code?: string }).code ?? 'apply failed' });
      }
      return;
    }
    await this.handlers.onDrain(message.deadlineMs);
    this.post({ mtshield: LIFECYCLE_TAG, type: 'drained' });
  }

  close(): void {
    this.channel.off('message', this.onMessage);
  }
}

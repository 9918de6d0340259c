/** A progress bar on stderr (cli-progress) so stdout keeps only the table; silent when disabled. */
import cliProgress from 'cli-progress';

export interface Progress {
  tick(label: string): void;
  stop(): void;
}

export function createProgress(total: number, enabled: boolean): Progress {
  if (!enabled || total === 0) return { tick: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: 'bench [{bar}] {value}/{total} {eta_formatted} left  {label}',
      etaBuffer: 40,
      hideCursor: true,
      clearOnComplete: false,
      noTTYOutput: false,
    },
    cliProgress.Presets.shades_classic,
  );
  let done = 0;
  bar.start(total, 0, { label: '' });
  return {
    tick(label) {
      bar.update(done++, { label });
    },
    stop() {
      bar.update(done, { label: 'done' });
      bar.stop();
    },
  };
}

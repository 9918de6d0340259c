/**
 * /metrics for a group of workers: each worker answers the primary's request with its registry as JSON
 * (prom-client's `getMetricsAsJSON`), and the primary sums them with prom-client's
 * `AggregatorRegistry.aggregate` (counters and histograms summed, gauges by each metric's `aggregator`).
 * prom-client's own `clusterMetrics()` only reaches node:cluster workers through `cluster.workers`; this carries
 * the same exchange on the IPC channel the state store uses, so any forked worker and the tests work the same.
 * A worker that does not answer within the deadline is left out of that scrape (and counted), never waited on.
 */
import { AggregatorRegistry, Registry } from 'prom-client';

/** One registry's metrics as `getMetricsAsJSON` gives them (what `aggregate` takes). */
type RegistryJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;
import { ipcChannelOf, isTagged, type IpcChannel } from '../state/ipc-channel.js';

export const METRICS_TAG = 'metrics';

type MetricsRequest = { mtshield: typeof METRICS_TAG; type: 'get'; id: number };
type MetricsReply = { mtshield: typeof METRICS_TAG; type: 'metrics'; id: number; metrics: RegistryJson };

const ignore = (): void => {};

/** Worker side: answers the primary's scrapes from `registry`. Returns a function that stops answering. */
export function serveWorkerMetrics(registry: Registry, channel: IpcChannel = ipcChannelOf()): () => void {
  const onMessage = (message: unknown): void => {
    if (!isTagged<MetricsRequest>(message, METRICS_TAG) || message.type !== 'get') return;
    void registry.getMetricsAsJSON().then((metrics) => channel.send({ mtshield: METRICS_TAG, type: 'metrics', id: message.id, metrics } satisfies MetricsReply, ignore));
  };
  channel.on('message', onMessage);
  return () => channel.off('message', onMessage);
}

export interface ClusterScrape {
  text: string;
  /** Workers asked, and how many answered in time. */
  asked: number;
  answered: number;
}

/** Primary side: sums every attached worker's registry (and the primary's own, when given) per scrape. */
export class ClusterMetrics {
  private readonly workers = new Set<IpcChannel>();
  private nextId = 1;
  readonly contentType = Registry.PROMETHEUS_CONTENT_TYPE;

  constructor(private readonly options: { timeoutMs?: number; primary?: Registry } = {}) {}

  /** Includes `worker` in scrapes until it exits. */
  attach(worker: IpcChannel): void {
    this.workers.add(worker);
    worker.once('exit', () => this.workers.delete(worker));
  }

  private ask(worker: IpcChannel): Promise<RegistryJson | undefined> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const finish = (metrics: RegistryJson | undefined): void => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        resolve(metrics);
      };
      const onMessage = (message: unknown): void => {
        if (isTagged<MetricsReply>(message, METRICS_TAG) && message.type === 'metrics' && message.id === id && Array.isArray(message.metrics)) finish(message.metrics);
      };
      const timer = setTimeout(() => finish(undefined), this.options.timeoutMs ?? 1000);
      worker.on('message', onMessage);
      worker.send({ mtshield: METRICS_TAG, type: 'get', id } satisfies MetricsRequest, (error) => error && finish(undefined));
    });
  }

  async scrape(): Promise<ClusterScrape> {
    const workers = [...this.workers];
    const answers = await Promise.all(workers.map((w) => this.ask(w)));
    const sets = answers.filter((a): a is RegistryJson => a !== undefined);
    if (this.options.primary) sets.push(await this.options.primary.getMetricsAsJSON());
    const text = await AggregatorRegistry.aggregate(sets).metrics();
    return { text, asked: workers.length, answered: answers.length - answers.filter((a) => a === undefined).length };
  }
}

import http from 'node:http';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { Logger } from '../kit';

/**
 * The cluster primary's /metrics: every worker's registry summed (counters and histograms), so that
 * Prometheus scrapes one endpoint for the whole cluster. METRICS_PORT (default PORT + 100), `off` to
 * disable. Also answers /health/live.
 */
export function serveAggregatedMetrics(opts: {
  port: number;
  log: Logger;
  /** False while a worker is starting: it could not answer and would stall the scrape for 5 s. */
  allListening: () => boolean;
}): http.Server | null {
  const { log } = opts;
  const setting = process.env.METRICS_PORT;
  if (setting === 'off') return null;
  const metricsPort = setting === undefined ? opts.port + 100 : Number(setting);
  const registry = new AggregatorRegistry();
  const server = http.createServer((req, res) => {
    if (req.url === '/metrics') {
      if (!opts.allListening()) {
        res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5' });
        res.end('workers starting');
        return;
      }
      registry.clusterMetrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        (err: unknown) => {
          log.error({ err }, 'collecting worker metrics failed');
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end('metrics unavailable');
        },
      );
      return;
    }
    res.writeHead(req.url === '/health/live' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(req.url === '/health/live' ? '{"status":"ok"}' : '{"error":"not found"}');
  });
  server.on('error', (err) => log.warn({ err, metricsPort }, 'aggregated metrics endpoint not available'));
  server.listen(metricsPort, process.env.HOST ?? '127.0.0.1', () =>
    log.info(
      { event: 'metrics_listening', metricsPort: (server.address() as { port: number }).port },
      'aggregated metrics served',
    ),
  );
  return server;
}

/**
 * The worker side: answers the primary's metric requests with this worker's registry (the kit's,
 * not prom-client's global one). Call before the worker starts serving, then `use` its registry.
 */
export function workerMetrics(): { use: (registry: Registry) => void } {
  new AggregatorRegistry();
  return { use: (registry) => AggregatorRegistry.setRegistries([registry]) };
}

/**
 * GET /metrics for a process without the HTTP app — `review-invites work` with METRICS_PORT — so the
 * delivery counters and the attempt latency a worker counts can be scraped where they happen. The
 * same registry and exposition as the app's /metrics route (http/routes/metrics.ts); node:http, as
 * one route needs no framework. Anything else is 404, any other method 405.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export type MetricsListener = { readonly address: AddressInfo; close(): Promise<void> };

export async function serveMetrics(registry: Registry, options: { host: string; port: number }): Promise<MetricsListener> {
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://metrics').pathname;
    if (pathname !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found; metrics are at /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`collecting metrics failed: ${(err as Error).message}\n`);
      },
    );
  });
  // A scraper's idle keep-alive connection must not hold up a shutdown.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new Error(`METRICS_PORT ${options.port} on ${options.host} is already in use; set METRICS_PORT to a free port`, { cause: err }));
      else if (err.code === 'EACCES') reject(new Error(`Not allowed to listen on METRICS_PORT ${options.port}; use a port above 1023`, { cause: err }));
      else reject(err);
    });
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    address: server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

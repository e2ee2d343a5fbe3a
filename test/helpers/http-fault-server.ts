/**
 * A real HTTP server standing in for a provider (platform API, webhook endpoint) whose answers a test
 * scripts one request at a time: a status with headers and body, a hang past the client's timeout, or
 * a connection reset in the middle of the response body. It keeps a ledger of every request.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type FaultStep =
  | { kind: 'respond'; status: number; headers?: Record<string, string>; body?: string }
  | { kind: 'hang' }
  | { kind: 'reset-mid-body'; status?: number };

export type RecordedRequest = { at: number; method: string; url: string; headers: http.IncomingHttpHeaders; body: string };

export type HttpFaultServer = {
  url: string;
  requests: RecordedRequest[];
  /** Answers for the next requests, in order; when empty, `fallback` answers. */
  script(...steps: FaultStep[]): void;
  fallback: FaultStep;
  close(): Promise<void>;
};

export async function startHttpFaultServer(fallback: FaultStep = { kind: 'respond', status: 200, body: '{"ok":true}' }): Promise<HttpFaultServer> {
  const queue: FaultStep[] = [];
  const requests: RecordedRequest[] = [];
  const hanging = new Set<http.ServerResponse>();
  const state = { fallback };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ at: Date.now(), method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const step = queue.shift() ?? state.fallback;
      if (step.kind === 'hang') {
        hanging.add(res);
        return;
      }
      if (step.kind === 'reset-mid-body') {
        res.writeHead(step.status ?? 200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"ok":tr', () => res.socket?.destroy());
        return;
      }
      res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers });
      res.end(step.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (...steps) => queue.push(...steps),
    get fallback() {
      return state.fallback;
    },
    set fallback(step: FaultStep) {
      state.fallback = step;
    },
    async close() {
      for (const res of hanging) res.socket?.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

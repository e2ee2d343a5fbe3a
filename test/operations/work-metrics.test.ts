/**
 * METRICS_PORT: a real `review-invites work` process serves GET /metrics on it, so the deliveries it
 * counts (by channel and outcome) and its attempt latency can be scraped where they happen — `work`
 * has no HTTP app. The process runs on PostgreSQL (TEST_DATABASE_URL); the configuration check runs
 * everywhere.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { freePort } from '../cli/cli-process.ts';
import { until } from '../helpers/queue-progress.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { createTestServices, type TestServices } from '../helpers/test-services.ts';
import { ensureBuilt, spawnWorker, type WorkerProcess } from '../helpers/worker-process.ts';
import { newInvitation, newTenant } from '../worker/queue-fixtures.ts';

function metric(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('METRICS_PORT configuration', () => {
  it('is unset by default, a port when set, and anything else stops the process at start', () => {
    expect(loadConfig({}, { dotenv: false }).metricsPort).toBeUndefined();
    expect(loadConfig({ METRICS_PORT: '9464' }, { dotenv: false }).metricsPort).toBe(9464);
    for (const bad of ['metrics', '0', '65536', '94.64', '-1']) {
      expect(() => loadConfig({ METRICS_PORT: bad }, { dotenv: false }), bad).toThrow(ConfigError);
      expect(() => loadConfig({ METRICS_PORT: bad }, { dotenv: false }), bad).toThrow(`METRICS_PORT must be a port number from 1 to 65535, got "${bad}"`);
    }
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('/metrics of a work process on PostgreSQL', { timeout: 180_000 }, () => {
  let s: TestServices;
  let sink: SmtpSink;
  let cwd: string;
  let worker: WorkerProcess | undefined;
  beforeAll(async () => {
    await ensureBuilt();
    sink = await startSmtpSink();
    s = await createTestServices('postgres', { poolSize: 2 });
    cwd = await mkdtemp(path.join(os.tmpdir(), 'review-invites-work-metrics-'));
  });
  afterAll(async () => {
    await worker?.kill();
    await s?.dispose();
    await sink?.close();
    if (cwd) await rm(cwd, { recursive: true, force: true });
  });

  it('serves the delivery counters, the latency histogram and the queue gauges of what it delivered; gone after SIGTERM', async () => {
    const tenant = await newTenant(s);
    const invitations = await Promise.all(Array.from({ length: 5 }, () => newInvitation(s, tenant.id)));
    const [transient, permanent] = invitations;
    sink.inject({ at: 'data', reply: 451, recipient: transient!.email });
    sink.inject({ at: 'rcpt', reply: 550, message: '5.1.1 No such user', recipient: permanent!.email });

    const port = await freePort();
    worker = spawnWorker('metrics', { databaseUrl: s.testDb.url!, smtpUrl: sink.url, cwd, env: { HOST: '127.0.0.1', METRICS_PORT: String(port), LOG_LEVEL: 'info' } });
    await worker.ready(s.database.pool);
    const url = `http://127.0.0.1:${port}/metrics`;
    expect(worker.logs(/^ready$/)[0]).toMatchObject({ mode: 'work', metricsUrl: url });

    const states = async () => {
      const rows = await s.deps.db.selectFrom('invitations').select(['state']).where('tenant_id', '=', tenant.id).execute();
      return rows.map((r) => r.state).sort();
    };
    // Three sent, the 550 failed, the 451 back in line for a retry in 15-30 s.
    await until(async () => (await states()).join() === 'failed,pending,sent,sent,sent', 'the worker to deliver', 60_000, states);

    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(metric(text, 'review_invites_delivery_attempts_total{channel="email",outcome="sent"}')).toBe(3);
    expect(metric(text, 'review_invites_delivery_attempts_total{channel="email",outcome="transient"}')).toBe(1);
    expect(metric(text, 'review_invites_delivery_attempts_total{channel="email",outcome="permanent"}')).toBe(1);
    expect(metric(text, 'review_invites_delivery_attempt_duration_seconds_count{channel="email",outcome="sent"}')).toBe(3);
    expect(metric(text, 'review_invites_delivery_attempt_duration_seconds_bucket{le="+Inf",channel="email",outcome="transient"}')).toBe(1);
    // The queue gauges read the database at scrape time, as on `serve`.
    expect(metric(text, 'review_invites_database_up')).toBe(1);
    expect(metric(text, 'review_invites_queue_invitations{state="pending"}')).toBe(1);
    expect(metric(text, 'review_invites_queue_invitations{state="due"}')).toBe(0);
    expect(metric(text, 'review_invites_queue_stuck_leases')).toBe(0);
    // Node's process metrics, under the same prefix.
    expect(metric(text, 'review_invites_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(text).not.toMatch(/@example\.com/);

    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);

    expect(await worker.stop()).toEqual({ code: 0, signal: null });
    await expect(fetch(url)).rejects.toThrow();
  });
});

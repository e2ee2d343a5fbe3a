/**
 * POST /api/v1/orders/import?outcomes=all: every row's outcome as NDJSON, one line per row in file
 * order as its chunk commits, then one `{"report": ...}` line (the same report as without the
 * option). The answer starts with the first outcome, so an error before it (a bad header) is still a
 * plain error response; an error after it ends the stream with one `{"error": {code, message}}` line
 * instead of the report (5xx details hidden, as everywhere). Outcomes are written as the client reads
 * them: a slow reader slows the import, never piles outcomes up in memory; a client that goes away
 * stops it between two chunks.
 */
import { PassThrough } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ImportReport, ImportRowOutcome } from '../app/import-orders.ts';
import { AppError } from '../errors.ts';

export async function streamImportOutcomes(
  request: FastifyRequest,
  reply: FastifyReply,
  run: (onOutcome: (outcome: ImportRowOutcome) => Promise<void>) => Promise<ImportReport>,
  cleanup: () => Promise<void>,
): Promise<FastifyReply> {
  const out = new PassThrough();
  let started!: () => void;
  const first = new Promise<void>((resolve) => (started = resolve));
  const write = async (line: string) => {
    if (out.destroyed) throw new AppError('unavailable', 'The client closed the connection');
    if (!out.write(line)) {
      await new Promise<void>((resolve, reject) => {
        const gone = () => reject(new AppError('unavailable', 'The client closed the connection'));
        out.once('drain', () => {
          out.off('close', gone);
          resolve();
        });
        out.once('close', gone);
      });
    }
  };
  const done = run(async (outcome) => {
    started();
    await write(`${JSON.stringify(outcome)}\n`);
  }).finally(cleanup);
  try {
    await Promise.race([first, done]);
  } catch (err) {
    out.destroy();
    throw err;
  }
  done.then(
    (report) => {
      request.log.info({ rows: report.rows, imported: report.imported, updated: report.updated, errors: report.errors, dry_run: report.dry_run }, 'orders imported');
      out.end(`${JSON.stringify({ report })}\n`);
    },
    (err: unknown) => {
      if (out.destroyed) return;
      const known = err instanceof AppError && err.status < 500;
      if (!known) request.log.error({ err }, 'import failed while streaming outcomes');
      const error = known ? { code: err.code, message: err.message } : { code: 'internal', message: `Internal error (request ${request.id})` };
      out.end(`${JSON.stringify({ error })}\n`);
    },
  );
  return reply.type('application/x-ndjson').send(out);
}

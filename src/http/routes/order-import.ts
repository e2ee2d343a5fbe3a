/**
 * POST /api/v1/orders/import: many orders in one request — CSV (text/csv) or JSON lines
 * (application/x-ndjson) streamed up to 512 MB, or a JSON array (application/json) up to 10 MB.
 * The parsers live in this plugin's scope only: the rest of the API keeps its 100 kB JSON limit.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { importOrders, type ImportReport } from '../../app/import-orders.ts';
import type { ImportFormat } from '../../app/read-import-rows.ts';
import { AppError } from '../../errors.ts';
import type { Services } from '../../main.ts';
import { tenantOf } from '../plugins/api-key-auth.ts';
import { ErrorBody, errorResponses } from '../schemas/error-body.ts';
import { ImportQuery, ImportReply } from '../schemas/order-import.ts';
import { spoolRequestBody } from '../spool-request-body.ts';
import { streamImportOutcomes } from '../stream-import-outcomes.ts';

export const IMPORT_STREAM_LIMIT = 512 * 1024 * 1024;
export const IMPORT_JSON_LIMIT = 10 * 1024 * 1024;

const streamTypes: Record<string, ImportFormat> = {
  'text/csv': 'csv',
  'application/csv': 'csv',
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'application/x-jsonlines': 'jsonl',
};

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** A JSON array as JSON lines: one import path for both. */
function jsonLines(orders: unknown[]): Readable {
  return Readable.from((function* () {
    for (const order of orders) yield `${JSON.stringify(order)}\n`;
  })());
}

export async function orderImportRoutes(app: FastifyInstance, opts: { services: Services }): Promise<void> {
  const { deps } = opts.services;
  // Streams are handed over unread; spoolRequestBody enforces their limit.
  app.addContentTypeParser(Object.keys(streamTypes), (_request, payload, done) => done(null, payload));
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: IMPORT_JSON_LIMIT }, app.getDefaultJsonParser('error', 'error'));

  app.withTypeProvider<TypeBoxTypeProvider>().post(
    '/orders/import',
    {
      schema: {
        tags: ['orders'],
        summary: 'Import orders in bulk: CSV, JSON lines or a JSON array',
        description:
          'Each row goes through the same checks and scheduling as POST /orders. A broken row is reported with its line number and the rest is imported; ' +
          're-importing the same file changes nothing twice. backfill=true stores past orders without inviting anyone; dry_run=true only checks. ' +
          'CSV columns: order_ref, store, status, email, first_name, last_name, customer_group, locale, country, timezone, placed_at, status_changed_at, ' +
          'currency, total, and items (a JSON array) or sku, product_name, quantity, price for single-line orders. ' +
          'The answer is a report with totals and the first 1,000 refused rows. With outcomes=all it is instead an NDJSON stream ' +
          '(application/x-ndjson) of every row\'s outcome in file order — {"line", "order_ref", "outcome": "created" | "updated", "order_id", ' +
          '"invitations", "not_scheduled", "skipped"}, {"line", "order_ref", "outcome": "valid"} in a dry run, or {"line", "order_ref", "outcome": "error", ' +
          '"message", "fields"} — written as rows are imported, ending with {"report": ...} (or {"error": {"code", "message"}} if the import stopped).',
        security: [{ apiKey: [] }],
        querystring: ImportQuery,
        consumes: ['text/csv', 'application/x-ndjson', 'application/json'],
        produces: ['application/json', 'application/x-ndjson'],
        response: { 200: ImportReply, ...errorResponses, 413: ErrorBody, 415: ErrorBody },
      },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      const type = mediaType(request.headers['content-type']);
      const options = { backfill: request.query.backfill === true, dryRun: request.query.dry_run === true };
      let source: () => Readable;
      let format: ImportFormat;
      let cleanup = async () => {};
      if (type === 'application/json') {
        if (!Array.isArray(request.body)) throw new AppError('validation_failed', 'A JSON body must be an array of orders', { fields: [{ field: 'body', message: 'must be an array of orders' }] });
        const orders = request.body;
        source = () => jsonLines(orders);
        format = 'jsonl';
      } else {
        const given = request.query.format ?? streamTypes[type];
        if (given === undefined) throw new AppError('unsupported_media_type', 'Send text/csv, application/x-ndjson or application/json');
        format = given;
        const upload = await spoolRequestBody(request.body as Readable, IMPORT_STREAM_LIMIT, request.headers['content-length']);
        source = () => createReadStream(upload.path);
        cleanup = () => upload.remove();
      }
      if (request.query.outcomes === 'all') {
        return streamImportOutcomes(request, reply, (onOutcome) => importOrders(deps, tenantId, source(), { ...options, format, onOutcome }), cleanup);
      }
      let report: ImportReport;
      try {
        report = await importOrders(deps, tenantId, source(), { ...options, format });
      } finally {
        await cleanup();
      }
      request.log.info({ rows: report.rows, imported: report.imported, updated: report.updated, errors: report.errors, dry_run: report.dry_run }, 'orders imported');
      return { ok: true as const, report };
    },
  );
}

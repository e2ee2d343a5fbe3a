/**
 * Bulk import of orders (CSV or JSON lines), streamed: rows are read as they are written, BATCH_ROWS
 * at a time, so a file of a million rows needs the memory of one batch. Every row goes through
 * recordOrder — the same checks, history, customer profile and scheduling as one order from the API —
 * inside one transaction per batch (each row a savepoint of it: one commit per batch, and a row that
 * fails rolls back alone). A broken row is reported with its line number and the rest is imported;
 * re-running the same file changes nothing twice (orders upsert, invitations are one per order).
 *
 * Backfill imports past orders and their history without scheduling anything. Dry run reads and
 * checks every row (store time zones included) and writes nothing.
 */
import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { withSavepointDatabase } from '../db/savepoint-database.ts';
import { AppError, type FieldError } from '../errors.ts';
import { checkOrderInput } from './check-order-input.ts';
import { importRowInput, rowFieldName } from './import-row.ts';
import type { AppDeps } from './ports.ts';
import { byteCounter, readImportRows, type ImportFormat, type ImportRow } from './read-import-rows.ts';
import { recordOrder } from './record-order.ts';
import { resolveOrderDates } from './resolve-order-dates.ts';

export type ImportOptions = {
  format: ImportFormat;
  /** Store past orders without inviting anyone. */
  backfill?: boolean;
  /** Check every row, write nothing. */
  dryRun?: boolean;
  onProgress?: (progress: ImportProgress) => void;
};

export type ImportProgress = { rows: number; bytes: number; errors: number };

export type ImportRowError = { line: number; order_ref: string | null; message: string; fields?: FieldError[] };

export type ImportReport = {
  format: ImportFormat;
  dry_run: boolean;
  backfill: boolean;
  /** Data rows read (the CSV header and blank lines not counted). */
  rows: number;
  /** Rows that passed every check (in a dry run: would be imported). */
  valid: number;
  /** Orders created. */
  imported: number;
  /** Orders that existed and were updated. */
  updated: number;
  invitations_created: number;
  /** Pending invitations withdrawn because their order was cancelled, refunded or failed. */
  invitations_skipped: number;
  /** Why campaigns did not invite, by reason code (duplicate: the order already had its invitation). */
  not_scheduled: Record<string, number>;
  errors: number;
  /** The first MAX_LISTED_ERRORS errors, in file order. */
  error_rows: ImportRowError[];
};

export const BATCH_ROWS = 500;
export const MAX_LISTED_ERRORS = 1000;

type Deps = AppDeps;
type RowFailure = { orderRef: unknown; message: string; fields?: FieldError[] };
/** Rows wait in their batch in file order, unreadable ones too, so errors are listed in file order. */
type Pending = { line: number; input: ReturnType<typeof importRowInput> } | { line: number; failure: RowFailure };

export async function importOrders(deps: Deps, tenantId: number, source: Readable, options: ImportOptions): Promise<ImportReport> {
  const report: ImportReport = {
    format: options.format, dry_run: options.dryRun === true, backfill: options.backfill === true, rows: 0, valid: 0, imported: 0, updated: 0,
    invitations_created: 0, invitations_skipped: 0, not_scheduled: {}, errors: 0, error_rows: [],
  };
  let bytes = 0;
  const counter = byteCounter((n) => {
    bytes = n;
  });
  source.on('error', (err) => counter.destroy(err));
  source.pipe(counter);
  const fail = (line: number, orderRef: unknown, message: string, fields?: FieldError[]) => {
    report.errors++;
    if (report.error_rows.length < MAX_LISTED_ERRORS) {
      report.error_rows.push({ line, order_ref: typeof orderRef === 'string' || typeof orderRef === 'number' ? String(orderRef) : null, message, ...(fields ? { fields } : {}) });
    }
  };
  const storeZones = new Map<string, string | null>();
  let batch: Pending[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    if (options.dryRun) await checkBatch(deps, tenantId, rows, storeZones, report, fail);
    else await writeBatch(deps, tenantId, rows, options.backfill === true, report, fail);
    options.onProgress?.({ rows: report.rows, bytes, errors: report.errors });
  };

  try {
    for await (const row of readImportRows(counter, options.format) as AsyncGenerator<ImportRow>) {
      report.rows++;
      if ('error' in row) batch.push({ line: row.line, failure: { orderRef: row.orderRef ?? null, message: `line ${row.line} ${row.error}` } });
      else {
        const input = importRowInput(row.record, options.format);
        if ('error' in input) {
          batch.push({ line: row.line, failure: { orderRef: row.record.order_ref, message: `line ${row.line}: ${input.error.field} ${input.error.message}`, fields: [input.error] } });
        } else batch.push({ line: row.line, input });
      }
      if (batch.length >= BATCH_ROWS) await flush();
    }
    await flush();
  } finally {
    // Stopped early (a bad header, a lost database): let go of the file.
    source.destroy();
  }
  return report;
}

type Fail = (line: number, orderRef: unknown, message: string, fields?: FieldError[]) => void;

function describe(line: number, fields: FieldError[]): string {
  return `line ${line}: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`;
}

/** One transaction, one savepoint per row; what a row's recordOrder refuses is that row's error. */
async function writeBatch(deps: Deps, tenantId: number, rows: Pending[], backfill: boolean, report: ImportReport, fail: Fail): Promise<void> {
  let wake = false;
  await deps.db.transaction().execute((trx) =>
    withSavepointDatabase(trx, async (db) => {
      // The worker is woken after the batch commits, when it can see the invitations.
      const rowDeps: AppDeps = { ...deps, db, wakeWorker: () => (wake = true) };
      for (const row of rows) {
        if ('failure' in row) {
          fail(row.line, row.failure.orderRef, row.failure.message, row.failure.fields);
          continue;
        }
        const { line, input } = row;
        if ('error' in input) continue;
        try {
          const result = await recordOrder(rowDeps, tenantId, input.input, { schedule: !backfill });
          report.valid++;
          if (result.created) report.imported++;
          else report.updated++;
          report.invitations_created += result.invitations.filter((i) => i.new).length;
          report.invitations_skipped += result.skipped.length;
          for (const n of result.not_scheduled) report.not_scheduled[n.reason_code] = (report.not_scheduled[n.reason_code] ?? 0) + 1;
        } catch (err) {
          const fields = rowError(err);
          if (fields === undefined) throw err;
          const named = fields.map((f) => ({ field: rowFieldName(f.field, input.flat), message: f.message }));
          fail(line, input.input.order_ref, describe(line, named), named);
        }
      }
    }),
  );
  if (wake) deps.wakeWorker();
}

/**
 * The fields a row's failure is about, or undefined when the failure is not the row's (the database
 * went away): then the import stops. PostgreSQL data and integrity errors (classes 22, 23) are the
 * row's: a value the checks let through but the column cannot hold.
 */
function rowError(err: unknown): FieldError[] | undefined {
  if (err instanceof AppError && err.status < 500) return err.fields ?? [{ field: 'row', message: err.message }];
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /^2[23]/.test(code)) return [{ field: 'row', message: `cannot be stored: ${(err as Error).message}` }];
  return undefined;
}

/** The dry run: recordOrder's checks without its writes. Store time zones are read once per code. */
async function checkBatch(deps: Deps, tenantId: number, rows: Pending[], zones: Map<string, string | null>, report: ImportReport, fail: Fail): Promise<void> {
  const now = deps.clock.now();
  const checked = rows.map((row) => ({ row, check: 'failure' in row || 'error' in row.input ? undefined : checkOrderInput(row.input.input) }));
  const unknown = [...new Set(checked.flatMap((c) => (c.check?.ok && !zones.has(c.check.value.storeCode) ? [c.check.value.storeCode] : [])))];
  if (unknown.length > 0) await loadZones(deps.db, tenantId, unknown, zones);
  for (const { row, check } of checked) {
    if ('failure' in row) {
      fail(row.line, row.failure.orderRef, row.failure.message, row.failure.fields);
      continue;
    }
    const { line, input } = row;
    if ('error' in input || check === undefined) continue;
    const fields = check.ok ? resolveOrderDates(check.value, zones.get(check.value.storeCode) ?? null, now) : check;
    if (fields.ok) {
      report.valid++;
      continue;
    }
    const named = fields.fields.map((f) => ({ field: rowFieldName(f.field, input.flat), message: f.message }));
    fail(line, input.input.order_ref, describe(line, named), named);
  }
}

async function loadZones(db: Kysely<Database>, tenantId: number, codes: string[], zones: Map<string, string | null>): Promise<void> {
  const rows = await db.selectFrom('stores').select(['code', 'timezone']).where('tenant_id', '=', tenantId).where('code', 'in', codes).execute();
  for (const code of codes) zones.set(code, rows.find((r) => r.code === code)?.timezone ?? null);
}

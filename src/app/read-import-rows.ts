/**
 * The rows of an import file, one at a time, with the line each ends on: CSV (RFC 4180, header row
 * first, UTF-8 with or without BOM) or JSON lines. Pulled by async iteration, so reading waits while
 * rows are written and memory holds one record, whatever the file size. A row that cannot be read
 * (a broken quote, a wrong number of cells, a line that is not JSON) comes out as an error row with
 * its own line number, in file order, and reading goes on with the next line (read-csv-records.ts
 * says how a stray quote is told from a cell that spans lines). A record longer than MAX_RECORD_CHARS
 * is refused, not buffered: a runaway quote cannot eat the memory.
 */
import { createInterface } from 'node:readline';
import { Transform, type Readable } from 'node:stream';
import { validationError } from '../errors.ts';
import { checkImportHeader } from './import-row.ts';
import { MAX_RECORD_CHARS, readCsvRecords } from './read-csv-records.ts';
import { unpairedSurrogateFields, unpairedSurrogateMessage } from './unpaired-surrogate-fields.ts';

export const importFormats = ['csv', 'jsonl'] as const;
export type ImportFormat = (typeof importFormats)[number];

export type ImportRow = { line: number; record: Record<string, unknown> } | { line: number; error: string; orderRef?: string | undefined };

/** Counts the bytes read so far (for progress), passing them on unchanged. */
export function byteCounter(onBytes: (total: number) => void): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      total += chunk.length;
      onBytes(total);
      done(null, chunk);
    },
  });
}

export function readImportRows(input: Readable, format: ImportFormat): AsyncGenerator<ImportRow> {
  return format === 'csv' ? readCsv(input) : readJsonLines(input);
}

async function* readCsv(input: Readable): AsyncGenerator<ImportRow> {
  let header: string[] | undefined;
  for await (const record of readCsvRecords(input, () => header?.length)) {
    if (header === undefined) {
      if ('error' in record) throw validationError([{ field: 'header', message: `line ${record.line} ${record.error}` }]);
      header = record.cells.map((h) => h.trim().toLowerCase());
      const problems = checkImportHeader(header);
      if (problems.length > 0) throw validationError(problems.map((p) => ({ field: `header.${p.field}`, message: p.message })));
      continue;
    }
    if ('error' in record) {
      yield { line: record.line, error: record.error };
      continue;
    }
    const { cells } = record;
    if (cells.length !== header.length) {
      yield { line: record.endLine, error: `has ${cells.length} cells; the header has ${header.length}`, orderRef: cells[header.indexOf('order_ref')] };
      continue;
    }
    const row: Record<string, unknown> = {};
    for (let i = 0; i < header.length; i++) row[header[i]!] = cells[i];
    yield { line: record.endLine, record: row };
  }
  if (header === undefined) throw validationError([{ field: 'header', message: 'the file is empty: the first line must name the columns' }]);
}

async function* readJsonLines(input: Readable): AsyncGenerator<ImportRow> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  for await (const raw of lines) {
    n++;
    const text = n === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (text.trim() === '') continue;
    if (text.length > MAX_RECORD_CHARS) {
      yield { line: n, error: `is longer than ${MAX_RECORD_CHARS} characters` };
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      yield { line: n, error: 'is not valid JSON' };
      continue;
    }
    const broken = unpairedSurrogateFields(value, text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) yield { line: n, error: 'must be a JSON object (one order per line)' };
    else if (broken.length > 0) yield { line: n, error: `${broken.join(', ')}: ${unpairedSurrogateMessage}` };
    else yield { line: n, record: value as Record<string, unknown> };
  }
}

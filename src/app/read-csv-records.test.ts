import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MAX_RECORD_CHARS, parseRecord, readCsvRecords, type CsvRecord } from './read-csv-records.ts';

/** Reads `text` (in chunks of `chunk` bytes, to cross chunk borders everywhere) with a 3-cell header. */
async function read(text: string, chunk = 7, cells: number | undefined = 3): Promise<CsvRecord[]> {
  const bytes = Buffer.from(text);
  const parts = Array.from({ length: Math.ceil(bytes.length / chunk) }, (_, i) => bytes.subarray(i * chunk, (i + 1) * chunk));
  const out: CsvRecord[] = [];
  for await (const r of readCsvRecords(Readable.from(parts), () => cells)) out.push(r);
  return out;
}

describe('CSV records', () => {
  it('reads quoted cells, doubled quotes, empty cells, CRLF, a BOM and a multi-byte character split across chunks', async () => {
    const records = await read('\uFEFFa,b,c\r\n"x,1","say ""hi""",\r\nü,,"z"\r\n');
    expect(records).toEqual([
      { line: 1, endLine: 1, cells: ['a', 'b', 'c'] },
      { line: 2, endLine: 2, cells: ['x,1', 'say "hi"', ''] },
      { line: 3, endLine: 3, cells: ['ü', '', 'z'] },
    ]);
  });

  it('a quoted cell may span lines; the record reports the lines it starts and ends on', async () => {
    expect(await read('a,b,c\n1,"two\n\nlines",3\n4,5,6')).toEqual([
      { line: 1, endLine: 1, cells: ['a', 'b', 'c'] },
      { line: 2, endLine: 4, cells: ['1', 'two\n\nlines', '3'] },
      { line: 5, endLine: 5, cells: ['4', '5', '6'] },
    ]);
  });

  it('skips empty lines and keeps counting them', async () => {
    expect((await read('a,b,c\n\n1,2,3\n\n')).map((r) => r.line)).toEqual([1, 3]);
  });

  it('a stray unclosed quote on line 3 of 6 is reported on line 3, and lines 4-6 are read on their own', async () => {
    const text = ['a,b,c', '1,2,3', '4,"5,6', '7,8,9', '10,"1""1",12', '13,14,15'].join('\n');
    expect(await read(text)).toEqual([
      { line: 1, endLine: 1, cells: ['a', 'b', 'c'] },
      { line: 2, endLine: 2, cells: ['1', '2', '3'] },
      { line: 3, error: expect.stringMatching(/^cannot be read as CSV: /) },
      { line: 4, endLine: 4, cells: ['7', '8', '9'] },
      { line: 5, endLine: 5, cells: ['10', '1"1', '12'] },
      { line: 6, endLine: 6, cells: ['13', '14', '15'] },
    ]);
  });

  it('a stray quote that pairs with a later one: reported on its own line when the record it makes has the wrong number of cells', async () => {
    // (With the right number of cells — 1,"2,3 then 4,5",6 — it is a cell spanning two lines, as RFC 4180 allows.)
    const text = ['a,b,c', '1,"2,3', '4,5",6,7', '7,8,9'].join('\n');
    const records = await read(text);
    expect(records.map((r) => ('error' in r ? `error@${r.line}` : `${r.line}:${r.cells.join('|')}`))).toEqual(['1:a|b|c', 'error@2', 'error@3', '4:7|8|9']);
  });

  it('an unclosed quote at the end of the file is reported on its line; the records before it stand', async () => {
    const records = await read('a,b,c\n1,2,3\n4,5,"6\n');
    expect(records.at(-1)).toEqual({ line: 3, error: 'cannot be read as CSV: a quoted cell is not closed before the end of the file' });
    expect(records).toHaveLength(3);
  });

  it('a line longer than the limit is refused without holding it, and reading goes on', async () => {
    const long = 'x'.repeat(MAX_RECORD_CHARS + 10);
    const records = await read(`a,b,c\n${long}\n1,2,3\n`, 64 * 1024);
    // Summarised first: a failure must not print the million characters.
    expect(records.map((r) => ('error' in r ? 'error' : r.cells.join('').length))).toEqual([3, 'error', 3]);
    expect(records).toEqual([
      { line: 1, endLine: 1, cells: ['a', 'b', 'c'] },
      { line: 2, error: expect.stringContaining('longer than') },
      { line: 3, endLine: 3, cells: ['1', '2', '3'] },
    ]);
  });

  it('names what is wrong with a malformed record', () => {
    expect(parseRecord('a,b"c,d')).toMatch(/quote inside unquoted cell 2/);
    expect(parseRecord('"a"b,c')).toMatch(/after the closing quote of cell 1/);
    expect(parseRecord('"a",')).toEqual(['a', '']);
    expect(parseRecord('')).toEqual(['']);
  });
});

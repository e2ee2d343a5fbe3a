import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../helpers/test-databases.ts';
import { createTestClock } from '../helpers/test-services.ts';
import { createHttpFixture, type HttpFixture } from '../http/http-fixture.ts';

const NOW = new Date('2026-11-23T10:00:00Z');

const CSV = [
  'order_ref,store,status,email,first_name,last_name,customer_group,placed_at,status_changed_at,currency,total,items',
  'C-1,berlin,completed,anna@example.com,Anna,Schmidt,retail,2026-11-20T09:00:00+01:00,2026-11-21T09:00:00+01:00,EUR,19.90,"[{""sku"":""MUG-1"",""name"":""Mug"",""quantity"":2,""price"":9.95}]"',
  'C-2,berlin,completed,not-an-email,Bob,Bauer,,2026-11-20T09:00:00+01:00,2026-11-21T09:00:00+01:00,EUR,5,',
  'C-3,paris,processing,chloe@example.com,Chloé,Martin,,2026-11-19T09:00:00+01:00,,EUR,12,',
  'C-4,paris,completed,dora@example.com,Dora',
  'C-5,paris,completed,emil@example.com,Emil,Meier,,2026-11-18T09:00:00Z,2026-11-19T09:00:00Z,EUR,-3,',
  '',
  'C-6,paris,completed,fay@example.com,Fay,Ng,vip,2026-11-18T09:00:00Z,2026-11-19T09:00:00Z,EUR,42,',
  '',
].join('\r\n');

describe.each(engines)('order import on %s', (engine) => {
  let f: HttpFixture;
  const clock = createTestClock(NOW);

  beforeAll(async () => {
    f = await createHttpFixture(engine, { clock });
  });
  afterAll(async () => f?.close());

  const upload = (payload: string, type: string, query = '', key?: string) =>
    f.api({ method: 'POST', url: `/api/v1/orders/import${query}`, headers: { 'content-type': type }, payload, ...(key ? { key } : {}) });
  const count = async (table: 'orders' | 'invitations' | 'order_events' | 'customers', tenantId = f.tenantId) =>
    Number((await f.s.deps.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', tenantId).executeTakeFirstOrThrow()).n);

  it('imports a CSV, reports each broken row by line number and imports the rest', async () => {
    const res = await upload(CSV, 'text/csv; charset=utf-8');
    expect(res.statusCode, res.body).toBe(200);
    const { report } = res.json();
    expect(report).toMatchObject({
      format: 'csv', dry_run: false, backfill: false, rows: 6, valid: 3, imported: 3, updated: 0, invitations_created: 2, invitations_skipped: 0, errors: 3,
    });
    expect(report.not_scheduled).toEqual({ not_trigger_status: 1 });
    expect(report.error_rows).toEqual([
      { line: 3, order_ref: 'C-2', message: expect.stringMatching(/^line 3: email /), fields: [{ field: 'email', message: expect.any(String) }] },
      { line: 5, order_ref: 'C-4', message: 'line 5 has 5 cells; the header has 12' },
      { line: 6, order_ref: 'C-5', message: 'line 6: total must not be negative', fields: [{ field: 'total', message: 'must not be negative' }] },
    ]);
    const orders = await f.s.deps.db.selectFrom('orders').select(['order_ref', 'status', 'source', 'items', 'total']).where('tenant_id', '=', f.tenantId).orderBy('order_ref').execute();
    expect(orders.map((o) => [o.order_ref, o.status, o.source])).toEqual([['C-1', 'completed', 'csv'], ['C-3', 'processing', 'csv'], ['C-6', 'completed', 'csv']]);
    expect(orders[0]!.items).toEqual([{ sku: 'MUG-1', name: 'Mug', quantity: 2, price: 9.95, product_url: null, image_url: null, gtin: null }]);
    expect(orders[0]!.total).toBe(19.9);
    const invitations = await f.s.deps.db.selectFrom('invitations').select(['order_ref', 'scheduled_at', 'email']).where('tenant_id', '=', f.tenantId).orderBy('order_ref').execute();
    // The default campaign: 7 days after the order reached "completed".
    expect(invitations.map((i) => [i.order_ref, i.scheduled_at.toISOString(), i.email])).toEqual([
      ['berlin:C-1', '2026-11-28T08:00:00.000Z', 'anna@example.com'],
      ['paris:C-6', '2026-11-26T09:00:00.000Z', 'fay@example.com'],
    ]);
  });

  it('a stray unclosed quote on line 3 of 6 is reported on line 3; the rows after it are imported; errors come in file order', async () => {
    const other = await f.newTenant('Quote Shop');
    const csv = [
      'order_ref,status,email,status_changed_at,items',
      'Q-1,completed,q1@example.com,2026-11-21T09:00:00Z,',
      'Q-2,completed,"q2@example.com,2026-11-21T09:00:00Z,',
      'Q-3,completed,not-an-email,2026-11-21T09:00:00Z,',
      'Q-4,completed,q4@example.com,2026-11-21T09:00:00Z,"[{""sku"":""A"",',
      '""name"":""Two-line cell"",""price"":1}]"',
      'Q-5,completed,q5@example.com,2026-11-21T09:00:00Z,',
    ].join('\n');
    const { report } = (await upload(csv, 'text/csv', '', other.key)).json();
    expect(report).toMatchObject({ rows: 5, imported: 3, errors: 2 });
    expect(report.error_rows.map((e: { line: number; order_ref: string | null; message: string }) => [e.line, e.order_ref, e.message.slice(0, 30)])).toEqual([
      [3, null, 'line 3 cannot be read as CSV: '],
      [4, 'Q-3', 'line 4: email is not an email '],
    ]);
    const orders = await f.s.deps.db.selectFrom('orders').select(['order_ref', 'items']).where('tenant_id', '=', other.tenantId).orderBy('order_ref').execute();
    expect(orders.map((o) => o.order_ref)).toEqual(['Q-1', 'Q-4', 'Q-5']);
    expect((orders[1]!.items as Array<{ name: string }>)[0]!.name).toBe('Two-line cell');
  });

  it('outcomes=all streams every row\'s outcome as NDJSON, in file order, then the report', async () => {
    const other = await f.newTenant('Outcome Shop');
    const res = await upload(CSV, 'text/csv', '?outcomes=all', other.key);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const lines = res.body.trim().split('\n').map((l) => JSON.parse(l));
    const rows = lines.slice(0, -1);
    expect(rows.map((r) => [r.line, r.order_ref, r.outcome])).toEqual([
      [2, 'C-1', 'created'], [3, 'C-2', 'error'], [4, 'C-3', 'created'], [5, 'C-4', 'error'], [6, 'C-5', 'error'], [8, 'C-6', 'created'],
    ]);
    expect(rows[0]).toEqual({
      line: 2, order_ref: 'C-1', outcome: 'created', order_id: expect.any(Number),
      invitations: [{ id: expect.any(Number), campaign: 'default', scheduled_at: '2026-11-28T08:00:00.000Z' }], not_scheduled: [], skipped: [],
    });
    expect(rows[2]).toMatchObject({ invitations: [], not_scheduled: [{ campaign: 'default', reason_code: 'not_trigger_status' }] });
    expect(rows[1]).toMatchObject({ message: expect.stringMatching(/^line 3: email /), fields: [{ field: 'email' }] });
    expect(lines.at(-1).report).toMatchObject({ rows: 6, imported: 3, errors: 3, invitations_created: 2 });
    // A dry run says which rows would go in; a bad header is still a plain 400.
    const dry = (await upload(CSV, 'text/csv', '?outcomes=all&dry_run=true', other.key)).body.trim().split('\n').map((l) => JSON.parse(l));
    expect(dry.slice(0, -1).map((r) => r.outcome)).toEqual(['valid', 'error', 'valid', 'error', 'error', 'valid']);
    const bad = await upload('order_ref,colour\nX,red\n', 'text/csv', '?outcomes=all', other.key);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('validation_failed');
  });

  it('importing the same file again creates nothing twice', async () => {
    const totals = async () =>
      (await f.s.deps.db.selectFrom('customers').select((eb) => [eb.fn.sum<string>('orders_count').as('orders'), eb.fn.sum<string>('total_spent').as('spent')]).where('tenant_id', '=', f.tenantId).executeTakeFirstOrThrow());
    const profiles = await totals();
    const before = { orders: await count('orders'), invitations: await count('invitations'), events: await count('order_events') };
    const { report } = (await upload(CSV, 'text/csv')).json();
    expect(report).toMatchObject({ rows: 6, imported: 0, updated: 3, invitations_created: 0, errors: 3 });
    expect(report.not_scheduled).toEqual({ duplicate: 2, not_trigger_status: 1 });
    expect({ orders: await count('orders'), invitations: await count('invitations'), events: await count('order_events') }).toEqual(before);
    // The customers' profiles count each order once, however often it is imported.
    expect(await totals()).toEqual(profiles);
    expect(Number(profiles.orders)).toBeGreaterThan(0);
  });

  it('imports JSON lines, flat or shaped like POST /orders, with a broken line reported', async () => {
    const other = await f.newTenant('Lines Shop');
    const lines = [
      JSON.stringify({ order_ref: 'J-1', store: 'web', status: 'completed', email: 'j1@example.com', first_name: 'J', placed_at: '2026-11-20T09:00:00Z', status_changed_at: '2026-11-21T09:00:00Z', total: 10, sku: 'S-1', product_name: 'Soap', quantity: 1, price: 10 }),
      '{"order_ref": "J-2", "status": ',
      JSON.stringify({ order_ref: 'J-3', store: 'web', status: 'completed', status_changed_at: '2026-11-21T09:00:00Z', customer: { email: 'j3@example.com', first_name: 'Jo' }, items: [{ sku: 'S-2', name: 'Towel', price: 5 }] }),
      '[1, 2]',
      JSON.stringify({ order_ref: 'J-5', status: 'completed', email: 'j5@example.com', quantity: 'two' }),
    ].join('\n');
    const res = await upload(lines, 'application/x-ndjson', '', other.key);
    expect(res.statusCode, res.body).toBe(200);
    const { report } = res.json();
    expect(report).toMatchObject({ format: 'jsonl', rows: 5, imported: 2, invitations_created: 2, errors: 3 });
    expect(report.error_rows.map((e: { line: number; message: string }) => [e.line, e.message])).toEqual([
      [2, 'line 2 is not valid JSON'],
      [4, 'line 4 must be a JSON object (one order per line)'],
      [5, 'line 5: quantity must be a number from 0 to 1000000'],
    ]);
    const items = await f.s.deps.db.selectFrom('orders').select(['order_ref', 'items', 'source']).where('tenant_id', '=', other.tenantId).orderBy('order_ref').execute();
    expect(items.map((o) => [o.order_ref, (o.items as Array<{ name: string }>)[0]!.name, o.source])).toEqual([['J-1', 'Soap', 'jsonl'], ['J-3', 'Towel', 'jsonl']]);
    // Nothing of it landed with the first tenant.
    expect(await f.s.deps.db.selectFrom('orders').select('id').where('tenant_id', '=', f.tenantId).where('order_ref', 'like', 'J-%').execute()).toEqual([]);
  });

  it('takes a JSON array too', async () => {
    const res = await f.api({ method: 'POST', url: '/api/v1/orders/import', payload: [{ order_ref: 'A-1', status: 'completed', status_changed_at: '2026-11-21T09:00:00Z', customer: { email: 'a1@example.com' } }, { status: 'completed' }] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().report).toMatchObject({ rows: 2, imported: 1, errors: 1, error_rows: [{ line: 2, message: 'line 2: order_ref is required' }] });
    expect((await f.api({ method: 'POST', url: '/api/v1/orders/import', payload: { order_ref: 'A-2' } })).statusCode).toBe(400);
  });

  it('backfill stores past orders and their history without inviting anyone', async () => {
    const other = await f.newTenant('Backfill Shop');
    const csv = ['order_ref,status,email,placed_at,status_changed_at,total', ...Array.from({ length: 30 }, (_, i) => `B-${i},completed,b${i}@example.com,2025-01-0${1 + (i % 9)}T10:00:00Z,2025-02-01T10:00:00Z,${i}`)].join('\n');
    const { report } = (await upload(csv, 'text/csv', '?backfill=true', other.key)).json();
    expect(report).toMatchObject({ backfill: true, rows: 30, imported: 30, invitations_created: 0, errors: 0, not_scheduled: {} });
    expect(await count('orders', other.tenantId)).toBe(30);
    expect(await count('order_events', other.tenantId)).toBe(30);
    expect(await count('customers', other.tenantId)).toBe(30);
    expect(await count('invitations', other.tenantId)).toBe(0);
  });

  it('dry run checks every row and writes nothing', async () => {
    const other = await f.newTenant('Dry Shop');
    const tables = ['orders', 'invitations', 'order_events', 'customers'] as const;
    const before = await Promise.all(tables.map((t) => count(t, other.tenantId)));
    const stores = await f.s.deps.db.selectFrom('stores').select('id').where('tenant_id', '=', other.tenantId).execute();
    const res = await upload(CSV, 'text/csv', '?dry_run=true', other.key);
    expect(res.json().report).toMatchObject({ dry_run: true, rows: 6, valid: 3, imported: 0, updated: 0, invitations_created: 0, errors: 3 });
    expect(res.json().report.error_rows.map((e: { line: number }) => e.line)).toEqual([3, 5, 6]);
    expect(await Promise.all(tables.map((t) => count(t, other.tenantId)))).toEqual(before);
    expect(await f.s.deps.db.selectFrom('stores').select('id').where('tenant_id', '=', other.tenantId).execute()).toEqual(stores);
  });

  it('400 for a header with unknown or missing columns, before anything is written', async () => {
    const res = await upload('order_ref,colour,email\nX-1,red,x@example.com\n', 'text/csv');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields.map((x: { field: string }) => x.field)).toEqual(['header.colour', 'header.status']);
    expect(await f.s.deps.db.selectFrom('orders').select('id').where('order_ref', '=', 'X-1').execute()).toEqual([]);
  });

  it('415 for another content type, 401 without a key', async () => {
    expect((await upload('order_ref,status\n1,completed\n', 'text/plain')).statusCode).toBe(415);
    const anonymous = await f.app.inject({ method: 'POST', url: '/api/v1/orders/import', headers: { 'content-type': 'text/csv' }, payload: 'order_ref,status\n' });
    expect(anonymous.statusCode).toBe(401);
  });

  it('the rest of the API keeps its 100 kB body limit', async () => {
    const big = { email: 'x@example.com', name: 'x'.repeat(200 * 1024) };
    expect((await f.api({ method: 'POST', url: '/api/v1/invitations', payload: big })).statusCode).toBe(413);
  });
});

/**
 * Every grid filter combination is answered from an index: the plans of exactly the statements the
 * grid runs, over 100,000 invitations (the benchmark runs the same combinations over 1,000,000).
 * A sequential scan of invitations or orders fails the test. RI_EXPLAIN=1 prints each plan's outline.
 * On PostgreSQL the name/email search must use the trigram index of invitation_search too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '../../src/app/tenants.ts';
import { resolveInvitationFilter } from '../../src/app/invitation-filter.ts';
import { isNarrowRange } from '../../src/app/grid-range-hint.ts';
import { gridRangeQuery } from '../../src/app/list-invitations.ts';
import { cursorAt, gridCombinations } from '../../bench/grid/grid-combinations.ts';
import { seedGrid } from '../../bench/grid/seed-grid.ts';
import { engines } from '../helpers/test-databases.ts';
import { createTestClock, createTestServices, type TestServices } from '../helpers/test-services.ts';

type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; Plans?: PlanNode[] };

function outline(node: PlanNode, depth = 0): string[] {
  const what = [node['Node Type'], node['Index Name'] ? `using ${node['Index Name']}` : '', node['Relation Name'] ? `on ${node['Relation Name']}` : ''].filter(Boolean).join(' ');
  return [`${'  '.repeat(depth)}${what}`, ...(node.Plans ?? []).flatMap((p) => outline(p, depth + 1))];
}

function nodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodes)];
}

const NOW = new Date('2026-11-23T10:00:00Z');

describe.each(engines)('queue grid index use on %s', (engine) => {
  let s: TestServices;
  let tenantId: number;
  let trigrams = false;

  beforeAll(async () => {
    s = await createTestServices(engine, { clock: createTestClock(NOW) });
    // Another tenant's rows share every index: the tenant condition has to be part of the plan.
    const small = await createTenant(s.deps, { name: 'Small Shop' });
    await seedGrid(s.deps.db, small.tenant.id, 2_000, NOW);
    const big = await createTenant(s.deps, { name: 'Big Shop' });
    tenantId = big.tenant.id;
    await seedGrid(s.deps.db, tenantId, 100_000, NOW);
    trigrams = (await s.database.pool.query("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).rowCount === 1;
  }, 300_000);
  afterAll(async () => s?.dispose());

  it.runIf(engine === 'postgres')('has the trigram index for name/email search on PostgreSQL', () => {
    expect(trigrams).toBe(true);
  });

  it.each(gridCombinations(NOW).map((c) => [c.name, c] as const))('%s', async (_name, combo) => {
    const filter = await resolveInvitationFilter(s.deps.db, tenantId, combo.filter);
    const after = combo.deep === undefined ? undefined : await cursorAt(s.deps, tenantId, filter, combo.sort, combo.order, combo.deep);
    if (combo.deep !== undefined) expect(after).toBeDefined();
    // Exactly what readGridPage decides for this filter.
    const req = { sort: combo.sort, order: combo.order, limit: 50, matchFirst: await isNarrowRange(s.deps.db, tenantId, filter, combo.sort) };
    // sent_at pages read the sent range, then the unsent one: both must use an index.
    const ranges = combo.sort === 'sent_at' ? [false, true] : [false];
    for (const nulls of ranges) {
      const cursor = nulls && after?.value !== null ? undefined : after;
      const compiled = gridRangeQuery(s.deps, tenantId, filter, req, nulls, cursor, 51).compile();
      const { rows } = await s.database.pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) ${compiled.sql}`, compiled.parameters as unknown[]);
      const plan = rows[0]!['QUERY PLAN'][0].Plan;
      if (process.env.RI_EXPLAIN) console.log(`${engine} ${combo.name}${nulls ? ' (unsent range)' : ''}\n${outline(plan).join('\n')}`);
      // Substring search needs pg_trgm (0005_lighter_invitation_rows.sql); without it (PGlite as opened
      // today) a search reads invitation_search whole, which embedded installs can afford.
      if (combo.filter.q !== undefined && !trigrams) continue;
      const seq = nodes(plan).filter((n) => n['Node Type'] === 'Seq Scan' && ['invitations', 'invitation_search', 'orders'].includes(n['Relation Name'] ?? ''));
      expect(seq, outline(plan).join('\n')).toEqual([]);
      expect(nodes(plan).some((n) => n['Index Name']?.startsWith('invitations')), outline(plan).join('\n')).toBe(true);
    }
  });
});

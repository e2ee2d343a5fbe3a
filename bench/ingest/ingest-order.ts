/**
 * The order both sides of the ingest benchmark receive: a completed order (the default campaign's
 * trigger status, so ours writes order + history + customer + invitation), one per request, each with
 * its own order_ref and customer. `run` keeps the refs of one run apart from the others'.
 */
export function ingestOrder(run: string, n: number): Record<string, unknown> {
  return {
    order_ref: `${run}-${n}`,
    store: 'main',
    status: 'completed',
    status_changed_at: '2026-11-20T09:00:00Z',
    placed_at: '2026-11-18T12:00:00Z',
    customer: { email: `c${n}.${run}@example${n % 100}.com`, first_name: 'Jane', last_name: `Doe ${n % 1000}`, group: 'retail', locale: 'de-DE', country: 'DE' },
    currency: 'EUR',
    total: 59.9,
    items: [
      { sku: `TEE-${n % 500}`, name: 'Organic T-Shirt', quantity: 2, price: 19.95 },
      { sku: 'MUG-2', name: 'Coffee mug', quantity: 1, price: 20 },
    ],
  };
}

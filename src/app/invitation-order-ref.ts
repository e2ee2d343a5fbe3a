/**
 * The order_ref an order's invitations carry: `${storeCode}:${orderRef}`. The invitations' unique key
 * is (tenant, campaign, order_ref), and two stores of one tenant may both have an order "1001", so
 * the store is part of it. Store codes cannot contain ':' (check-order-input.ts), so the first ':'
 * splits it back. Providers that deduplicate on order_ref (amino) receive this same value.
 *
 * A client that also uses the amino-compatible POST /api/v1/invitations for the same order with
 * order_ref "shop:1001" hits the same key in the same campaign: still one invitation.
 */
export function invitationOrderRef(storeCode: string, orderRef: string): string {
  return `${storeCode}:${orderRef}`;
}

/**
 * The warnings the EC site keeps on purpose, each with the reason; the EC site acknowledges
 * each on the service that causes it (Warnings.of(service).acknowledge), so synth lists them
 * in one line. A test fails when a warning appears that is not listed here, or when a listed
 * one disappears (so this list never goes stale).
 *
 * Keys are `<code> <resource>` or `<code> <outer resource> → <inner resource>`.
 */
export const ACKNOWLEDGED_WARNINGS: Readonly<Record<string, string>> = {
  // Payment keeps seed 000's `reset,connect-failure`: a reset after the charge reached
  // payment-service resends it. That is safe only if payment deduplicates charges (an
  // idempotency key); without one use the library's default, reset-before-request,connect-failure.
  'MESH662 payment-service': 'kept from seed 000; safe only if payment deduplicates charges by an idempotency key',
  // Order: seed 000's Mission 2 values (15s, 3 × 5s on 5xx,reset,connect-failure,retriable-4xx) for reads; its
  // writes (POST, PATCH) have a route of their own retried only when nothing reached order, so one POST
  // reaches payment at most twice (payment's own retry on reset). Order's tries still give up first:
  'MESH660 order-service → payment-service':
    "kept from seed 000: order's 15s route (5s tries for reads) in front of payment's 30s; a POST is not resent, but the client may see a 504 "
      + 'while payment still charges',
  'MESH660 order-service → inventory-service': "kept from seed 000: order's 5s tries for reads in front of inventory's 10s; its GETs cost load only",
  'MESH660 search-service → inventory-service':
    'kept from seed 000: search answers in 3s (1s tries); its calls to inventory are GETs, so a retry only costs load',
  // User: seed 000's VirtualService (10s, 3 × 3s on 5xx,reset,connect-failure) for reads; its writes are not resent.
};

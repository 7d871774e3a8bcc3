/**
 * The warnings the EC site keeps on purpose, each with the reason. Synth prints every
 * warning; a test fails when a warning appears that is not listed here, or when a listed
 * one disappears (so this list never goes stale).
 *
 * Keys are `<code> <resource>` or `<code> <outer resource> → <inner resource>`.
 */
export const ACKNOWLEDGED_WARNINGS: Readonly<Record<string, string>> = {
  // Payment keeps seed 000's `reset,connect-failure`: a reset after the charge reached
  // payment-service resends it. That is safe only if payment deduplicates charges (an
  // idempotency key); without one use the library's default, reset-before-request,connect-failure.
  'MESH662 payment-service': "kept from seed 000; safe only if payment deduplicates charges by an idempotency key",
  // Order: seed 000's Mission 2 values (15s, 3 × 5s on 5xx,reset,connect-failure,retriable-4xx).
  'MESH111 order-service': "kept from seed 000 (Mission 2); safe only if order creation is idempotent (a client order id)",
  'MESH662 order-service': "kept from seed 000 (Mission 2); safe only if order creation is idempotent (a client order id)",
  'MESH660 order-service → payment-service': "kept from seed 000: order's 5s tries in front of payment's 30s; safe only if payment deduplicates charges",
  'MESH661 order-service → payment-service': "kept from seed 000: order retries 3×, payment 1×; safe only if payment deduplicates charges",
  'MESH660 order-service → inventory-service': "kept from seed 000: order's 5s tries in front of inventory's 10s; safe only if reservations are keyed by order id",
  'MESH661 order-service → inventory-service': "kept from seed 000; safe only if reservations are keyed by order id",
  'MESH660 order-service → notification-service': "kept from seed 000; safe only if notification-service deduplicates messages",
  'MESH661 order-service → notification-service': 'kept from seed 000; safe only if notification-service deduplicates messages',
  'MESH660 search-service → inventory-service': "kept from seed 000: search answers in 3s (1s tries); its calls to inventory are GETs, so a retry only costs load",
  // The business tier's standard settings (seed 000: 10s, 3 × 3s on 5xx,reset,connect-failure).
  'MESH111 inventory-service': "seed 000's standard settings; safe only if reservations are keyed by order id",
  'MESH662 inventory-service': "seed 000's standard settings; safe only if reservations are keyed by order id",
  'MESH111 notification-service': "seed 000's standard settings; safe only if notification-service deduplicates messages",
  'MESH662 notification-service': "seed 000's standard settings; safe only if notification-service deduplicates messages",
  'MESH111 user-service': "seed 000's standard settings; safe only if user writes are idempotent",
  'MESH662 user-service': "seed 000's standard settings; safe only if user writes are idempotent",
};

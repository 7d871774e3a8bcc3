/**
 * The routes Bookinfo runs with in each of its environments, as data in one place:
 * each is one of Istio's samples/bookinfo/networking files.
 */

/**
 * How `reviews` is routed: everything to v1 (virtual-service-all-v1.yaml), v2 and v3
 * at 50% each (virtual-service-reviews-v2-v3.yaml), or the user `jason` to v2 and
 * everyone else to v1 (virtual-service-reviews-test-v2.yaml).
 */
export type ReviewsRouting = 'all-v1' | 'v2-v3' | 'test-v2';

/**
 * The fault injected into `ratings` for the user `jason`: none, a 7s delay
 * (virtual-service-ratings-test-delay.yaml) or an HTTP 500 (virtual-service-ratings-test-abort.yaml).
 */
export type RatingsFault = 'none' | 'delay' | 'abort';

/** One Bookinfo environment. */
export interface BookinfoEnvironment {
  /** Its name, also its folder in dist/. */
  readonly name: string;
  /** The namespace Bookinfo runs in. */
  readonly namespace: string;
  /**
   * The public host its Gateway serves. The environments share the one ingress gateway, so
   * each needs its own host: three Gateways claiming `*` on one port of the same pods
   * conflict (MESH120, istioctl's IST0145), and the first takes every request.
   */
  readonly host: string;
  /** How reviews is routed. */
  readonly reviews: ReviewsRouting;
  /** The fault ratings injects for jason. */
  readonly ratingsFault: RatingsFault;
}

/**
 * Istio's request-routing and fault-injection tasks, one environment per step
 * (https://istio.io/latest/docs/tasks/traffic-management/fault-injection/).
 */
export const BOOKINFO_ENVIRONMENTS: readonly BookinfoEnvironment[] = [
  { name: 'bookinfo-dev', namespace: 'bookinfo-dev', host: 'bookinfo-dev.example.com', reviews: 'test-v2', ratingsFault: 'delay' },
  { name: 'bookinfo-staging', namespace: 'bookinfo-staging', host: 'bookinfo-staging.example.com', reviews: 'test-v2', ratingsFault: 'abort' },
  { name: 'bookinfo', namespace: 'bookinfo', host: 'bookinfo.example.com', reviews: 'v2-v3', ratingsFault: 'none' },
];

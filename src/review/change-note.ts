/** One thing that changed in a resource, in the words a reviewer reads. */
export interface ChangeNote {
  /** What changed: `order-service canary weight 5% → 25%`. */
  readonly message: string;
  /** True when the change weakens security (mTLS, authorization, pod hardening). */
  readonly downgrade?: boolean;
}

/** The environment a resource is compared in, on both sides. */
export interface DescribeContext {
  /** Every resource of the environment before the change. */
  readonly before: readonly Record<string, any>[];
  /** Every resource of the environment after the change. */
  readonly after: readonly Record<string, any>[];
}

/**
 * Describes how one resource changed; `before` or `after` is undefined when the
 * resource was added or removed.
 */
export type Describer = (
  before: Record<string, any> | undefined,
  after: Record<string, any> | undefined,
  context: DescribeContext,
) => ChangeNote[];

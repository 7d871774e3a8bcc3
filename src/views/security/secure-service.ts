import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { Codes } from '../../core/codes';
import { formatProblem } from '../../core/errors';
import { LoadBalancer } from '../../core/load-balancer';
import { NON_IDEMPOTENT_RETRY_ON, Retries, RETRY_CONDITIONS_AFTER_RESPONSE, RetryCondition } from '../../core/retries';
import { ConnectionPool, mergeConnectionPool, mergeOutlierDetection, OutlierDetection } from '../../core/traffic-policy';
import { MeshService, MeshServiceProps } from '../../graph/mesh-service';
import { MtlsMode } from '../../graph/security/mtls-mode';
import { ServiceSecurity } from '../../graph/security/service-security';
import { addProblems } from '../../private/construct-problems';

/** Props for {@link SecureService}. */
export interface SecureServiceProps extends MeshServiceProps {
  /**
   * The workload's mTLS mode, written as its own PeerAuthentication.
   * @default MtlsMode.strict()
   * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
   */
  readonly mtls?: MtlsMode;
}

/**
 * Retry conditions that cannot send a request the upstream has already seen a second time
 * (`reset` can: Envoy retries a reset after the request went out; a route that keeps it is
 * reported by MESH662).
 */
export const SAFE_RETRY_CONDITIONS: readonly RetryCondition[] = NON_IDEMPOTENT_RETRY_ON;

/** The stricter circuit breaker of a SecureService (seed 000's payment-service values). */
export const SECURE_CONNECTION_POOL: ConnectionPool = {
  tcp: { maxConnections: 50 },
  http: { http1MaxPendingRequests: 50, http2MaxRequests: 100, maxRetries: 2 },
};

/** The stricter outlier detection of a SecureService (seed 000's payment-service values). */
export const SECURE_OUTLIER_DETECTION: OutlierDetection = {
  consecutive5xxErrors: 3,
  interval: Duration.seconds(10),
  baseEjectionTime: Duration.seconds(60),
  maxEjectionPercent: 50,
};

/**
 * A service with high security needs, like payment in seed 000: its own STRICT
 * PeerAuthentication; an ALLOW policy for its declared callers only under the
 * namespace's allow-nothing baseline; retries only on
 * `reset-before-request,connect-failure` by default, and a synth error if any condition could
 * retry a request the service already received (a 5xx retry may charge twice);
 * a stricter circuit breaker and LEAST_REQUEST by default. Props win field by field.
 *
 * @example
 * const payment = new SecureService(chart, 'payment-service', { image: 'registry.example.com/payment:2.0.0' });
 * order.calls(payment, { methods: ['POST'], paths: ['/api/payments/*', '/api/refunds/*'] });
 */
export class SecureService extends MeshService {
  /** The workload's mTLS mode. */
  public readonly mtls: MtlsMode;

  public constructor(scope: Construct, id: string, props: SecureServiceProps) {
    super(scope, id, {
      ...props,
      loadBalancer: props.loadBalancer ?? LoadBalancer.leastRequest(),
      retries: (props.retries ?? Retries.of({})).over(Retries.of({ attempts: 1, retryOn: [...SAFE_RETRY_CONDITIONS] })),
      connectionPool: mergeConnectionPool(SECURE_CONNECTION_POOL, props.connectionPool),
      outlierDetection: mergeOutlierDetection(SECURE_OUTLIER_DETECTION, props.outlierDetection),
    });
    this.mtls = props.mtls ?? MtlsMode.strict();
    ServiceSecurity.of(this).setMtls(this.mtls);
    addProblems(this, () => this.secureProblems());
  }

  private secureProblems(): string[] {
    const retries = this.policy.retries;
    if (!retries || retries.disabled) return [];
    const unsafe = (retries.retryOn ?? []).filter((c) => RETRY_CONDITIONS_AFTER_RESPONSE.includes(c));
    if (unsafe.length === 0) return [];
    return [
      formatProblem(
        Codes.UNSAFE_RETRY,
        `retries.retryOn: ${unsafe.join(', ')} may resend a request ${this.name} already received (a second charge); retry only on `
          + `${SAFE_RETRY_CONDITIONS.join(',')}`,
      ),
    ];
  }
}

import { Codes } from '../../core/codes';
import { MeshError } from '../../core/errors';
import { dns1123LabelProblem } from '../../core/names';
import { Percentage } from '../../core/weight';
import type { MeshPlatform } from '../../platform/platform';

/**
 * Where proxies send their spans: an extension provider of the mesh config, which
 * Telemetry resources name. It is set with the Istio install (Helm values for istiod),
 * not as a Kubernetes resource.
 *
 * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig-ExtensionProvider
 */
export class TracingProvider {
  /**
   * A Zipkin-protocol collector, as Jaeger's collector offers on port 9411 (seed 000).
   * @param name the provider's name, which Telemetry resources refer to
   * @param service the collector's fully qualified host name
   * @param port its Zipkin port
   */
  public static zipkin(name: string, service: string, port = 9411): TracingProvider {
    return new TracingProvider(name, 'zipkin', service, port);
  }

  /** An OpenTelemetry collector speaking OTLP/gRPC (port 4317). */
  public static openTelemetry(name: string, service: string, port = 4317): TracingProvider {
    return new TracingProvider(name, 'opentelemetry', service, port);
  }

  /**
   * The platform's collector (`MeshPlatform.tracing`): its provider name, protocol, host and port.
   * The default of every ObservabilityStack, so the mesh config and the policies that let
   * spans out name the same collector.
   */
  public static fromPlatform(platform: MeshPlatform): TracingProvider {
    const t = platform.tracing;
    return new TracingProvider(t.providerName, t.protocol, t.host, t.port);
  }

  /** Seed 000's provider: `jaeger`, Zipkin protocol to `jaeger-collector.observability.svc.cluster.local:9411`. */
  public static jaeger(): TracingProvider {
    return TracingProvider.zipkin('jaeger', 'jaeger-collector.observability.svc.cluster.local', 9411);
  }

  private constructor(
    /** The provider's name. */
    public readonly name: string,
    /** The protocol: `zipkin` or `opentelemetry`, as the mesh config names it. */
    public readonly kind: 'zipkin' | 'opentelemetry',
    /** The collector's host name. */
    public readonly service: string,
    /** The collector's port. */
    public readonly port: number,
  ) {
    const nameProblem = dns1123LabelProblem(name);
    if (nameProblem) throw new MeshError(Codes.INVALID_NAME, `tracing provider name: ${nameProblem}`);
    if (service.trim() === '') throw new MeshError(Codes.INVALID_NAME, 'tracing provider service must not be empty');
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new MeshError(Codes.OUT_OF_RANGE, `tracing provider port must be a whole number from 1 to 65535, got ${port}`);
    }
  }

  /** The provider as `meshConfig.extensionProviders[]` takes it. */
  public toMeshConfig(): Record<string, any> {
    return { name: this.name, [this.kind]: { service: this.service, port: this.port } };
  }
}

/**
 * Which requests the proxies write to their access log (Envoy's stdout provider).
 * @see https://istio.io/latest/docs/reference/config/telemetry/#AccessLogging
 */
export class AccessLogging {
  /** Every request. */
  public static all(): AccessLogging {
    return new AccessLogging(true);
  }

  /** Only failed requests: responses of 400 and above, and requests without a response. */
  public static errorsOnly(): AccessLogging {
    return new AccessLogging(true, 'response.code >= 400 || response.code == 0');
  }

  /** No access log. */
  public static none(): AccessLogging {
    return new AccessLogging(false);
  }

  private constructor(
    /** Whether access logging is on. */
    public readonly enabled: boolean,
    /** The CEL filter, if any. */
    public readonly filter?: string,
  ) {}

  /** The Telemetry `accessLogging` entry. */
  public toTelemetry(): Record<string, any> {
    return {
      providers: [{ name: 'envoy' }],
      ...(this.enabled ? {} : { disabled: true }),
      ...(this.filter ? { filter: { expression: this.filter } } : {}),
    };
  }
}

/** The default trace sampling of seed 000: 10% of requests. */
export const DEFAULT_SAMPLING = 10;

/** The spec of the namespace-wide Telemetry: default sampling and access logging. */
export function namespaceTelemetrySpec(provider: TracingProvider, sampling: Percentage, accessLogging: AccessLogging): Record<string, any> {
  return {
    tracing: [{ providers: [{ name: provider.name }], randomSamplingPercentage: sampling.value }],
    accessLogging: [accessLogging.toTelemetry()],
  };
}

/** The spec of a service's own Telemetry: its pods (by `app` label) sampled at `sampling`. */
export function serviceTelemetrySpec(provider: TracingProvider, selector: Readonly<Record<string, string>>, sampling: Percentage): Record<string, any> {
  return {
    selector: { matchLabels: { ...selector } },
    tracing: [{ providers: [{ name: provider.name }], randomSamplingPercentage: sampling.value }],
  };
}

/**
 * Envoy statistics that Istio does not export by default but the circuit-breaker
 * alert and the troubleshooting dashboard read.
 * @see https://istio.io/latest/docs/ops/configuration/telemetry/envoy-stats/
 */
export const ENVOY_STATS_INCLUSIONS = [
  '.*upstream_cx_overflow.*',
  '.*upstream_rq_pending_overflow.*',
  '.*upstream_rq_retry.*',
  '.*outlier_detection.*',
];

/**
 * Helm values for istiod (`helm upgrade istiod istio/istiod -f mesh-config.values.yaml`):
 * the tracing extension provider, and the Envoy stats the alerts need. Sampling is
 * set by the Telemetry resources, not by the legacy `defaultConfig.tracing.sampling`
 * (which Istio's Telemetry API supersedes; setting both makes two sources of truth).
 */
export function meshConfigValues(provider: TracingProvider): Record<string, any> {
  return {
    meshConfig: {
      defaultConfig: {
        proxyStatsMatcher: { inclusionRegexps: [...ENVOY_STATS_INCLUSIONS] },
      },
      extensionProviders: [provider.toMeshConfig()],
    },
  };
}

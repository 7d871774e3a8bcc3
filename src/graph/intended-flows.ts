import type { FlowMethod, IntendedFlow } from '../validate/flow/flow';
import { withCollectionPaths } from '../core/authorization';
import { ENVOY_PROMETHEUS_PORT, MERGED_METRICS_PORT } from '../platform/platform';
import { MeshSecurity } from '../views/security/mesh-security';
import type { IMeshChart, IMeshService } from './interfaces';

/**
 * The flows a chart's constructs mean to work, derived from what they declare: each
 * declared call (every method, each path made concrete), Prometheus's scrapes of 15090
 * and 15020 on every meshed pod, and every pod's spans to the tracing collector when
 * tracing is on; constructs such as the ingress gateway add theirs with
 * `MeshChart.addIntendedFlows`. Linear in services and calls.
 */
export function derivedIntendedFlows(chart: IMeshChart): IntendedFlow[] {
  const out: IntendedFlow[] = [];
  for (const c of chart.calls) {
    const port = httpPort(c.target);
    if (port === undefined) continue;
    const protocol = c.target.ports.find((p) => p.port === port)?.protocol;
    if (protocol !== undefined && !HTTP_FAMILY.includes(protocol)) {
      // A TCP-family port carries opaque bytes: the proxies route and authorize it as TCP,
      // with no method or path. https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
      out.push({
        source: { workload: c.source.name, namespace: c.source.namespace },
        host: c.target.name, port, protocol: 'TCP', expect: 'allow',
        constructPath: c.source.node.path,
        // "If the rule contains HTTP-only fields for TCP traffic, the ALLOW rule is ignored":
        // https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation
        description: `${c.source.name} calls ${c.target.name} on ${port}/TCP${c.methods || c.paths ? ' (methods and paths are HTTP-only: the call\'s ALLOW rule never matches a TCP connection)' : ''}`,
      });
      continue;
    }
    const methods: FlowMethod[] = [...(c.methods ?? ['GET'])];
    // The collection path too (`/api/orders` of `/api/orders/*`), which the callee's rule admits.
    const paths = withCollectionPaths(c.paths ?? ['/']).map(concretePath);
    for (const method of methods) {
      for (const path of paths) {
        out.push({
          source: { workload: c.source.name, namespace: c.source.namespace },
          // A service of another namespace by its fully qualified name, as the caller must address it.
          // https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#namespaces-of-services
          host: c.target.namespace === c.source.namespace ? c.target.name : `${c.target.name}.${c.target.namespace}.svc.cluster.local`,
          port, method, path, expect: 'allow',
          constructPath: c.source.node.path,
          description: `${c.source.name} calls ${c.target.name} ${method} ${path}`,
        });
      }
    }
  }
  for (const s of chart.services) {
    for (const c of s.externalCalls) {
      if (!c.target.port(c.port)) continue; // reported under the call (MESH037)
      for (const method of c.methods ?? ['GET']) {
        for (const path of (c.paths ?? ['/']).map(concretePath)) {
          out.push({
            source: { workload: s.name, namespace: s.namespace },
            host: c.target.hosts[0], port: c.port, method, path, expect: 'allow',
            constructPath: s.node.path,
            description: `${s.name} calls external ${c.target.hosts[0]}:${c.port} ${method} ${path}`,
          });
        }
      }
    }
  }
  const platform = chart.platform;
  const security = MeshSecurity.of(chart);
  if (security.allowMetricsScraping) {
    // Prometheus scrapes every sidecar's Envoy (15090, the PodMonitor's port) and the merged endpoint (15020).
    // https://istio.io/latest/docs/ops/integrations/prometheus/#configuration
    const prometheus = platform.prometheusWorkload();
    for (const s of chart.services) {
      for (const port of [ENVOY_PROMETHEUS_PORT, MERGED_METRICS_PORT]) {
        out.push({
          // The PodMonitor's targets are the pods themselves, Service or not.
          source: { platform: prometheus }, host: `${s.name}.${s.namespace}.svc.cluster.local`, pods: { workload: s.name, namespace: s.namespace },
          port, method: 'GET', path: '/stats/prometheus', expect: 'allow',
          constructPath: s.node.path, description: `Prometheus scrapes ${s.name} on ${port}`,
        });
      }
    }
  }
  const tracing = chart.tracing;
  if (tracing) {
    const collector = platform.tracingWorkload();
    // The provider's own span endpoint (Zipkin's, or OTLP/gRPC's export method).
    const path = tracing.spanPath;
    for (const s of chart.services) {
      out.push({
        source: { workload: s.name, namespace: s.namespace }, host: tracing.service, port: tracing.port, target: collector,
        method: 'POST', path, expect: 'allow',
        constructPath: s.node.path, description: `${s.name} sends spans to ${tracing.service}:${tracing.port}`,
      });
    }
  }
  return out;
}

/** The protocols whose requests the proxies see as HTTP (methods, paths, headers). */
const HTTP_FAMILY: readonly string[] = ['http', 'http2', 'grpc', 'grpc-web'];

/** The service's first HTTP-family Service port (else its first port). */
export function httpPort(s: IMeshService): number | undefined {
  return (s.ports.find((p) => HTTP_FAMILY.includes(p.protocol)) ?? s.ports[0])?.port;
}

/** A path that an AuthorizationPolicy path (`/api/orders/*`, `/x/{*}/y`, `/a/{**}`) matches. */
export function concretePath(pattern: string): string {
  if (pattern === '*') return '/';
  return pattern.replace(/\{\*\*\}/g, 'x').replace(/\{\*\}/g, 'x').replace(/^\*/, '/x').replace(/\*$/, 'x');
}


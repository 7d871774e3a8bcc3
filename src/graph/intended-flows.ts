import type { IntendedFlow } from '../core/flow';
import type { HttpMethod } from '../core/http';
import { concretePath, withCollectionPaths } from '../core/authorization';

export { concretePath } from '../core/authorization';
import { ENVOY_PROMETHEUS_PORT, MERGED_METRICS_PORT } from '../platform/platform';
import { MeshSecurity } from './security/mesh-security';
import { isRemoteService } from './brands';
import type { ExternalCall, IMeshChart, IMeshService, ServiceCall } from './interfaces';
import { calledPorts, podDnsHostOf } from './service-call';
import type { ResolvedServicePort } from './service-port';
import { GRPC_PROTOCOLS, HTTP_PROTOCOLS } from '../core/ports';
import { flowMethods } from '../core/http';

/**
 * The flows a chart's constructs mean to work, derived from what they declare: each
 * declared call on each port it reaches (every method, each path made concrete, on an HTTP
 * port; a TCP connection on the others; and to each pod of a StatefulSet by its own name
 * behind a headless Service), Prometheus's scrapes of 15090
 * and 15020 on every meshed pod (none on a pod without a sidecar), and every pod's spans to the tracing collector when
 * tracing is on; constructs such as the ingress gateway add theirs with
 * `MeshChart.addIntendedFlows`. Linear in services and calls.
 */
export function derivedIntendedFlows(chart: IMeshChart): IntendedFlow[] {
  const out: IntendedFlow[] = [];
  for (const c of chart.calls) if (hasIntendedFlows(c)) out.push(...callFlows(c));
  for (const s of chart.services) for (const c of s.externalCalls) out.push(...externalCallFlows(s, c));
  const platform = chart.platform;
  const scraped = scrapedServices(chart);
  if (scraped.length > 0) {
    // Prometheus scrapes every sidecar's Envoy (15090, the PodMonitor's port) and the merged endpoint (15020).
    // https://istio.io/latest/docs/ops/integrations/prometheus/#configuration
    const prometheus = platform.prometheusWorkload();
    for (const s of scraped) {
      for (const port of [ENVOY_PROMETHEUS_PORT, MERGED_METRICS_PORT]) {
        out.push({
          // The PodMonitor's targets are the pods themselves, Service or not.
          source: { platform: prometheus }, host: `${s.name}.${s.namespace}.svc.cluster.local`, pods: { workload: s.name, namespace: s.namespace },
          port, method: 'GET', path: '/stats/prometheus', expect: 'allow',
          constructPath: s.node.path,
          description: port === MERGED_METRICS_PORT && s.appMetrics
            ? `Prometheus scrapes ${s.name}'s own metrics (:${s.appMetrics.port}${s.appMetrics.path ?? '/metrics'}) merged on ${port}`
            : `Prometheus scrapes ${s.name} on ${port}`,
        });
      }
    }
  }
  const tracing = chart.tracing;
  if (tracing) {
    const collector = platform.tracingWorkload();
    // The provider's own span endpoint (Zipkin's, or OTLP/gRPC's export method).
    const path = tracing.spanPath;
    for (const s of tracedServices(chart)) {
      out.push({
        source: { workload: s.name, namespace: s.namespace }, host: tracing.service, port: tracing.port, target: collector,
        method: 'POST', path, expect: 'allow',
        constructPath: s.node.path, description: `${s.name} sends spans to ${tracing.service}:${tracing.port}`,
      });
    }
  }
  return out;
}

/**
 * The flows of a call from `source` (a service, or a batch job) to an external service: one connection on a TCP, TLS or
 * HTTPS port, which the sidecar proxies unread (TLS the application speaks itself included), else each method and path on
 * the port; none on a port the service lacks (reported under the call, MESH037).
 * https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
 */
export function externalCallFlows(source: { readonly name: string; readonly namespace: string; readonly node: { readonly path: string } },
  c: Pick<ExternalCall, 'target' | 'port' | 'methods' | 'paths' | 'initContainer'>): IntendedFlow[] {
  const port = c.target.port(c.port);
  if (!port) return [];
  const from = { workload: source.name, namespace: source.namespace };
  const host = c.target.hosts[0];
  const init = c.initContainer !== undefined ? { initContainer: c.initContainer } : {};
  const caller = callerName(source.name, c.initContainer);
  if (['TCP', 'TLS', 'HTTPS'].includes(port.protocol)) {
    return [{
      source: from, ...init, host, port: c.port, protocol: port.protocol === 'TCP' ? 'TCP' : 'TLS',
      expect: 'allow', constructPath: source.node.path, description: `${caller} calls external ${host}:${c.port}/${port.protocol}`,
    }];
  }
  const out: IntendedFlow[] = [];
  for (const method of flowMethods(c.methods)) {
    for (const path of (c.paths ?? ['/']).map(concretePath)) {
      out.push({
        source: from, ...init, host, port: c.port, method, path, expect: 'allow', constructPath: source.node.path,
        description: `${caller} calls external ${host}:${c.port} ${method} ${path}`,
      });
    }
  }
  return out;
}

/**
 * Whether call `c` has intended flows of its own: a call to a service of the app on at least one
 * port. A call to another team's service is recorded (remote-calls.ts) and checked from the record.
 */
export function hasIntendedFlows(c: ServiceCall): boolean {
  return !isRemoteService(c.target) && calledPorts(c).length > 0;
}

/**
 * The services whose spans to the tracing collector are intended flows of `chart`: every one with a sidecar, when the chart
 * traces. The sidecar sends the spans (Istio's tracing is Envoy's: https://istio.io/latest/docs/tasks/observability/distributed-tracing/overview/);
 * a pod without one sends none unless its application does, which the library does not know.
 */
export function tracedServices(chart: IMeshChart): IMeshChart['services'] {
  return chart.tracing ? chart.services.filter((s) => s.meshed) : [];
}

/**
 * The services whose pods Prometheus's scrapes are intended flows of `chart`: every meshed one, when the
 * chart lets Prometheus scrape. A pod without a sidecar has no Envoy on 15090 nor agent on 15020, and no
 * `http-envoy-prom` container port, so the envoy-stats PodMonitor that selects it makes no target of it
 * (prometheus-operator keeps only the targets whose `__meta_kubernetes_pod_container_port_name` is the
 * endpoint's `port`: pkg/prometheus/promcfg.go, generatePodMonitorConfig); its own metrics cannot be
 * merged either (`metrics` without the sidecar fails synth, MESH409).
 */
export function scrapedServices(chart: IMeshChart): IMeshChart['services'] {
  return MeshSecurity.of(chart).allowMetricsScraping ? chart.services.filter((s) => s.meshed) : [];
}

/**
 * The flows of one call: on each port it reaches, every method and path (HTTP), or one TCP
 * connection (a TCP-family port carries opaque bytes, which the proxies route and authorize as
 * TCP: https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/).
 * A StatefulSet's pods behind a headless Service are also called by their own names (under its headless governing
 * Service, `<pod>.<name>-headless`, beside a stateful service's client Service), which
 * Istio routes as that Service's host (istio/istio pilot/pkg/networking/core/httproute.go,
 * generateVirtualHostDomains, adds `*.<service host>` for a headless Service; listener.go,
 * buildSidecarOutboundListeners, builds a listener per pod for its TCP ports): one flow per
 * pod on each port, with the call's first method and path. `from` names another source of the call's service (a VM of it, by
 * its WorkloadEntry: `workload`, and how descriptions name it).
 */
export function callFlows(c: ServiceCall, from?: { readonly workload: string; readonly name: string }): IntendedFlow[] {
  const out: IntendedFlow[] = [];
  // An init container's call leaves from the same pods (a VM has no init containers of the pod's).
  const init = c.initContainer !== undefined && !from ? { initContainer: c.initContainer } : {};
  const source = { workload: from?.workload ?? c.source.name, namespace: c.source.namespace };
  const caller = from?.name ?? callerName(c.source.name, c.initContainer);
  const reaches = { namespace: c.target.namespace, service: c.target.name };
  // A service of another namespace by its fully qualified name, as the caller must address it.
  // https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#namespaces-of-services
  const host = c.target.namespace === c.source.namespace ? c.target.name : `${c.target.name}.${c.target.namespace}.svc.cluster.local`;
  const allMethods: HttpMethod[] = flowMethods(c.methods);
  // The collection path too (`/api/orders` of `/api/orders/*`), which the callee's rule admits;
  // not for gRPC, whose every request is POST /<package.Service>/<Method>.
  const httpPaths = withCollectionPaths(c.paths ?? ['/']).map(concretePath);
  const grpcPaths = (c.paths ?? ['/']).map(concretePath);
  // A pod by name under a headless governing Service of its own (`<name>-headless`) is dialed on its container port,
  // which that Service's ports are: no proxy translates a headless Service's ports (writeHeadlessService).
  const podPort = (p: ResolvedServicePort) => (podDnsHostOf(c.target) ? p.targetPort : p.port);
  for (const p of calledPorts(c)) {
    const grpc = GRPC_PROTOCOLS.includes(p.protocol);
    const paths = grpc ? grpcPaths : httpPaths;
    // A gRPC call is a POST whatever the call leaves unsaid (core/ports.ts, GRPC_PROTOCOLS).
    const methods: HttpMethod[] = grpc && !c.methods ? ['POST'] : allMethods;
    // A UDP port's datagrams, which no sidecar captures (Istio proxies TCP alone): only the NetworkPolicies decide.
    const l4 = p.protocol === 'udp' ? 'UDP' as const : 'TCP' as const;
    if (!HTTP_PROTOCOLS.includes(p.protocol)) {
      out.push({
        source, ...init, host, port: p.port, protocol: l4, expect: 'allow', reaches, constructPath: c.source.node.path,
        description: `${caller} calls ${c.target.name} on ${p.port}/${l4}`,
      });
    } else {
      for (const method of methods) {
        for (const path of paths) {
          out.push({
            source, ...init, host, port: p.port, method, path, expect: 'allow', reaches, constructPath: c.source.node.path,
            description: `${caller} calls ${c.target.name} ${method} ${path}${p.port !== httpPort(c.target) ? ` on ${p.port}` : ''}`,
          });
        }
      }
    }
    for (const pod of c.target.podHostnames ?? []) {
      const tcp = !HTTP_PROTOCOLS.includes(p.protocol);
      out.push({
        source, ...init, host: pod, port: podPort(p), ...(tcp ? { protocol: l4 } : { method: methods[0], path: paths[0] }),
        expect: 'allow', reaches, constructPath: c.source.node.path,
        description: `${caller} calls ${pod.split('.')[0]} of ${c.target.name} by its own name on ${p.port}${tcp ? `/${l4}` : ''}`,
      });
    }
  }
  return out;
}

/** The service's first HTTP-family Service port (else its first port). */
export function httpPort(s: IMeshService): number | undefined {
  return (s.ports.find((p) => HTTP_PROTOCOLS.includes(p.protocol)) ?? s.ports[0])?.port;
}

/** How a flow's description names its sender: the workload, or its init container (`api's init container migrate`). */
export function callerName(workload: string, initContainer: string | undefined): string {
  return initContainer === undefined ? workload : `${workload}'s init container ${initContainer}`;
}

import { Chart } from 'cdk8s';
import type { RemoteCallEntry } from '../core/remote-calls';
import { addRemoteCallRecord } from './remote-calls.render';
import { isRemoteService, meshChartOf } from './brands';
import { pathSamples } from '../core/authorization';
import { GRPC_PROTOCOLS } from '../core/ports';
import { calledPorts } from './service-call';
import type { IMeshChart, ServiceCall } from './interfaces';
import { flowMethods } from '../core/http';

const RECORD_ID = 'RemoteCalls';

/**
 * The protocols whose connections the proxies forward as opaque bytes (TCP) or route by SNI
 * (TLS): a call on such a port is one connection, with no method or path.
 * https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
 */
const L4: Readonly<Record<string, 'TCP' | 'TLS' | 'UDP'>> = {
  tcp: 'TCP', mongo: 'TCP', mysql: 'TCP', redis: 'TCP', tls: 'TLS', https: 'TLS', udp: 'UDP',
};

/** A call to a RemoteService as the record reads it: from a service of the chart, or from a batch job. */
export type RecordedCall = Pick<ServiceCall, 'target' | 'port' | 'methods' | 'paths'> & {
  readonly source: { readonly name: string; readonly namespace: string; readonly node: { readonly path: string } };
};

/** The calls to RemoteServices of a chart's batch jobs, by chart, each read at synth. */
const OTHER_CALLERS = new WeakMap<IMeshChart, (() => readonly RecordedCall[])[]>();

/**
 * Makes `chart` write its remote-calls record (`<environment>-remote-calls`, format
 * `remote-calls/v2`), once: the first call of one of its services to a RemoteService asks for it.
 * A caller that is not a service of the chart (a batch job) gives its calls, read at synth, as `calls`.
 */
export function recordRemoteCalls(chart: Chart, calls?: () => readonly RecordedCall[]): void {
  if (calls) {
    const mesh = meshChartOf(chart);
    OTHER_CALLERS.set(mesh, [...(OTHER_CALLERS.get(mesh) ?? []), calls]);
  }
  if (chart.node.tryFindChild(RECORD_ID)) return;
  const mesh = meshChartOf(chart);
  const name = `${mesh.environment.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '')}-remote-calls`;
  addRemoteCallRecord(chart, RECORD_ID, { name, namespace: mesh.namespace, labels: mesh.commonLabels() }, () => remoteCallEntries(mesh));
}

/**
 * The calls `chart`'s services (then its batch jobs) make to RemoteServices, as recorded: each method and declared path
 * of an HTTP or gRPC call (`*` when it names none), with the concrete requests that prove what the
 * path admits (core/authorization.ts, pathSamples), one connection for a TCP or TLS port, on each
 * port the call reaches (the port it names, else its callee's HTTP ports when it names methods or
 * paths, else every port), in the order declared. A gRPC call that names no method is a POST, as
 * inside the app (core/ports.ts, GRPC_PROTOCOLS).
 */
export function remoteCallEntries(chart: IMeshChart): RemoteCallEntry[] {
  const out: RemoteCallEntry[] = [];
  const calls: readonly RecordedCall[] = [...chart.calls, ...(OTHER_CALLERS.get(chart) ?? []).flatMap((f) => f())];
  for (const c of calls) {
    const t = c.target;
    if (!isRemoteService(t)) continue;
    // The ports the call reaches, as for a call inside the app (service-call.ts, calledPorts).
    for (const port of calledPorts(c)) {
      // Keys in the order a reader of the record meets them: who, what, from, to, the request.
      const entry = (description: string, request: RemoteCallEntry['request']): RemoteCallEntry => ({
        caller: c.source.node.path,
        description,
        source: { workload: c.source.name, namespace: c.source.namespace },
        callee: {
          service: t.name, namespace: t.namespace, serviceAccount: t.serviceAccountName, podLabels: { ...t.selectorLabels },
          ...(t.sidecar === false ? { sidecar: false } : {}),
          port: { name: port.name, port: port.port, targetPort: port.targetPort },
        },
        request,
      });
      const who = `${c.source.name} calls ${t.namespace}/${t.name}`;
      const l4 = L4[port.protocol];
      if (l4) {
        const note = c.methods || c.paths ? ' (methods and paths are HTTP-only: no ALLOW rule with them matches the connection)' : '';
        out.push(entry(`${who} on ${port.port}/${l4}${note}`, { protocol: l4 }));
        continue;
      }
      const grpc = GRPC_PROTOCOLS.includes(port.protocol);
      for (const method of grpc && !c.methods ? ['POST'] : flowMethods(c.methods)) {
        for (const path of c.paths ?? ['*']) out.push(entry(`${who} ${method} ${path}`, { method, path, paths: pathSamples(path, !grpc) }));
      }
    }
  }
  return out;
}

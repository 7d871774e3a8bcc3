/**
 * Checks of releases over the rendered manifests: what a Flagger Canary does to the
 * workload it releases.
 */
import { Codes } from '../../core/codes';
import { UNSAFE_METHODS } from '../../core/http';
import { Finding, finding, Manifest, podTemplateField, refOf } from '../finding';
import { AnalysisCheck } from './check';
import { dict, list } from '../values';
import { AnalysisView, namespaceOf } from './view';
import { gatewayReference } from '../model/gateway-hosts';
import { hostsMatch, routeHost, serviceHost } from '../model/hosts';
import { PortProtocol, servicePortProtocol } from '../flow/protocol';
import { FLAGGER_APEX_STAND_IN, FLAGGER_MERGED_MATCH_FIELDS, FLAGGER_ROUTED_TO, FLAGGER_SELECTOR_LABELS } from '../model/flagger';
import { flaggerLoadTesterRefused } from './load-tester';

/** Methods that may change state (not safe, RFC 9110 §9.2.1: core/http.ts `isSafeMethod`): a mirrored one is applied twice. */
const WRITES: ReadonlySet<string> = new Set(UNSAFE_METHODS);

/**
 * The methods the ALLOW AuthorizationPolicies of `namespace` that select `labels` admit
 * that may be writes (`any method` for a rule or operation that names none).
 */
function admittedWrites(index: AnalysisView, namespace: string, labels: Readonly<Record<string, string>>): string[] {
  const out = new Set<string>();
  for (const ap of index.ofKind('AuthorizationPolicy')) {
    if (namespaceOf(ap) !== namespace || (ap.spec?.action ?? 'ALLOW') !== 'ALLOW') continue;
    const selector: Record<string, string> = dict(ap.spec?.selector?.matchLabels);
    if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) continue;
    for (const rule of list(ap.spec?.rules)) {
      const ops: Manifest[] = list(rule?.to).map((t: Manifest) => dict(t?.operation));
      if (ops.length === 0) out.add('any method');
      for (const op of ops) {
        if (!Array.isArray(op.methods)) out.add('any method');
        else for (const m of op.methods) if (WRITES.has(String(m))) out.add(String(m));
      }
    }
  }
  return [...out].sort();
}

/**
 * MESH320 (warning): a Flagger Canary that mirrors requests to its canary
 * (`analysis.mirror`) while the released workload admits requests that may be writes.
 * "Mirroring should be used for requests that are idempotent or capable of being processed
 * twice (once by the primary and once by the canary)": a mirrored POST is applied by both.
 * https://docs.flagger.app/usage/deployment-strategies#blue-green-with-traffic-mirroring
 */
export const flaggerMirrorsWrites: AnalysisCheck = {
  code: Codes.FLAGGER_MIRRORS_WRITES,
  title: 'a Flagger Canary mirroring requests that may be writes',
  run(index) {
    const out: Finding[] = [];
    for (const canary of index.ofKind('Canary')) {
      if (!String(canary.apiVersion ?? '').startsWith('flagger.app/') || canary.spec?.analysis?.mirror !== true) continue;
      const ns = namespaceOf(canary);
      const target = canary.spec?.targetRef?.name;
      const workload = index.workloads.find((w) => w.namespace === ns && w.manifest.kind === 'Deployment' && w.manifest.metadata?.name === target);
      if (!workload) continue;
      const writes = admittedWrites(index, ns, workload.labels);
      if (writes.length === 0) continue;
      const share = canary.spec.analysis.mirrorWeight ?? 100;
      out.push(finding(Codes.FLAGGER_MIRRORS_WRITES, canary, 'spec.analysis.mirror',
        `Flagger mirrors ${share}% of the requests to ${target} to its canary, and ${target} admits ${writes.join(', ')}: `
        + 'a mirrored write is applied twice, once by the primary and once by the canary; mirror only idempotent requests, '
        + 'or give the canary its own store', 'warning'));
    }
    return out;
  },
};

/** Whether `m` is a Flagger Canary (flagger.app) of a Deployment. */
const isFlaggerCanary = (m: Manifest): boolean =>
  m?.kind === 'Canary' && String(m.apiVersion ?? '').startsWith('flagger.app/') && (m.spec?.targetRef?.kind ?? 'Deployment') === 'Deployment';

/**
 * Whether a Canary's analysis judges the traffic the apex Service gets: a weighted run or an A/B test sends a share of it (or
 * the matched requests) to the canary, a mirror copies it; a Blue/Green run (iterations without match or mirror) judges only
 * the load tester's requests to `<name>-canary` and promotes all at once.
 */
const judgesLiveTraffic = (canary: Manifest): boolean => {
  const a = canary.spec?.analysis ?? {};
  return a.iterations === undefined || (Array.isArray(a.match) && a.match.length > 0) || a.mirror === true;
};

/** The routes of a VirtualService by kind, with their destinations' fields: `spec.http[0].route[1].destination.host`. */
function routeDestinations(vs: Manifest): { field: string; host: string }[] {
  const out: { field: string; host: string }[] = [];
  for (const kind of ['http', 'tcp', 'tls']) {
    list(vs.spec?.[kind]).forEach((r: Manifest, i: number) => list(r?.route).forEach((d: Manifest, j: number) => {
      if (typeof d?.destination?.host === 'string') out.push({ field: `spec.${kind}[${i}].route[${j}].destination.host`, host: d.destination.host });
    }));
  }
  return out;
}

/**
 * MESH312 (warning): a VirtualService bound to a Gateway (other than `mesh`) routes to the apex host of a Flagger Canary
 * (`<name>`, Flagger's `GetServiceNames`: `spec.service.name`, else the target's name). Flagger sends the apex Service's
 * traffic to the canary only through its own VirtualService, whose hosts are the apex name and `spec.service.hosts` and
 * whose gateways are `spec.service.gateways` (else `mesh`): fluxcd/flagger pkg/router/istio.go `reconcileVirtualService`.
 * A gateway's request that another VirtualService routes to the apex host reaches the apex Service, whose selector Flagger
 * sets to the primary's pods (`app: <name>-primary`; pkg/router/kubernetes_default.go `reconcileService`), so public
 * clients never meet the canary and the analysis judges a version none of them used. Listing the gateway in
 * `spec.service.gateways` does not help while this VirtualService routes the public host itself. Flagger's ways to let
 * the canary see it: the Canary binds the gateway and the public host (`spec.service.gateways`, `spec.service.hosts`)
 * and no other VirtualService routes that host, or the route delegates to Flagger's VirtualService
 * (`spec.service.delegation`, Istio's `delegate`). Where other routes share the host by path (another rule of this
 * VirtualService, or another VirtualService on the same gateway for the host: other teams' paths), the advice leads with
 * delegation: bound to the gateway and the host, Flagger's VirtualService, whose route matches every path unless
 * `spec.service.match` narrows it, would be one more VirtualService of that host, which istiod merges with the others in an
 * order nothing fixes (MESH144), so it may take their paths; a delegate is reached only through this route's own match.
 * https://docs.flagger.app/tutorials/istio-progressive-delivery ; docs/gitbook/faq.md (Istio delegation);
 * https://istio.io/latest/docs/ops/best-practices/traffic-management/#split-virtual-services
 */
export const flaggerGatewayBypass: AnalysisCheck = {
  code: Codes.FLAGGER_GATEWAY_BYPASS,
  title: "a gateway route to a Flagger Canary's apex host, which bypasses the canary",
  run(index) {
    const byApex = new Map<string, Manifest>();
    for (const canary of index.ofKind('Canary')) {
      if (!isFlaggerCanary(canary) || !judgesLiveTraffic(canary)) continue;
      const apex = String(canary.spec?.service?.name ?? canary.spec?.targetRef?.name ?? '');
      if (apex) byApex.set(serviceHost(apex, namespaceOf(canary)).toLowerCase(), canary);
    }
    if (byApex.size === 0) return [];
    const out: Finding[] = [];
    for (const vs of index.ofKind('VirtualService')) {
      const ns = namespaceOf(vs);
      const gateways = list(vs.spec?.gateways).map((g) => gatewayReference(String(g), ns)).filter((g) => g !== 'mesh');
      if (gateways.length === 0) continue;
      for (const { field, host } of routeDestinations(vs)) {
        const canary = byApex.get(routeHost(host, ns));
        if (!canary) continue;
        const apex = String(canary.spec?.service?.name ?? canary.spec?.targetRef?.name);
        const bypass = `routes the requests of ${gateways.join(', ')} to ${host}, `
          + `the apex Service of Flagger Canary ${namespaceOf(canary)}/${canary.metadata?.name}, `
          + `which Flagger points at ${apex}-primary: Flagger's VirtualService (hosts ${apex}) never sees them, so no public request reaches `
          + 'the canary and its analysis judges a version no gateway client used; ';
        const delegate = "delegate the route to Flagger's VirtualService (spec.service.delegation: a FlaggerCanary's `delegation: true`)";
        const sharing = hostSharers(index, vs, gateways, routeHost(host, ns));
        const advice = sharing.length > 0
          ? `${hostsOf(vs)} shared with other routes (${sharing.join('; ')}): ${delegate}, which keeps their `
            + 'paths where they go; binding the Canary to the gateway and the host (spec.service.gateways, spec.service.hosts) would '
            + "add Flagger's VirtualService, whose route matches every path, to the VirtualServices of the host, which istiod merges "
            + 'in an order nothing fixes (MESH144): it may take their paths'
          : 'let the Canary bind the gateway and the public host (spec.service.gateways, spec.service.hosts) and drop this route, '
            + `or ${delegate}`;
        const f = finding(Codes.FLAGGER_GATEWAY_BYPASS, vs, field, bypass + advice, 'warning');
        out.push({ ...f, related: refOf(canary) });
      }
    }
    return out;
  },
};

/** `the host a` or `the hosts a, b` of a VirtualService, with its verb. */
function hostsOf(vs: Manifest): string {
  const hosts = list(vs.spec?.hosts).map(String);
  return hosts.length === 1 ? `the host ${hosts[0]} is` : `the hosts ${hosts.join(', ')} are`;
}

/**
 * What shares the public hosts of `vs` (bound to `gateways`) with its routes to the apex host `apex`: its own rules that route
 * elsewhere (another destination, a delegate, a redirect or a direct response: `this VirtualService's spec.http[1]`), and the
 * other VirtualServices bound to one of those gateways for an overlapping host (`VirtualService shop/cart`).
 */
function hostSharers(index: AnalysisView, vs: Manifest, gateways: readonly string[], apex: string): string[] {
  const ns = namespaceOf(vs);
  const out: string[] = [];
  for (const kind of ['http', 'tcp', 'tls']) {
    list(vs.spec?.[kind]).forEach((r: Manifest, i: number) => {
      const hosts = list(r?.route).map((d: Manifest) => (typeof d?.destination?.host === 'string' ? routeHost(d.destination.host, ns) : ''));
      if (hosts.length === 0 || hosts.some((h: string) => h !== apex)) out.push(`this VirtualService's spec.${kind}[${i}]`);
    });
  }
  const mine = list(vs.spec?.hosts).map((h) => String(h).toLowerCase());
  for (const other of index.ofKind('VirtualService')) {
    if (other === vs) continue;
    const on = list(other.spec?.gateways).map((g) => gatewayReference(String(g), namespaceOf(other)));
    if (!on.some((g) => gateways.includes(g))) continue;
    if (list(other.spec?.hosts).some((h) => mine.some((m) => hostsMatch(m, String(h).toLowerCase())))) {
      out.push(`VirtualService ${namespaceOf(other)}/${other.metadata?.name}`);
    }
  }
  return out;
}

const GRPC: ReadonlySet<PortProtocol | undefined> = new Set<PortProtocol | undefined>(['GRPC', 'GRPC-Web']);

/**
 * The port of a Canary that speaks gRPC, or undefined: its own port when either says so, the port of Flagger's Services (named
 * `spec.service.portName`, else `http`, with `spec.service.appProtocol`: fluxcd/flagger pkg/router/kubernetes_default.go
 * `reconcileService`) or the port of the same number of the Service the files write for the apex; else, with
 * `spec.service.portDiscovery`, a port of that Service that speaks gRPC, as the target's container port of that name which
 * Flagger adds to its Services (pkg/canary/util.go `getPorts`) and its VirtualService routes (its http routes match no port).
 */
function canaryGrpcPort(canary: Manifest, written: Manifest | undefined): { port: number; discovered: boolean } | undefined {
  const svc = canary.spec?.service ?? {};
  const flaggers = { name: svc.portName ?? 'http', appProtocol: svc.appProtocol, port: svc.port };
  const ports = list(written?.spec?.ports);
  const own = ports.find((p: Manifest) => Number(p?.port) === Number(svc.port));
  if (GRPC.has(servicePortProtocol(flaggers)) || GRPC.has(servicePortProtocol(own))) return { port: Number(svc.port), discovered: false };
  if (svc.portDiscovery !== true) return undefined;
  const other = ports.find((p: Manifest) => Number(p?.port) !== Number(svc.port) && GRPC.has(servicePortProtocol(p)));
  return other ? { port: Number(other.port), discovered: true } : undefined;
}

/**
 * MESH313 (warning): a Flagger analysis that checks the built-in `request-success-rate` (a metric of that name without a
 * `templateRef`) of a service whose port speaks gRPC. Flagger's built-in Istio query is the share of the target's requests whose
 * `response_code` is not 5xx (fluxcd/flagger pkg/metrics/observers/istio.go, `istioQueries["request-success-rate"]`); a failed gRPC
 * call is an HTTP 200 whose grpc-status trailer says the error (https://grpc.github.io/grpc/core/md_doc_statuscodes.html), which
 * Istio's metrics carry as `grpc_response_status`. So the check passes a canary whose every call fails.
 */
export const flaggerGrpcSuccessRate: AnalysisCheck = {
  code: Codes.FLAGGER_GRPC_SUCCESS_RATE,
  title: 'a Flagger analysis checking the built-in request-success-rate of a gRPC service, blind to its errors',
  run(index) {
    const out: Finding[] = [];
    const services = new Map<string, Manifest>();
    for (const s of index.ofKind('Service')) services.set(`${namespaceOf(s)}/${s.metadata?.name}`, s);
    for (const canary of index.ofKind('Canary')) {
      if (!isFlaggerCanary(canary)) continue;
      const apex = String(canary.spec?.service?.name ?? canary.spec?.targetRef?.name ?? '');
      const grpc = canaryGrpcPort(canary, services.get(`${namespaceOf(canary)}/${apex}`));
      if (!grpc) continue;
      const which = grpc.discovered
        ? `its port ${grpc.port}, which portDiscovery adds to Flagger's Services and routes, speaks gRPC`
        : `its port ${grpc.port} speaks gRPC`;
      const instead = grpc.discovered
        ? 'check a MetricTemplate that counts neither a 5xx nor a server fault\'s grpc_response_status as a success instead '
          + '(FlaggerMetricTemplate.httpAndGrpcRequestSuccessRate with FlaggerMetric.custom)'
        : 'check a MetricTemplate that counts grpc_response_status instead (FlaggerMetricTemplate.grpcRequestSuccessRate with FlaggerMetric.custom)';
      list(canary.spec?.analysis?.metrics).forEach((m: Manifest, i: number) => {
        if (m?.name !== 'request-success-rate' || m?.templateRef !== undefined) return;
        out.push(finding(Codes.FLAGGER_GRPC_SUCCESS_RATE, canary, `spec.analysis.metrics[${i}]`,
          `Flagger's built-in request-success-rate counts the responses to ${apex} that are not HTTP 5xx, and ${which}, `
          + `whose failed calls are HTTP 200 with a grpc-status: the check passes a canary whose every gRPC call fails; ${instead}`,
          'warning'));
      });
    }
    return out;
  },
};

/** A Service port as Flagger compares it (pkg/router/kubernetes_default.go `reconcileService`: `cmp.Diff` of the sorted ports). */
const portKey = (p: Manifest): string =>
  [p?.name ?? '', p?.protocol ?? 'TCP', Number(p?.port), String(p?.targetPort ?? p?.port), p?.appProtocol ?? ''].join('/');

const sameEntries = (a: Manifest, b: Manifest): boolean => {
  const x = Object.entries(dict(a)).map(([k, v]) => `${k}=${v}`).sort();
  const y = Object.entries(dict(b)).map(([k, v]) => `${k}=${v}`).sort();
  return x.join('\n') === y.join('\n');
};

/** Whether `svc`'s controller is Canary `name` (pkg/router/kubernetes_default.go `isOwnedByCanary`). */
const ownedByCanary = (svc: Manifest, name: string): boolean =>
  list(svc.metadata?.ownerReferences).some((r: Manifest) => r?.controller === true && r?.kind === 'Canary' && r?.name === name);

/**
 * MESH315: the manifests write a Service named as a Flagger Canary's apex (`spec.service.name`, else the target's name), not
 * owned by that Canary, whose selector or ports differ from those Flagger sets on it: the primary's pods (`app: <name>-primary`)
 * and the Canary's `spec.service` ports. Flagger rewrites the selector and ports of such a Service at every reconcile, and every
 * apply of the manifests (kubectl apply, a GitOps sync) writes them back, pointing the apex at the target Deployment's pods,
 * which Flagger keeps at zero replicas between analyses: the callers of `<name>` get 503 until Flagger reconciles again
 * (fluxcd/flagger pkg/router/kubernetes_default.go `Reconcile`, `reconcileService`; fluxcd/flagger issue 680). Flagger generates
 * the apex from `spec.service` (its labels and annotations from `spec.service.apex`): the manifests should hold none.
 * https://docs.flagger.app/usage/how-it-works#canary-service
 */
export const flaggerApexWritten: AnalysisCheck = {
  code: Codes.FLAGGER_APEX_WRITTEN,
  title: "a Service written for a Flagger Canary's apex, which every apply points back at the canary's pods",
  run(index) {
    const out: Finding[] = [];
    const running = index.model.running();
    if (running === index.model) return out;
    const generated = new Map<string, Manifest>();
    for (const s of running.ofKind('Service')) if (FLAGGER_ROUTED_TO.has(s)) generated.set(`${namespaceOf(s)}/${s.metadata?.name}`, s);
    const written = new Map<string, Manifest>();
    for (const s of index.model.ofKind('Service')) if (!FLAGGER_APEX_STAND_IN.has(s)) written.set(`${namespaceOf(s)}/${s.metadata?.name}`, s);
    for (const canary of index.ofKind('Canary')) {
      if (!isFlaggerCanary(canary)) continue;
      const apex = String(canary.spec?.service?.name ?? canary.spec?.targetRef?.name ?? '');
      const key = `${namespaceOf(canary)}/${apex}`;
      const svc = written.get(key);
      const flaggers = generated.get(key);
      if (!svc || !flaggers || ownedByCanary(svc, String(canary.metadata?.name))) continue;
      const ports = (m: Manifest) => list(m.spec?.ports).map(portKey).sort().join(',');
      const selectorDiffers = !sameEntries(svc.spec?.selector, flaggers.spec.selector);
      const field = selectorDiffers ? 'spec.selector' : ports(svc) !== ports(flaggers) ? 'spec.ports' : undefined;
      if (!field) continue;
      const selector = Object.entries(dict(flaggers.spec.selector)).map(([k, v]) => `${k}: ${v}`).join(', ');
      const f = finding(Codes.FLAGGER_APEX_WRITTEN, svc, field,
        `Service ${apex} is the apex Service of Flagger Canary ${namespaceOf(canary)}/${canary.metadata?.name}, which sets its ${field} to Flagger's `
        + `(selector ${selector}, the Canary's spec.service ports); every apply of these manifests writes this ${field} back, pointing `
        + `${apex} at the canary's pods, which Flagger keeps at zero replicas between analyses, so its callers get 503 until Flagger `
        + "reconciles again; drop this Service: Flagger generates it from the Canary's spec.service (labels and annotations from "
        + 'spec.service.apex)');
      out.push({ ...f, related: refOf(canary) });
    }
    return out;
  },
};

/**
 * MESH670: a workload of a Flagger Canary's namespace, other than its target Deployment, whose pods carry the label and value
 * Flagger selects the canary by. Flagger reads the target's identity from the first of `app`, `name` and
 * `app.kubernetes.io/name` in its selector (`-selector-labels`) and writes `<name>-canary` selecting that label and value
 * alone (`map[string]string{c.labelSelector: podSelector}`: fluxcd/flagger pkg/router/kubernetes_default.go `Initialize`,
 * `reconcileService`), the Service its VirtualService sends the canary's share, its A/B matches and its mirror to, and that
 * its load tester calls. Another workload's pods with that label (a second version of the service, `playback-shadow`) are
 * then endpoints of the canary: they take part of the canary's traffic and of the load test, and the analysis judges them
 * with the canary (its metrics select the target's pods, so their errors are the callers' alone), during every analysis and
 * after it, since Flagger scales only the target to zero. https://docs.flagger.app/usage/how-it-works#canary-service
 */
export const flaggerCanarySelectsOtherPods: AnalysisCheck = {
  code: Codes.FLAGGER_CANARY_SELECTS_OTHER_PODS,
  title: "a workload whose pods Flagger's canary Service selects beside the Canary's target",
  run(index) {
    const out: Finding[] = [];
    for (const canary of index.ofKind('Canary')) {
      if (!isFlaggerCanary(canary)) continue;
      const ns = namespaceOf(canary);
      const target = String(canary.spec?.targetRef?.name ?? '');
      const deployment = index.ofKind('Deployment').find((d) => namespaceOf(d) === ns && d.metadata?.name === target);
      const selector: Record<string, string> = dict(deployment?.spec?.selector?.matchLabels);
      const key = FLAGGER_SELECTOR_LABELS.find((k) => typeof selector[k] === 'string');
      if (!deployment || !key) continue;
      const value = selector[key];
      const name = String(canary.spec?.service?.name ?? target);
      for (const w of index.workloads) {
        if (w.namespace !== ns || w.manifest === deployment || w.labels[key] !== value) continue;
        const template = podTemplateField(w.manifest);
        const f = finding(Codes.FLAGGER_CANARY_SELECTS_OTHER_PODS, w.manifest, `${template ? `${template}.` : ''}metadata.labels.${key}`,
          `${w.kind}/${w.manifest.metadata?.name}'s pods carry ${key}: ${value}, which Flagger's Service ${name}-canary selects (alone) for `
          + `Canary ${ns}/${canary.metadata?.name} of Deployment/${target}: they become endpoints of the canary, take a share of its traffic, `
          + 'its A/B matches, its mirror and its load test, during every analysis and after it; Flagger releases one Deployment per '
          + `service: remove this workload, or give its pods another ${key}`);
        out.push({ ...f, related: refOf(canary) });
      }
    }
    return out;
  },
};

/**
 * MESH538: a Flagger Canary whose A/B match (`analysis.match[i]`) sets conditions other than headers and sourceLabels
 * (queryParams, uri, method, ...) while its `spec.service.match` is set. Flagger's Istio router then writes the canary's route
 * with `mergeMatchConditions`: a copy of each of the service's matches with the analysis entry's headers and sourceLabels, and
 * nothing else of it. Those conditions are dropped: the A/B test routes by the rest, and an entry with none of them (query
 * parameters alone) becomes the service's own match, which sends every request it takes to the canary.
 * @see https://github.com/fluxcd/flagger/blob/main/pkg/router/istio.go (`mergeMatchConditions`)
 */
export const flaggerMatchDropped: AnalysisCheck = {
  code: Codes.FLAGGER_MATCH_DROPPED,
  title: "a Flagger A/B match whose conditions Flagger drops, merging it into the Canary's service.match",
  run(index) {
    const out: Finding[] = [];
    for (const canary of index.ofKind('Canary')) {
      if (!String(canary.apiVersion ?? '').startsWith('flagger.app/') || list(canary.spec?.service?.match).length === 0) continue;
      list(canary.spec?.analysis?.match).forEach((m: Manifest, i: number) => {
        const dropped = Object.keys(dict(m)).filter((k) => !FLAGGER_MERGED_MATCH_FIELDS.includes(k) && m[k] !== undefined && m[k] !== null);
        if (dropped.length === 0) return;
        const kept = FLAGGER_MERGED_MATCH_FIELDS.filter((k) => m[k] !== undefined && m[k] !== null);
        out.push(finding(Codes.FLAGGER_MATCH_DROPPED, canary, `spec.analysis.match[${i}].${dropped[0]}`,
          'spec.service.match is set, so Flagger merges this A/B match into each of its entries keeping only headers and sourceLabels '
          + `(pkg/router/istio.go, mergeMatchConditions): its ${dropped.join(', ')} ${dropped.length > 1 ? 'are' : 'is'} dropped, and `
          + (kept.length > 0 ? `the canary's route matches by ${kept.join(' and ')} alone, whatever the request's ${dropped.join(' and ')}`
          : 'the canary\'s route matches whatever spec.service.match does: every request the service takes goes to the canary')
          + '; match on headers, or leave out spec.service.match'));
      });
    }
    return out;
  },
};

/** The release checks. */
export const RELEASE_CHECKS: readonly AnalysisCheck[] = [
  flaggerMirrorsWrites, flaggerGatewayBypass, flaggerGrpcSuccessRate, flaggerApexWritten, flaggerLoadTesterRefused,
  flaggerCanarySelectsOtherPods, flaggerMatchDropped,
];

/**
 * Gateways that collide on shared gateway pods, the collisions two environments of one
 * cluster make when they bind to the one ingress gateway: the same host and port
 * (istio/istio pkg/config/analysis/analyzers/gateway/conflictinggateway.go, IST0145) and
 * the same certificate (gateway/certificate.go, IST0138). Istio reports each collision on
 * every Gateway of it; these report it once per pair of Gateways, on one of them, with the
 * other as the finding's related resource, so that synth names both constructs once.
 */
import { Codes } from '../../core/codes';
import { Finding, finding, Manifest, refOf } from '../finding';
import { AnalysisCheck } from './check';
import { AnalysisView, namespaceOf, push } from './view';
import { isHttpProtocol, isTlsServer, parseProtocol } from '../webhook/names';

/** `k=v,k2=v2`, sorted by key: a label set as a selector's text (k8s.io/apimachinery labels.SelectorFromSet(...).String()). */
export function selectorText(selector: Readonly<Record<string, string>> | undefined): string {
  return Object.entries(selector ?? {}).map(([k, v]) => `${k}=${v}`).sort().join(',');
}

/** The Gateway's `spec.selector`, `{}` when it has none. */
export function selectorOf(gw: Manifest): Record<string, string> {
  const s = gw.spec?.selector;
  return s && typeof s === 'object' && !Array.isArray(s) ? s : {};
}

/** `<namespace>/<name>` of `m` (resource.FullName.String()). */
export function fullName(m: Manifest): string {
  return `${namespaceOf(m)}/${m.metadata?.name}`;
}

/** The Gateway's servers, each with its index. */
function serversOf(gw: Manifest): { server: any; index: number }[] {
  const servers = gw.spec?.servers;
  return Array.isArray(servers) ? servers.map((server, index) => ({ server, index })) : [];
}

/** The text form of a server's port number, as conflictinggateway.go keys it (`strconv.Itoa`, 0 when unset). */
function portText(server: any): string {
  const n = Number(server?.port?.number ?? 0);
  return String(Number.isFinite(n) ? Math.trunc(n) : 0);
}

/** The server's hosts, as strings. */
function hostsOf(server: any): string[] {
  return Array.isArray(server?.hosts) ? server.hosts.map(String) : [];
}

/** A collision found from one Gateway's side, before it is reported once per pair. */
interface DirectedCollision {
  /** The Gateway whose analysis found it (Istio reports it there). */
  readonly from: Manifest;
  /** The other Gateway. */
  readonly to: Manifest;
  /** The field of `from` it is reported on. */
  readonly field: string;
  /** What both claim, for the message. */
  readonly detail: string;
  /** What a pair collides on, once (a port for host conflicts). */
  readonly on: string;
}

/**
 * One finding per unordered pair of Gateways (and, for host conflicts, per port): on the
 * Gateway Istio reports it on, or, where Istio reports it on both, on the one whose
 * `<namespace>/<name>` sorts last (so the verdict does not depend on the order of the
 * input), with the other as the related resource. A Gateway of the manifests comes before one
 * the analysis assumes (the platform team's), which the files cannot change.
 */
function oncePerPair(index: AnalysisView, found: readonly DirectedCollision[], report: (c: DirectedCollision) => Finding): Finding[] {
  const byPair = new Map<string, DirectedCollision[]>();
  for (const c of found) {
    const [a, b] = [fullName(c.from), fullName(c.to)].sort();
    push(byPair, `${a}\u0000${b}\u0000${c.on}`, c);
  }
  const out: Finding[] = [];
  for (const list of byPair.values()) {
    const later = (c: DirectedCollision, best: DirectedCollision) => fullName(c.from) > fullName(best.from)
      || fullName(c.from) === fullName(best.from) && c.field < best.field;
    const own = list.filter((c) => !index.isAssumed(refOf(c.from)));
    const chosen = (own.length > 0 ? own : list).reduce((best, c) => (later(c, best) ? c : best));
    out.push(report(chosen));
  }
  return out;
}

/**
 * Whether the pods a selector text `a` selects and those `b` selects overlap, as
 * conflictinggateway.go decides it: the same text, or one text contained in the other
 * (a plain substring test, as Istio's `strings.Contains`) and some pod matching both.
 * Istio looks at Pods; the index's pod templates and the assumed gateway's pod stand for them.
 */
function samePods(index: AnalysisView, a: string, b: string, selectors: ReadonlyMap<string, Record<string, string>>): boolean {
  if (a === b) return true;
  if (!a.includes(b) && !b.includes(a)) return false;
  const sa = selectors.get(a)!;
  const sb = selectors.get(b)!;
  return index.workloadsMatchingAnywhere(sa).some((w) => Object.entries(sb).every(([k, v]) => w.labels[k] === v));
}

/**
 * MESH120: two Gateways whose selectors reach the same pods serve one host, with the same
 * bind, on one port; the gateway pods merge the servers of a port, so one Gateway's routes
 * never see those requests. A port of `ConflictingGatewayAnalyzer` (IST0145, an error):
 * servers are keyed by selector text and port, a Gateway's last server on a port standing
 * for it there (`initGatewaysMap` assigns, it does not merge); hosts are compared as
 * written (`model.CheckDuplicates`: `*` and `foo.com` do not collide, nor do `ns1/*` and
 * `ns2/*`). Ports must be equal as in Istio 1.25 and later (istio/istio#54651); 1.24's
 * istioctl compared hosts across every port of the same pods.
 * @see https://istio.io/latest/docs/reference/config/analysis/ist0145/
 */
export const conflictingGateways: AnalysisCheck = {
  code: Codes.CONFLICTING_GATEWAYS,
  title: 'two Gateways claiming one host and port on the same pods',
  istio: ['IST0145'],
  run(index) {
    const gateways = index.ofKind('Gateway');
    // selector text -> port -> host -> [gateway, bind] (each Gateway's last server on the port)
    const claims = new Map<string, Map<string, Map<string, [Manifest, string][]>>>();
    const selectors = new Map<string, Record<string, string>>();
    for (const gw of gateways) {
      const sel = selectorText(selectorOf(gw));
      selectors.set(sel, selectorOf(gw));
      const last = new Map<string, any>();
      for (const { server } of serversOf(gw)) last.set(portText(server), server);
      const byPort = claims.get(sel) ?? new Map<string, Map<string, [Manifest, string][]>>();
      claims.set(sel, byPort);
      for (const [port, server] of last) {
        const byHost = byPort.get(port) ?? new Map<string, [Manifest, string][]>();
        byPort.set(port, byHost);
        for (const h of new Set(hostsOf(server))) push(byHost, h, [gw, String(server?.bind ?? '')]);
      }
    }
    const overlapping = new Map<string, string[]>();
    const overlaps = (sel: string) => {
      let list = overlapping.get(sel);
      if (!list) {
        list = [...claims.keys()].filter((x) => samePods(index, sel, x, selectors));
        overlapping.set(sel, list);
      }
      return list;
    };
    const found: DirectedCollision[] = [];
    for (const gw of gateways) {
      const sel = selectorText(selectorOf(gw));
      for (const { server, index: i } of serversOf(gw)) {
        const port = portText(server);
        const bind = String(server?.bind ?? '');
        const hits = new Map<Manifest, Set<string>>();
        for (const x of overlaps(sel)) {
          const byHost = claims.get(x)?.get(port);
          for (const h of hostsOf(server)) {
            for (const [other, otherBind] of byHost?.get(h) ?? []) {
              if (fullName(other) === fullName(gw) || otherBind !== bind) continue;
              hits.set(other, (hits.get(other) ?? new Set()).add(h));
            }
          }
        }
        for (const [other, hosts] of hits) {
          const detail = `workload selector ${sel}, port ${port}, hosts ${[...hosts].join(',')}`;
          found.push({ from: gw, to: other, field: `spec.servers[${i}].hosts`, detail, on: port });
        }
      }
    }
    return oncePerPair(index, found, (c) => ({
      ...finding(Codes.CONFLICTING_GATEWAYS, c.from, c.field,
        `conflicts with Gateway ${fullName(c.to)} (${c.detail}): the gateway pods serve one Gateway's server for these hosts, `
        + "and the other's routes never see the requests"),
      related: refOf(c.to),
    }));
  },
};

/**
 * MESH143: Gateways whose selectors reach the same pods (or one Gateway) serve one port, with the same bind, both as
 * plaintext (HTTP, TCP...) and as TLS (HTTPS or TLS with its settings). istiod builds one listener per port: it merges
 * the servers of the kind it meets first and rejects the others ("conflict with existing server", "TLS server without
 * TLS options": pilot/pkg/model/gateway.go, MergeGateways), so one side's routes never get a listener. Reported once per
 * pair, on the Gateway of the TLS server.
 */
export const mixedTlsPorts: AnalysisCheck = {
  code: Codes.GATEWAY_PORT_TLS_MIXED,
  title: 'plaintext and TLS servers on one port of the same gateway pods',
  run(index) {
    const gateways = index.ofKind('Gateway');
    const selectors = new Map(gateways.map((g) => [selectorText(selectorOf(g)), selectorOf(g)]));
    const found: DirectedCollision[] = [];
    for (const gw of gateways) {
      const sel = selectorText(selectorOf(gw));
      for (const { server, index: i } of serversOf(gw)) {
        if (!isTlsServer(server)) continue;
        const [port, bind] = [portText(server), String(server?.bind ?? '')];
        for (const other of gateways) {
          if (!samePods(index, sel, selectorText(selectorOf(other)), selectors)) continue;
          for (const { server: o } of serversOf(other)) {
            if (portText(o) !== port || String(o?.bind ?? '') !== bind || isTlsServer(o)) continue;
            const detail = `port ${port}: ${String(o?.port?.protocol)} on Gateway ${fullName(other)}, `
              + `${String(server?.port?.protocol)} on Gateway ${fullName(gw)}`;
            found.push({ from: gw, to: other, field: `spec.servers[${i}].port`, detail, on: port });
          }
        }
      }
    }
    return oncePerPair(index, found, (c) => ({
      ...finding(Codes.GATEWAY_PORT_TLS_MIXED, c.from, c.field,
        `plaintext and TLS on one port of the same gateway pods (${c.detail}): istiod keeps the servers of the kind it merges `
        + 'first and rejects the others, whose routes get no listener; serve them on ports of their own'),
      related: refOf(c.to),
    }));
  },
};

/** The server's protocol as istiod parses it (protocol.Parse), lower-case; undefined when it knows none. */
const protocolOf = (server: any): string | undefined => parseProtocol(String(server?.port?.protocol ?? ''));

/**
 * MESH541: two plaintext servers (no TLS settings) on one port and bind of the same gateway pods, in one Gateway or two, that
 * are not both HTTP (HTTP, HTTP2, gRPC, gRPC-Web): istiod merges the plaintext servers of a port only when both are HTTP
 * (`canMergeProtocols`: "(current.IsHTTP() || current == p) && p.IsHTTP()"), and rejects every later one ("skipping server
 * on gateway ...: conflict with existing server", istio/istio pilot/pkg/model/gateway.go, MergeGateways), whose routes then
 * get no listener. Hosts do not tell them apart: a plain TCP connection carries no host (no SNI, no Host header), so two
 * environments sharing the platform's gateway with a TCP server each on one port (`dev.play.example.com:7777`,
 * `play.example.com:7777`) lose one of them. Which istiod meets first is not in the manifests, so it is an error either way.
 * Pairs claiming one host are MESH120's (IST0145), reported there.
 */
export const unmergeablePlaintextPorts: AnalysisCheck = {
  code: Codes.GATEWAY_PLAINTEXT_PORT_UNMERGEABLE,
  title: 'plaintext servers on one port of the same gateway pods that istiod cannot merge',
  run(index) {
    const gateways = index.ofKind('Gateway');
    const selectors = new Map(gateways.map((g) => [selectorText(selectorOf(g)), selectorOf(g)]));
    const plaintext = gateways.map((gw) => ({ gw, servers: serversOf(gw).filter(({ server }) => !isTlsServer(server)) }));
    const found: DirectedCollision[] = [];
    for (const { gw, servers } of plaintext) {
      const sel = selectorText(selectorOf(gw));
      for (const { server, index: i } of servers) {
        const [port, bind, protocol] = [portText(server), String(server?.bind ?? ''), protocolOf(server)];
        for (const { gw: other, servers: theirs } of plaintext) {
          if (!samePods(index, sel, selectorText(selectorOf(other)), selectors)) continue;
          for (const { server: o, index: j } of theirs) {
            if (other === gw && j === i) continue;
            if (portText(o) !== port || String(o?.bind ?? '') !== bind) continue;
            if (isHttpProtocol(protocol) && isHttpProtocol(protocolOf(o))) continue;
            if (hostsOf(server).some((h) => hostsOf(o).includes(h))) continue;
            const detail = `port ${port}: ${String(server?.port?.protocol)} for ${hostsOf(server).join(',')} on Gateway ${fullName(gw)}, `
              + `${String(o?.port?.protocol)} for ${hostsOf(o).join(',')} on Gateway ${fullName(other)}`;
            found.push({ from: gw, to: other, field: `spec.servers[${i}].port`, detail, on: `${port}\u0000${[i, j].sort().join(',')}` });
          }
        }
      }
    }
    return oncePerPair(index, found, (c) => ({
      ...finding(Codes.GATEWAY_PLAINTEXT_PORT_UNMERGEABLE, c.from, c.field,
        `plaintext servers on one port of the same gateway pods that istiod cannot merge (${c.detail}): it merges only HTTP ones `
        + 'and rejects the later server, whose routes get no listener; a plain TCP connection carries no host to tell them apart, '
        + 'so give each its own port (the gateway\'s Service exposing it: otherPorts)'),
      related: refOf(c.to),
    }));
  },
};

/** True if every label of selector `x` is in `y` with the same value (certificate.go, selectorSubset). */
function selectorSubset(x: Readonly<Record<string, string>>, y: Readonly<Record<string, string>>): boolean {
  return Object.entries(x).every(([k, v]) => Object.prototype.hasOwnProperty.call(y, k) && y[k] === v);
}

/**
 * The identity of a server's certificate as certificate.go's `haveSameCertificate` compares
 * it: its credentialName, else its certificate and key files (both needed); none otherwise.
 */
function certificateKey(tls: any): string | undefined {
  if (!tls || typeof tls !== 'object') return undefined;
  if (tls.credentialName) return `credential\u0000${tls.credentialName}`;
  if (tls.serverCertificate && tls.privateKey) return `files\u0000${tls.serverCertificate}\u0000${tls.privateKey}`;
  return undefined;
}

/**
 * MESH134 (a warning, as istioctl's IST0138): two Gateways on the same pods serve the same
 * certificate, so a browser that reuses an HTTP/2 connection for the other host gets 404s
 * (envoyproxy/envoy#6767). A port of `CertificateAnalyzer`: Gateway A is checked against
 * every Gateway whose selector includes A's (any Gateway, if A has no selector), in every
 * namespace (PILOT_SCOPE_GATEWAY_TO_NAMESPACE off, its default).
 * @see https://istio.io/latest/docs/reference/config/analysis/ist0138/
 */
export const duplicateCertificates: AnalysisCheck = {
  code: Codes.GATEWAY_DUPLICATE_CERTIFICATE,
  title: 'two Gateways on the same pods serving one certificate',
  istio: ['IST0138'],
  run(index) {
    const gateways = index.ofKind('Gateway');
    // certificate -> [gateway, server index]
    const byCertificate = new Map<string, [Manifest, number][]>();
    for (const gw of gateways) {
      for (const { server, index: i } of serversOf(gw)) {
        const key = certificateKey(server?.tls);
        if (key) push(byCertificate, key, [gw, i]);
      }
    }
    const found: DirectedCollision[] = [];
    for (const users of byCertificate.values()) {
      for (const [gw, i] of users) {
        const sel = selectorOf(gw);
        for (const [other] of users) {
          if (fullName(other) === fullName(gw)) continue;
          if (Object.keys(sel).length > 0 && !selectorSubset(sel, selectorOf(other))) continue;
          const tls = gw.spec.servers[i].tls;
          const what = tls.credentialName ? `credential ${tls.credentialName}` : `certificate ${tls.serverCertificate}`;
          found.push({ from: gw, to: other, field: `spec.servers[${i}].tls`, detail: what, on: '' });
        }
      }
    }
    return oncePerPair(index, found, (c) => ({
      ...finding(Codes.GATEWAY_DUPLICATE_CERTIFICATE, c.from, c.field,
        `serves the same ${c.detail} as Gateway ${fullName(c.to)} on the same pods: a client reusing an HTTP/2 connection for the other's `
        + 'hosts gets 404s; give each its own certificate',
        'warning'),
      related: refOf(c.to),
    }));
  },
};

/**
 * Gateway checks of istioctl analyze: the pods a Gateway selects, the ports their Service
 * exposes, credentials, conflicts between Gateways, and VirtualServices bound to Gateways.
 * Ports of istio/istio pkg/config/analysis/analyzers/gateway/*.go and virtualservice/gateways.go.
 */
import { X509Certificate } from 'node:crypto';
import { Codes } from '../../core/codes';
import { Finding, finding, Manifest } from '../finding';
import { AnalysisCheck } from './check';
import {
  conflictingGateways, duplicateCertificates, fullName, mixedTlsPorts, selectorOf, selectorText, unmergeablePlaintextPorts,
} from './gateway-conflicts';
import { gatewayHostsFor, gatewayReference } from '../model/gateway-hosts';
import { mergedGatewayRoutes } from './gateway-routes';
import { unroutedGatewayServers } from './unrouted-servers';
import { AnalysisView, namespaceOf, push, Workload } from './view';
import { hostsMatch } from '../model/hosts';
import { dict, list } from '../values';

/** True if every label of `selector` is on `labels` (an empty selector matches everything). */
function matches(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/**
 * MESH116 (warning): a Gateway whose selector matches no pod; IngressGatewayPortAnalyzer,
 * SecretAnalyzer and ConflictingGatewayAnalyzer each report it as IST0101.
 */
export const gatewaySelector: AnalysisCheck = {
  code: Codes.GATEWAY_SELECTOR_MATCHES_NOTHING,
  title: 'a Gateway selector that matches no gateway pod',
  istio: ['IST0101'],
  run(index) {
    const out: Finding[] = [];
    for (const gw of index.ofKind('Gateway')) {
      if (index.workloadsMatchingAnywhere(selectorOf(gw)).length > 0) continue;
      // A warning: a chart rarely holds its gateway's pods (the platform runs them), where
      // istioctl analyze, which sees the cluster's pods, reports an error.
      out.push(
        finding(
          Codes.GATEWAY_SELECTOR_MATCHES_NOTHING,
          gw,
          'spec.selector',
          'no pod of the manifests, nor the ingress gateway assumed beside them (the platform\'s, else istioctl\'s default), has the labels '
            + selectorText(selectorOf(gw)),
          'warning',
        ),
      );
    }
    return out;
  },
};

/**
 * The target ports and ports of the Services in front of `pods` (TCP ports only, as Istio counts
 * them). The Services selecting a pod are looked up by its labels, not found by a scan of every
 * Service; a Service without a selector selects every pod of its namespace, as in gateway.go
 * (`klabels.SelectorFromSet` of an empty set matches everything).
 */
function servicePorts(index: AnalysisView, pods: readonly Workload[], selectorless: ReadonlyMap<string, Manifest[]>): Set<number> {
  const ports = new Set<number>();
  for (const pod of pods) {
    for (const svc of [...index.servicesSelecting(pod), ...(selectorless.get(pod.namespace) ?? [])]) {
      for (const p of list(svc.spec?.ports)) {
        if (p?.protocol !== 'TCP') continue;
        const target = typeof p.targetPort === 'number' ? p.targetPort : /^\d+$/.test(String(p.targetPort ?? '')) ? Number(p.targetPort) : 0;
        if (target !== 0) ports.add(target);
        // A server may name the Service port itself (port -> targetPort mapping).
        ports.add(Number(p.port));
      }
    }
  }
  return ports;
}

/**
 * MESH117: a Gateway server port that no TCP port (or target port) of the Services in front of
 * the selected pods exposes: istio/istio pkg/config/analysis/analyzers/gateway/gateway.go (IST0162).
 */
export const gatewayPorts: AnalysisCheck = {
  code: Codes.GATEWAY_PORT_NOT_ON_SERVICE,
  title: 'a Gateway port no Service of the gateway pods exposes',
  istio: ['IST0162'],
  run(index) {
    const out: Finding[] = [];
    const selectorless = new Map<string, Manifest[]>();
    for (const svc of index.ofKind('Service')) {
      if (svc.apiVersion === 'v1' && Object.keys(svc.spec?.selector ?? {}).length === 0) push(selectorless, namespaceOf(svc), svc);
    }
    for (const gw of index.ofKind('Gateway')) {
      const pods = index.workloadsMatchingAnywhere(selectorOf(gw));
      if (pods.length === 0) continue;
      const ports = servicePorts(index, pods, selectorless);
      list(gw.spec?.servers).forEach((s: any, i: number) => {
        if (s?.port?.number === undefined || ports.has(Number(s.port.number))) return;
        out.push(
          finding(
            Codes.GATEWAY_PORT_NOT_ON_SERVICE,
            gw,
            `spec.servers[${i}].port.number`,
            `port ${s.port.number} is not a port of any Service in front of the pods labelled ${selectorText(selectorOf(gw))} `
              + `(${[...ports].sort((a, b) => a - b).join(', ') || 'none'})`,
            'warning',
          ),
        );
      });
    }
    return out;
  },
};

/** The data of a Secret, decoded: `data` (base64) and `stringData`. */
function secretData(secret: Manifest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(dict(secret.data))) out[k] = Buffer.from(String(v ?? ''), 'base64').toString('utf8');
  for (const [k, v] of Object.entries(dict(secret.stringData))) out[k] = String(v ?? '');
  return out;
}

/**
 * Why a credential Secret cannot serve TLS, or undefined: it needs `cert`/`key` or
 * `tls.crt`/`tls.key`, non-empty (istio/istio pilot/pkg/credentials/kube/secrets.go,
 * ExtractCertInfo), and a PEM certificate valid at `now` (pilot/pkg/xds/sds.go, ValidateCertificate).
 */
export function credentialProblem(secret: Manifest, now: Date): string | undefined {
  const data = secretData(secret);
  const cert = data.cert && data.key ? data.cert : data['tls.crt'] && data['tls.key'] ? data['tls.crt'] : undefined;
  if (cert === undefined) return `Secret ${secret.metadata?.name} has no non-empty cert and key (or tls.crt and tls.key)`;
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(cert);
  if (!pem) return `Secret ${secret.metadata?.name}: the certificate is not PEM`;
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(pem[0]);
  } catch (e) {
    return `Secret ${secret.metadata?.name}: the certificate does not parse (${(e as Error).message})`;
  }
  if (now < new Date(x509.validFrom) || now > new Date(x509.validTo)) {
    return `Secret ${secret.metadata?.name}: the certificate is expired or not yet valid (${x509.validFrom} to ${x509.validTo})`;
  }
  return undefined;
}

/**
 * MESH118/MESH119: a Gateway credentialName must name a Secret in the namespace of the
 * gateway pods, holding a valid certificate: istio/istio pkg/config/analysis/analyzers/gateway/secret.go
 * (IST0101, IST0161). Only sets that hold Secrets are checked: where certificates come from
 * cert-manager or an external store, no Secret is part of the manifests.
 */
export const gatewayCredentials: AnalysisCheck = {
  code: Codes.GATEWAY_CREDENTIAL_NOT_FOUND,
  title: "a Gateway credential that is missing from the gateway's namespace, or invalid",
  istio: ['IST0101', 'IST0161'],
  run(index) {
    const secrets = new Map(index.ofKind('Secret').map((s) => [fullName(s), s]));
    if (secrets.size === 0) return [];
    const now = new Date();
    const out: Finding[] = [];
    for (const { gw, ns, cn, secretName, field } of credentialServers(index)) {
      const secret = secrets.get(secretName);
      if (!secret) {
        out.push(finding(Codes.GATEWAY_CREDENTIAL_NOT_FOUND, gw, field, `no Secret ${cn} in namespace ${ns}, where the gateway pods run`));
        continue;
      }
      const problem = credentialProblem(secret, now);
      if (problem) out.push(finding(Codes.GATEWAY_CREDENTIAL_INVALID, gw, field, problem));
    }
    return out;
  },
};

/**
 * MESH537, a warning: a Gateway server that verifies client certificates (MUTUAL, OPTIONAL_MUTUAL) with a credentialName takes the
 * CA it verifies them with from a Secret `<credentialName>-cacert` of the gateway pods' namespace, else from the `ca.crt` (or
 * `cacert`) key of the credential Secret itself (istio/istio pilot/pkg/credentials/kube/secrets.go, `GetCaCert`, `ExtractRoot`;
 * pilot/pkg/model/credentials/resource.go, `SdsCaSuffix`; https://istio.io/latest/docs/tasks/traffic-management/ingress/secure-ingress/#configure-a-mutual-tls-ingress-gateway).
 * When the manifests say where the credential comes from and no `-cacert` Secret is among them, that CA is not the clients':
 * a cert-manager Certificate writes its `ca.crt` from the issuer that signed the server certificate, and an ACME issuer
 * (Let's Encrypt) writes none (cert-manager/cert-manager#1571), so the gateway admits only client certificates of the server
 * certificate's issuer, or fails every handshake; a Secret of the manifests without `ca.crt` or `cacert` holds no CA at all.
 * Reported as a warning, acknowledged where the issuer is also the clients' CA or the `-cacert` Secret is created elsewhere.
 * A `caCertificates` file path in the server replaces the Secret's CA.
 */
export const gatewayClientCa: AnalysisCheck = {
  code: Codes.GATEWAY_CLIENT_CA_UNSET,
  title: "a Gateway that verifies client certificates with no CA of the clients'",
  run(index) {
    const certificates = index.ofKind('Certificate').filter((c) => String(c.apiVersion ?? '').startsWith('cert-manager.io/'));
    const secrets = new Map(index.ofKind('Secret').map((s) => [fullName(s), s]));
    if (certificates.length === 0 && secrets.size === 0) return [];
    const out: Finding[] = [];
    for (const { gw, ns, server, cn, secretName: name, field } of credentialServers(index)) {
      const mode = String(server.tls.mode ?? '');
      if (!['MUTUAL', 'OPTIONAL_MUTUAL'].includes(mode) || server.tls.caCertificates || secrets.has(`${name}-cacert`)) continue;
      const fix = `give the clients' CA in a Secret ${cn}-cacert (key ca.crt) of ${ns}, which istiod reads first`;
      const certificate = certificates.find((c) => `${namespaceOf(c)}/${c.spec?.secretName}` === name);
      if (certificate) {
        const issuer = certificate.spec?.issuerRef?.name;
        out.push(finding(Codes.GATEWAY_CLIENT_CA_UNSET, gw, field,
          `${mode} verifies client certificates with the CA of Secret ${name}, which cert-manager Certificate ${namespaceOf(certificate)}/`
            + `${certificate.metadata?.name} writes: its ca.crt is the CA of issuer ${issuer ?? '(unnamed)'} that signs the server `
            + 'certificate, and none for an ACME issuer, so the gateway admits only client certificates of that issuer, or fails every '
            + `handshake; ${fix}`,
          'warning'));
        continue;
      }
      const secret = secrets.get(name);
      const data = { ...dict(secret?.data), ...dict(secret?.stringData) };
      if (secret && !('ca.crt' in data) && !('cacert' in data)) {
        out.push(finding(Codes.GATEWAY_CLIENT_CA_UNSET, gw, field,
          `${mode} verifies client certificates with the CA of Secret ${name}, which has no ca.crt or cacert key: the gateway has no CA to `
            + `verify them with and every handshake fails; ${fix}, or add ca.crt to the Secret`,
          'warning'));
      }
    }
    return out;
  },
};

/**
 * MESH123/MESH124/MESH126: a VirtualService's gateways must exist, serve one of its hosts,
 * and not be one Istio generates from a Kubernetes Gateway:
 * istio/istio pkg/config/analysis/analyzers/virtualservice/gateways.go (IST0101, IST0132, IST0165).
 */
export const virtualServiceGateways: AnalysisCheck = {
  code: Codes.GATEWAY_NOT_FOUND,
  title: 'a VirtualService bound to a Gateway that does not exist or does not serve its hosts',
  istio: ['IST0101', 'IST0132', 'IST0165'],
  run(index) {
    const gateways = new Map(index.ofKind('Gateway').map((g) => [fullName(g), g]));
    // The namespaces whose Gateways the set owns: those where it runs a Gateway or a workload.
    // A namespace where it writes only policies (the root namespace's mesh-wide ones, in a
    // MeshApp's cluster folder) still runs someone else's gateways (the platform's).
    const owned = new Set([...index.ownWorkloadNamespaces, ...[...gateways.values()].map(namespaceOf)]);
    const out: Finding[] = [];
    for (const vs of index.ofKind('VirtualService')) {
      const hosts: string[] = list(vs.spec?.hosts).map(String);
      (Array.isArray(vs.spec?.gateways) ? vs.spec.gateways : []).forEach((raw: unknown, i: number) => {
        const name = String(raw);
        if (name === 'mesh') return;
        const field = `spec.gateways[${i}]`;
        // pkg/config/gateway/kube/gatewayapi.go, IsInternalGatewayReference.
        if (name.slice(name.indexOf('/') + 1).includes('~istio-autogenerated-k8s-gateway~')) {
          out.push(
            finding(
              Codes.INTERNAL_GATEWAY_REFERENCE,
              vs,
              field,
              `${name} is generated by Istio from a Kubernetes Gateway: reference the Gateway API resource instead`,
              'warning',
            ),
          );
          return;
        }
        const ref = gatewayReference(name, namespaceOf(vs));
        const gw = gateways.get(ref);
        // A Gateway in a namespace whose Gateways the set does not own is someone else's (the platform's): not checked.
        if (!gw && !owned.has(ref.slice(0, ref.indexOf('/')))) return;
        if (!gw) out.push(finding(Codes.GATEWAY_NOT_FOUND, vs, field, `Gateway ${ref} does not exist`));
        const served = gw ? gatewayHostsFor(gw, namespaceOf(vs)) : [];
        if (!served.some((g) => hosts.some((h) => hostsMatch(g, h)))) {
          out.push(
            finding(
              Codes.HOST_NOT_IN_GATEWAY,
              vs,
              'spec.hosts',
              `none of the hosts ${hosts.join(', ')} is served by Gateway `
                + `${ref}${gw ? ` (${served.join(', ') || 'no hosts for this namespace'})` : ''}`,
              'warning',
            ),
          );
        }
      });
    }
    return out;
  },
};

/** True if a header name routes on a JWT claim (`@request.auth.claims.x` or `@request.auth.claims[x]`; istio/istio pkg/jwt/routing.go). */
function isClaimHeader(name: string): boolean {
  const prefix = '@request.auth.claims';
  if (!name.toLowerCase().startsWith(prefix)) return false;
  const rest = name.slice(prefix.length);
  return /^\..+/.test(rest) || /^\[.+\]$/.test(rest);
}

/**
 * MESH125: routing on a JWT claim needs a RequestAuthentication on the gateway pods (in
 * their namespace or istio-system), or the claim is never set:
 * istio/istio pkg/config/analysis/analyzers/virtualservice/jwtclaimroute.go (IST0149).
 */
export const jwtClaimRoutes: AnalysisCheck = {
  code: Codes.JWT_CLAIM_ROUTE_WITHOUT_AUTHN,
  title: 'JWT claim routing without a RequestAuthentication',
  istio: ['IST0149'],
  run(index) {
    const out: Finding[] = [];
    const gateways = new Map(index.ofKind('Gateway').map((g) => [fullName(g), g]));
    const authn = index.ofKind('RequestAuthentication');
    for (const vs of index.ofKind('VirtualService')) {
      const claim = list(vs.spec?.http)
        .flatMap((r: any) => list(r?.match).flatMap((m: any) => [...Object.keys(dict(m?.headers)), ...Object.keys(dict(m?.withoutHeaders))]))
        .find(isClaimHeader);
      if (!claim) continue;
      for (const name of Array.isArray(vs.spec?.gateways) ? vs.spec.gateways.map(String) : []) {
        const gw = name === 'mesh' ? undefined : gateways.get(gatewayReference(name, namespaceOf(vs)));
        if (!gw) continue;
        for (const pod of index.workloadsMatchingAnywhere(selectorOf(gw))) {
          // istioctl's analyzer reads istio-system's (constants.IstioSystemNamespace), the root namespace by default; a policy applies
          // from the mesh's root namespace, whichever it is (https://istio.io/latest/docs/reference/config/security/request_authentication/).
          const covered = authn.some(
            (ra) => [index.rootNamespace, pod.namespace].includes(namespaceOf(ra)) && matches(dict(ra.spec?.selector?.matchLabels), pod.labels),
          );
          if (!covered) {
            out.push(
              finding(
                Codes.JWT_CLAIM_ROUTE_WITHOUT_AUTHN,
                vs,
                'spec.http',
                `routes on ${claim} through Gateway ${fullName(gw)}, but no RequestAuthentication applies to its pod `
                  + `${pod.manifest.metadata?.name}: the claim is never set`,
              ),
            );
          }
        }
      }
    }
    return out;
  },
};

/**
 * Each server of a Gateway that selects pods of the manifests and names a `credentialName`, with the Secret it names in the
 * gateway pods' namespace (a name with `/` is `<namespace>/<name>` already): istiod reads a Gateway's credential from the
 * namespace of the gateway's pods (https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings).
 */
function* credentialServers(index: AnalysisView): Generator<{
  gw: Manifest; ns: string; server: any; cn: string; secretName: string; field: string;
}> {
  for (const gw of index.ofKind('Gateway')) {
    const pods = index.workloadsMatchingAnywhere(selectorOf(gw));
    if (pods.length === 0) continue;
    const ns = pods[0].namespace;
    const servers = list(gw.spec?.servers);
    for (let i = 0; i < servers.length; i++) {
      const cn = servers[i]?.tls?.credentialName;
      if (!cn) continue;
      const name = String(cn);
      const secretName = name.includes('/') ? name : `${ns}/${name}`;
      yield { gw, ns, server: servers[i], cn: name, secretName, field: `spec.servers[${i}].tls.credentialName` };
    }
  }
}

/** The gateway checks. */
export const GATEWAY_CHECKS: readonly AnalysisCheck[] = [
  gatewaySelector, gatewayPorts, gatewayCredentials, gatewayClientCa, conflictingGateways, mixedTlsPorts, unmergeablePlaintextPorts,
  duplicateCertificates,
  virtualServiceGateways, jwtClaimRoutes, mergedGatewayRoutes, unroutedGatewayServers,
];

import { renderAuthorizationPolicySpec } from '../../../src/graph/security/authorization-rule.render';
import { renderPeerAuthenticationSpec } from '../../../src/graph/security/mtls-policy.render';
import { renderServiceNetworkPolicy, renderSidecarSpec, SecurityWorkload, ServicePeers } from '../../../src/graph/security/service-security.render';
import { renderRequestAuthenticationSpec } from '../../../src/views/security/edge-authentication.render';

/** A workload of the state, by name and namespace, with one HTTP port. */
const workload = (name: string, namespace = 'prod', extra: object = {}): SecurityWorkload => ({
  name, namespace, selectorLabels: { app: name }, ports: [{ targetPort: 8080, protocol: 'http' }], ...extra,
});

/** The state of `order` in `prod`, with nothing around it but DNS and istiod. */
const base = (over: Partial<ServicePeers> = {}): ServicePeers => ({
  service: workload('order'),
  callers: [],
  targets: [],
  externalCalls: [],
  extraIngress: [],
  dns: [{
    peers: [{ namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } }],
    ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
  }],
  istiod: { peer: { namespace: 'istio-system', podLabels: { app: 'istiod' } }, port: 15012 },
  ...over,
});

describe('security rendering: pure functions of the constructs\' state', () => {
  test('PeerAuthentication: port modes keyed by port in numeric order, no selector for a namespace policy', () => {
    const spec = renderPeerAuthenticationSpec({ mode: { mode: 'STRICT' }, portLevelMtls: { 9090: { mode: 'PERMISSIVE' }, 80: { mode: 'DISABLE' } }, selector: { app: 'web' } });
    expect(spec).toEqual({ selector: { matchLabels: { app: 'web' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 80: { mode: 'DISABLE' }, 9090: { mode: 'PERMISSIVE' } } });
    expect(Object.keys(spec.portLevelMtls ?? {})).toEqual(['80', '9090']);
    expect(renderPeerAuthenticationSpec({ mode: { mode: 'PERMISSIVE' }, portLevelMtls: {} })).toEqual({ selector: undefined, mtls: { mode: 'PERMISSIVE' }, portLevelMtls: undefined });
  });

  test('AuthorizationPolicy: a source without principals writes none; ports become strings', () => {
    const spec = renderAuthorizationPolicySpec({
      action: 'CUSTOM', provider: 'opa',
      rules: [{ from: [{ principals: [], namespaces: ['istio-system'] }], to: [{ ports: [8080], methods: ['GET'] }], when: [{ key: 'request.auth.claims[groups]', values: ['admin'] }] }],
    });
    expect(spec.provider).toEqual({ name: 'opa' });
    expect(spec.rules?.[0]).toEqual({
      from: [{ source: { principals: undefined, namespaces: ['istio-system'], requestPrincipals: undefined } }],
      to: [{ operation: { methods: ['GET'], paths: undefined, notPaths: undefined, ports: ['8080'] } }],
      when: [{ key: 'request.auth.claims[groups]', values: ['admin'], notValues: undefined }],
    });
    // The allow-nothing policy: nothing set, nothing written.
    expect(Object.values(renderAuthorizationPolicySpec({})).filter((v) => v !== undefined)).toEqual([]);
  });

  test('RequestAuthentication: one JWT rule on the selected pods', () => {
    expect(renderRequestAuthenticationSpec({ selector: { app: 'gw' }, issuer: 'https://i', jwksUri: 'https://i/jwks', forwardOriginalToken: true }))
      .toEqual({ selector: { matchLabels: { app: 'gw' } }, jwtRules: [{ issuer: 'https://i', jwksUri: 'https://i/jwks', audiences: undefined, forwardOriginalToken: true }] });
  });

  test('NetworkPolicy: callers once each, by name; a peer in another namespace carries it; egress in a fixed order', () => {
    // GIVEN callers repeated and in two namespaces, the same gateway let in twice, two targets and two external calls
    const spec = renderServiceNetworkPolicy(base({
      callers: [workload('web'), workload('admin', 'ops'), workload('web')],
      extraIngress: [{ peer: { namespace: 'istio-system', podLabels: { istio: 'ingressgateway' } } }, { peer: { namespace: 'istio-system', podLabels: { istio: 'ingressgateway' } } }],
      prometheus: { peer: { namespace: 'observability', podLabels: { app: 'prometheus' } }, ports: [15090, 15020] },
      targets: [workload('payment'), workload('payment')],
      externalCalls: [
        { target: { namespace: 'prod', hosts: ['api.psp.example'], addresses: [], port: (n) => (n === 443 ? { targetPort: 443 } : undefined) }, port: 443 },
        { target: { namespace: 'prod', hosts: ['api.psp.example'], addresses: [], port: () => undefined }, port: 8443 },
      ],
      collector: { peer: { namespace: 'observability', podLabels: { app: 'jaeger' } }, port: 9411, sidecarHost: 'observability/jaeger-collector' },
    }));
    // THEN
    expect(spec.podLabels).toEqual({ app: 'order' });
    expect(spec.ingress.map((r) => r.peers)).toEqual([
      [{ podLabels: { app: 'admin' }, namespace: 'ops' }],
      [{ podLabels: { app: 'web' }, namespace: undefined }],
      [{ namespace: 'istio-system', podLabels: { istio: 'ingressgateway' } }],
      [{ namespace: 'observability', podLabels: { app: 'prometheus' } }],
    ]);
    expect(spec.ingress[3].ports).toEqual([{ port: 15090, protocol: 'TCP' }, { port: 15020, protocol: 'TCP' }]);
    expect(spec.egress.map((r) => [r.peers, r.ports.map((p) => `${p.port}/${p.protocol}`)])).toEqual([
      [[{ podLabels: { app: 'payment' }, namespace: undefined }], ['8080/TCP']],
      // an external host of unknown address: any address, on the port the sidecar connects to; a port it lacks is skipped
      [[{ cidr: '0.0.0.0/0' }], ['443/TCP']],
      [[{ namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } }], ['53/UDP', '53/TCP']],
      [[{ namespace: 'observability', podLabels: { app: 'jaeger' } }], ['9411/TCP']],
      [[{ namespace: 'istio-system', podLabels: { app: 'istiod' } }], ['15012/TCP']],
    ]);
  });

  test('Sidecar: no call imports no host; a host Flagger releases brings its primary and canary; the collector comes last', () => {
    expect(renderSidecarSpec(base()).egress).toEqual([{ hosts: ['~/*'] }]);
    const spec = renderSidecarSpec(base({
      targets: [workload('user', 'other'), workload('payment', 'prod', { traffic: { virtualServiceOwner: 'flagger' } })],
      collector: { peer: { namespace: 'observability' }, port: 9411, sidecarHost: 'observability/jaeger-collector' },
    }));
    expect(spec.egress?.[0].hosts).toEqual([
      './payment-canary.prod.svc.cluster.local', './payment-primary.prod.svc.cluster.local', './payment.prod.svc.cluster.local',
      'other/user.other.svc.cluster.local', 'observability/jaeger-collector',
    ]);
    expect(spec.outboundTrafficPolicy).toEqual({ mode: 'REGISTRY_ONLY' });
  });
});

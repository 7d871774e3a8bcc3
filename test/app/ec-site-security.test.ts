import { withCollectionPaths } from '../../src/core/authorization';
import { applyEdge } from '../../src/app/edge';
import { Testing } from 'cdk8s';
import { buildEcSite } from '../../src/app/ec-site';
import { ENVIRONMENTS, environment } from '../../src/app/environments';
import { applySecurity } from '../../src/app/security';
import { MeshApp } from '../../src';
import { podHardeningProblems } from '../../src/workload/pod-hardening';
import { find, synth } from '../util';

type M = Record<string, any>;

function site(name: 'dev' | 'staging' | 'production') {
  const app = new MeshApp({ outdir: Testing.app().outdir });
  const s = buildEcSite(app, environment(name));
  applySecurity(s, environment(name));
  applyEdge(s, environment(name));
  return { app, site: s, manifests: synth(app) };
}

const selects = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);

describe('production payment-service: seed 000 Mission 1, field by field', () => {
  const { manifests } = site('production');

  test('namespace PeerAuthentication default is STRICT', () => {
    const pa = manifests.find((m) => m.kind === 'PeerAuthentication' && m.metadata.name === 'default' && m.metadata.namespace === 'production');
    expect(pa?.spec).toEqual({ mtls: { mode: 'STRICT' } });
  });

  test('payment-service has its own STRICT PeerAuthentication', () => {
    const pa = find(manifests, 'PeerAuthentication', 'payment-service');
    expect(pa.metadata.namespace).toBe('production');
    expect(pa.spec).toEqual({ selector: { matchLabels: { app: 'payment-service' } }, mtls: { mode: 'STRICT' } });
  });

  test('AuthorizationPolicy payment-service-policy has the seed shape, less the health rule probes never meet', () => {
    const ap = find(manifests, 'AuthorizationPolicy', 'payment-service-policy');
    expect(ap.metadata.namespace).toBe('production');
    expect(ap.spec).toEqual({
      selector: { matchLabels: { app: 'payment-service' } },
      action: 'ALLOW',
      rules: [
        {
          from: [{ source: { principals: ['cluster.local/ns/production/sa/order-service'] } }],
          to: [{ operation: { methods: ['POST'], paths: ['/api/payments', '/api/payments/*', '/api/refunds', '/api/refunds/*'] } }],
        },
      ],
    });
  });

  test('the foundation traffic values of payment stay (SecureService changes none of them)', () => {
    const dr = find(manifests, 'DestinationRule', 'payment-service');
    // Fields the seed does not give (maxRequestsPerConnection) come from the service tier, as before.
    expect(dr.spec.trafficPolicy).toMatchObject({
      loadBalancer: { simple: 'LEAST_REQUEST' },
      connectionPool: { tcp: { maxConnections: 50 }, http: { http1MaxPendingRequests: 50, http2MaxRequests: 100, maxRetries: 2 } },
      outlierDetection: { consecutive5xxErrors: 3, interval: '10s', baseEjectionTime: '60s', maxEjectionPercent: 50 },
      tls: { mode: 'ISTIO_MUTUAL' },
    });
    const vs = find(manifests, 'VirtualService', 'payment-service');
    expect(vs.spec.http[0]).toMatchObject({ timeout: '30s', retries: { attempts: 1, perTryTimeout: '25s', retryOn: 'reset,connect-failure' } });
  });

  test('order-service-policy has seed 001 shape: a rule per caller, principal and operation', () => {
    const ap = find(manifests, 'AuthorizationPolicy', 'order-service-policy');
    expect(ap.spec.rules[0]).toEqual({
      from: [{ source: { principals: ['cluster.local/ns/production/sa/api-gateway'] } }],
      to: [{ operation: { methods: ['GET', 'POST'], paths: ['/api/orders', '/api/orders/*'] } }],
    });
  });

  test('api-gateway validates JWTs and admits only signed-in users to /api/*', () => {
    const ra = find(manifests, 'RequestAuthentication', 'api-gateway-jwt');
    expect(ra.spec).toEqual({
      selector: { matchLabels: { app: 'api-gateway' } },
      jwtRules: [{ issuer: 'https://auth.example.com', // Istio's CRD schema names the field jwks_uri; the generated type writes it so.
        jwks_uri: 'https://auth.example.com/.well-known/jwks.json', audiences: ['ec-site'], forwardOriginalToken: false,
        // The token stays at the sidecar; api-gateway learns the user from its subject.
        outputClaimToHeaders: [{ header: 'x-user-id', claim: 'sub' }] }],
    });
    const ap = find(manifests, 'AuthorizationPolicy', 'api-gateway-policy');
    expect(ap.spec.rules).toContainEqual({
      from: [{ source: { principals: [GATEWAY], requestPrincipals: ['https://auth.example.com/*'] } }],
      to: [{ operation: { paths: ['/api/*'] } }],
    });
    // The gateway's route to /api/ adds no rule of its own: a request without a token stays refused.
    expect(ap.spec.rules.filter((r: any) => r.from?.some((f: any) => f.source.principals?.includes(GATEWAY)))).toHaveLength(1);
  });
});

const GATEWAY = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';

describe.each(ENVIRONMENTS.map((e) => e.name))('%s: every pod is covered, every allowed edge is declared, no declared call is blocked', (envName) => {
  const { site: s, manifests } = site(envName);
  const ns = s.chart.namespace;
  const of = (kind: string) => manifests.filter((m) => m.kind === kind && m.metadata.namespace === ns);
  const deployments = of('Deployment');
  const saToApp = new Map<string, string>(deployments.map((d) => [`cluster.local/ns/${ns}/sa/${d.spec.template.spec.serviceAccountName}`, d.spec.template.metadata.labels.app]));
  const declared = s.chart.calls.map((c) => `${c.source.name}->${c.target.name}`).sort();

  test('the namespace has the allow-nothing baseline and a deny-all NetworkPolicy', () => {
    // The environment's own (the cluster's rate-limit service has its namespace's).
    expect(find(of('AuthorizationPolicy'), 'AuthorizationPolicy', 'allow-nothing').spec).toEqual({});
    expect(find(of('NetworkPolicy'), 'NetworkPolicy', 'default-deny').spec)
      .toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [] });
  });

  test('every pod is selected by its own ALLOW AuthorizationPolicy and NetworkPolicy, and is hardened', () => {
    expect(deployments.length).toBe(8);
    for (const d of deployments) {
      const labels = d.spec.template.metadata.labels;
      const authz = of('AuthorizationPolicy').filter((m) => m.spec.selector && selects(m.spec.selector.matchLabels, labels));
      expect(authz.map((a) => a.spec.action)).toEqual(['ALLOW']);
      const netpol = of('NetworkPolicy').filter((m) => m.spec.podSelector.matchLabels && selects(m.spec.podSelector.matchLabels, labels));
      expect(netpol).toHaveLength(1);
      expect(netpol[0].spec.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(podHardeningProblems(d.spec.template.spec)).toEqual([]);
    }
  });

  test('AuthorizationPolicy edges are exactly the declared calls, with their methods and paths', () => {
    const edges: string[] = [];
    for (const ap of of('AuthorizationPolicy').filter((m) => m.spec.selector)) {
      for (const rule of ap.spec.rules) {
        for (const from of rule.from ?? []) {
          for (const p of from.source.principals ?? []) {
            if (p === GATEWAY) continue; // the ingress routes, checked below
            const caller = saToApp.get(p);
            expect(caller).toBeDefined();
            const target = ap.spec.selector.matchLabels.app;
            const call = s.chart.calls.find((c) => c.source.name === caller && c.target.name === target)!;
            expect(call).toBeDefined();
            // Each path ending in /* with its collection path too (POST /api/orders beside /api/orders/*).
            expect(rule.to).toEqual([{ operation: { methods: call.methods, paths: call.paths && withCollectionPaths(call.paths) } }]);
            edges.push(`${caller}->${target}`);
          }
        }
      }
    }
    expect(edges.sort()).toEqual(declared);
  });

  test('NetworkPolicy edges in the namespace are exactly the declared calls, both ways; the rest is DNS, istiod, scraping and the ingress gateway', () => {
    const ingress: string[] = [];
    const egress: string[] = [];
    const outside: string[] = [];
    for (const np of of('NetworkPolicy').filter((m) => m.spec.podSelector.matchLabels)) {
      const app = np.spec.podSelector.matchLabels.app;
      for (const r of np.spec.ingress) {
        for (const f of r.from) {
          if (f.namespaceSelector) outside.push(`in:${f.namespaceSelector.matchLabels['kubernetes.io/metadata.name']}:${r.ports.map((p: M) => p.port)}`);
          else {
            ingress.push(`${f.podSelector.matchLabels.app}->${app}`);
            expect(r.ports).toEqual([{ port: 8080, protocol: 'TCP' }]);
          }
        }
      }
      for (const r of np.spec.egress) {
        for (const t of r.to) {
          if (t.namespaceSelector) outside.push(`out:${t.namespaceSelector.matchLabels['kubernetes.io/metadata.name']}:${r.ports.map((p: M) => `${p.port}/${p.protocol}`)}`);
          else if (t.ipBlock) outside.push(`out:${app}:${t.ipBlock.cidr}:${r.ports.map((p: M) => `${p.port}/${p.protocol}`)}`);
          else {
            egress.push(`${app}->${t.podSelector.matchLabels.app}`);
            expect(r.ports).toEqual([{ port: 8080, protocol: 'TCP' }]);
          }
        }
      }
    }
    expect(ingress.sort()).toEqual(declared);
    expect(egress.sort()).toEqual(declared);
    expect([...new Set(outside)].sort()).toEqual([
      'in:istio-system:8080', 'in:observability:15090,15020', 'out:istio-system:15012/TCP', 'out:kube-system:53/UDP,53/TCP',
      // payment-service's provider: its address is unknown, so 443 to any (TLS originated by the sidecar).
      'out:payment-service:0.0.0.0/0:443/TCP',
    ]);
    // The ingress gateway reaches the two services routed from it: api-gateway and web-frontend.
    expect(outside.filter((o) => o === 'in:istio-system:8080')).toHaveLength(2);
  });

  test('each Sidecar imports exactly the hosts its service calls', () => {
    for (const d of deployments) {
      const app = d.spec.template.metadata.labels.app;
      const service = s.chart.services.find((x) => x.name === app)!;
      const called = [...new Set([
        ...s.chart.calls.filter((c) => c.source.name === app).map((c) => `./${c.target.name}.${ns}.svc.cluster.local`),
        ...service.externalCalls.flatMap((c) => c.target.hosts.map((h) => `./${h}`)),
      ])].sort();
      const sidecar = of('Sidecar').find((m) => m.spec.workloadSelector.labels.app === app)!;
      expect(sidecar.spec.egress).toEqual([{ hosts: called.length > 0 ? called : ['~/*'] }]);
      expect(sidecar.spec.outboundTrafficPolicy).toEqual({ mode: 'REGISTRY_ONLY' });
    }
  });

  test('the asynchronous order → notification edge is declared and authorized like the others', () => {
    const async = s.chart.calls.filter((c) => c.asynchronous).map((c) => `${c.source.name}->${c.target.name}`);
    expect(async).toEqual(['order-service->notification-service']);
    expect(declared).toContain('order-service->notification-service');
  });
});

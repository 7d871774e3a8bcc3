import { semanticDiff } from '../../src/review';
import {
  authorizationPolicy, deployment, destinationRule, flaggerCanary, peerAuthentication, service, tree, virtualService, weightedRoute,
} from './fixtures';

/** The findings of the one changed resource, as [message, downgrade] pairs. */
function findings(before: Record<string, any>[], after: Record<string, any>[]): [string, boolean][] {
  const diff = semanticDiff(tree({ production: before }), tree({ production: after }));
  return diff.resources.flatMap((r) => r.findings.map((f): [string, boolean] => [f.message, !!f.downgrade]));
}

describe('semanticDiff: VirtualService', () => {
  test('canary weights, in the words of the issue', () => {
    expect(findings(
      [virtualService('order-service', [weightedRoute('order-service', { stable: 95, canary: 5 })])],
      [virtualService('order-service', [weightedRoute('order-service', { stable: 75, canary: 25 })])],
    )).toEqual([
      ['order-service stable weight 95% → 75%', false],
      ['order-service canary weight 5% → 25%', false],
    ]);
  });

  test('a new destination starts from 0%; a lone destination without weight counts as 100%', () => {
    const lone = { route: [{ destination: { host: 'order-service', subset: 'stable' } }] };
    expect(findings(
      [virtualService('order-service', [lone])],
      [virtualService('order-service', [weightedRoute('order-service', { stable: 90, canary: 10 })])],
    )).toEqual([
      ['order-service stable weight 100% → 90%', false],
      ['order-service canary weight 0% → 10%', false],
    ]);
  });

  test('timeout, retries, fault injection and mirror', () => {
    const before = weightedRoute('search-service', { stable: 100 }, {
      timeout: '3s', retries: { attempts: 2, perTryTimeout: '1s' },
      mirror: { host: 'search-service', subset: 'v2' }, mirrorPercentage: { value: 10 },
    });
    const after = weightedRoute('search-service', { stable: 100 }, {
      timeout: '5s', retries: { attempts: 3, perTryTimeout: '1s' },
      fault: { delay: { fixedDelay: '5s', percentage: { value: 10 } }, abort: { httpStatus: 503, percentage: { value: 5 } } },
    });
    expect(findings([virtualService('search-service', [before])], [virtualService('search-service', [after])])).toEqual([
      ['search-service timeout 3s → 5s', false],
      ['search-service retries attempts 2 → 3', false],
      ['search-service fault injection added: delay 5s for 10%; abort 503 for 5%', false],
      ['search-service mirror removed (was search-service v2 (10%))', false],
    ]);
  });

  test('several routes are named by their name, and other route fields compare leaf by leaf', () => {
    const r = (name: string, header: string, w: number) => ({
      name, match: [{ headers: { 'x-canary': { exact: header } } }], ...weightedRoute('order-service', { stable: 100 - w, canary: w }),
    });
    expect(findings(
      [virtualService('order-service', [r('header', 'true', 100), r('default', 'x', 5)])],
      [virtualService('order-service', [r('header', 'yes', 100), r('default', 'x', 50)])],
    )).toEqual([
      ["order-service route 'header' match[0].headers.x-canary.exact: true → yes", false],
      ["order-service route 'default': order-service stable weight 95% → 50%", false],
      ["order-service route 'default': order-service canary weight 5% → 50%", false],
    ]);
  });
});

describe('semanticDiff: DestinationRule', () => {
  test('subsets and traffic policy; ISTIO_MUTUAL → DISABLE is a downgrade', () => {
    const before = destinationRule('order-service', {
      subsets: [{ name: 'stable', labels: { version: 'v1' } }],
      trafficPolicy: { connectionPool: { tcp: { maxConnections: 200 } }, tls: { mode: 'ISTIO_MUTUAL' } },
    });
    const after = destinationRule('order-service', {
      subsets: [{ name: 'stable', labels: { version: 'v1' } }, { name: 'canary', labels: { version: 'v2' } }],
      trafficPolicy: { connectionPool: { tcp: { maxConnections: 100 } }, tls: { mode: 'DISABLE' } },
    });
    expect(findings([before], [after])).toEqual([
      ['order-service DestinationRule: new subset canary (version=v2)', false],
      ['order-service DestinationRule trafficPolicy.connectionPool.tcp.maxConnections: 200 → 100', false],
      ['order-service DestinationRule trafficPolicy.tls.mode: ISTIO_MUTUAL → DISABLE', true],
    ]);
  });
});

describe('semanticDiff: PeerAuthentication', () => {
  test.each([
    ['STRICT', 'PERMISSIVE', true],
    ['STRICT', 'DISABLE', true],
    ['PERMISSIVE', 'DISABLE', true],
    ['STRICT', undefined, true],
    ['PERMISSIVE', 'STRICT', false],
    ['DISABLE', 'PERMISSIVE', false],
  ])('%s → %s: downgrade %s', (from, to, down) => {
    expect(findings([peerAuthentication('default', from)], [peerAuthentication('default', to)]))
      .toEqual([[`PeerAuthentication default: ${from} → ${to ?? 'UNSET'}`, down]]);
  });

  test('port-level modes, inherited where unset', () => {
    expect(findings(
      [peerAuthentication('payment-service', 'STRICT')],
      [peerAuthentication('payment-service', 'STRICT', { portLevelMtls: { 9090: { mode: 'DISABLE' }, 8080: { mode: 'STRICT' } } })],
    )).toEqual([
      ['PeerAuthentication payment-service: port 8080 STRICT (inherited) → STRICT', false],
      ['PeerAuthentication payment-service: port 9090 STRICT (inherited) → DISABLE', true],
    ]);
  });

  test('added PERMISSIVE and removed STRICT are downgrades; added STRICT is not', () => {
    expect(findings([], [peerAuthentication('default', 'PERMISSIVE')])).toEqual([['PeerAuthentication default: new, mTLS PERMISSIVE', true]]);
    expect(findings([], [peerAuthentication('default', 'STRICT')])).toEqual([['PeerAuthentication default: new, mTLS STRICT', false]]);
    expect(findings([peerAuthentication('default', 'STRICT')], []))
      .toEqual([['PeerAuthentication default: removed (was mTLS STRICT), the mesh-wide mode applies', true]]);
  });
});

describe('semanticDiff: AuthorizationPolicy', () => {
  const order: [string, string[], string[]] = ['order-service', ['POST'], ['/api/payments/*', '/api/refunds/*']];

  test('a new caller, in the words of the issue', () => {
    expect(findings(
      [authorizationPolicy('payment-service', [order])],
      [authorizationPolicy('payment-service', [order, ['user-service', ['POST'], ['/api/payments/*']]])],
    )).toEqual([['payment-service AuthorizationPolicy: new caller user-service POST /api/payments/*', false]]);
  });

  test('a caller gains and loses operations, another is removed', () => {
    expect(findings(
      [authorizationPolicy('payment-service', [order, ['user-service', ['GET'], []]])],
      [authorizationPolicy('payment-service', [['order-service', ['POST', 'PUT'], ['/api/payments/*']]])],
    )).toEqual([
      ['payment-service AuthorizationPolicy: caller order-service now also PUT /api/payments/*; no longer POST /api/refunds/*', false],
      ['payment-service AuthorizationPolicy: removed caller user-service (was GET)', false],
    ]);
  });

  test('allowing any caller, or any request, is a downgrade', () => {
    const anyCaller = authorizationPolicy('payment-service', [order]);
    anyCaller.spec.rules.push({ to: [{ operation: { methods: ['GET'] } }] });
    expect(findings([authorizationPolicy('payment-service', [order])], [anyCaller]))
      .toEqual([['payment-service AuthorizationPolicy: new caller any caller GET', true]]);
    expect(findings([authorizationPolicy('payment-service', [order])], [authorizationPolicy('payment-service', [order, ['user-service', [], []]])]))
      .toEqual([['payment-service AuthorizationPolicy: new caller user-service any method any path', true]]);
  });

  test('DENY rules: dropping one and turning DENY into ALLOW are downgrades', () => {
    const deny = authorizationPolicy('payment-service', [['search-service', [], ['/admin/*']]], 'DENY', 'deny-admin');
    expect(findings([deny], [authorizationPolicy('payment-service', [], 'DENY', 'deny-admin')]))
      .toEqual([['deny-admin AuthorizationPolicy: removed DENY for search-service (was any method /admin/*)', true]]);
    const allow = authorizationPolicy('payment-service', [['search-service', [], ['/admin/*']]], 'ALLOW', 'deny-admin');
    expect(findings([deny], [allow])[0]).toEqual(['deny-admin AuthorizationPolicy: action DENY → ALLOW', true]);
  });

  test('removing the allow-nothing baseline, or the last ALLOW policy of a workload, is a downgrade', () => {
    const baseline = authorizationPolicy(undefined, []);
    expect(findings([baseline, service('x')], [service('x')]))
      .toEqual([['allow-nothing AuthorizationPolicy: removed the allow-nothing baseline (namespace-wide)', true]]);
    expect(findings([authorizationPolicy('payment-service', [order])], [])).toEqual([
      ['payment-service AuthorizationPolicy: removed caller order-service (was POST /api/payments/*, POST /api/refunds/*)', false],
      ['payment-service AuthorizationPolicy: removed; no ALLOW policy selects app=payment-service any more, so every caller is allowed', true],
    ]);
    // With the baseline still there, removing the workload's ALLOW policy only closes it.
    expect(findings([baseline, authorizationPolicy('payment-service', [order])], [baseline]).map(([, d]) => d)).toEqual([false]);
  });

  /** A policy of payment-service granting `caller` each rule's `to` (undefined: no `to`, any request). */
  function grants(caller: string, ...tos: (Record<string, any>[] | undefined)[]): Record<string, any> {
    const p = authorizationPolicy('payment-service', []);
    p.spec.rules = tos.map((to) => ({ from: [{ source: { principals: [`cluster.local/ns/ingress/sa/${caller}`] } }], ...(to ? { to } : {}) }));
    return p;
  }
  const op = (operation: Record<string, any>) => [{ operation }];

  test('a grant that what was removed covers is a narrowing, not a downgrade (any request → any method /api/*)', () => {
    expect(findings([grants('public-gw', undefined)], [grants('public-gw', op({ paths: ['/api/*'] }))])).toEqual([
      ['payment-service AuthorizationPolicy: caller ingress/public-gw narrowed from any request to any method /api/*', false],
    ]);
  });

  test.each([
    ['a prefix within a prefix', { paths: ['/api/*'] }, { paths: ['/api/v1/*'] }],
    ['an exact path within a prefix', { paths: ['/api/*'] }, { paths: ['/api/status'] }],
    ['a template within the prefix of its head', { paths: ['/api/*'] }, { paths: ['/api/{*}/status'] }],
    ['a suffix within a suffix', { paths: ['*.js'] }, { paths: ['*.min.js'] }],
    ['a method added to any path', { paths: ['/api/*'] }, { methods: ['GET'], paths: ['/api/*'] }],
    ['a port added', {}, { ports: ['8080'] }],
    ['an exclusion added', { paths: ['/api/*'] }, { paths: ['/api/*'], notPaths: ['/api/admin/*'] }],
    ['an exclusion the new path cannot reach', { paths: ['/api/*'], notPaths: ['/api/admin/*'] }, { paths: ['/api/v1/*'] }],
  ])('%s is a narrowing', (_name, before, after) => {
    expect(findings([grants('public-gw', op(before))], [grants('public-gw', op(after))]).map(([m, d]) => [m.includes('narrowed'), d]))
      .toEqual([[true, false]]);
  });

  test.each([
    ['a wider prefix', { paths: ['/api/v1/*'] }, { paths: ['/api/*'] }],
    ['a prefix beside an exact path', { paths: ['/api/status'] }, { paths: ['/api/status*'] }],
    ['any method where one was granted', { methods: ['GET'], paths: ['/api/*'] }, { paths: ['/api/*'] }],
    ['a suffix beside a prefix', { paths: ['/static/*'] }, { paths: ['*.js'] }],
    ['an exclusion dropped', { paths: ['/api/*'], notPaths: ['/api/admin/*'] }, { paths: ['/api/*'] }],
    ['a template beyond its prefix', { paths: ['/api/v1/*'] }, { paths: ['/api/{*}/status'] }],
  ])('%s is still a downgrade', (_name, before, after) => {
    expect(findings([grants('public-gw', op(before))], [grants('public-gw', op(after))]).map(([, d]) => d)).toEqual([true]);
  });

  test('HTTP fields never match a TCP connection, so any request is not within any method /api/*', () => {
    expect(findings([grants('public-gw', op({ paths: ['/api/*'] }))], [grants('public-gw', undefined)]).map(([, d]) => d)).toEqual([true]);
  });

  test('a condition added narrows; a grant any caller had covers one caller\'s', () => {
    const when = grants('public-gw', undefined);
    when.spec.rules[0].when = [{ key: 'request.headers[x-tenant]', values: ['a'] }];
    expect(findings([grants('public-gw', undefined)], [when]).map(([, d]) => d)).toEqual([false]);
    const anyCaller = authorizationPolicy('payment-service', []);
    anyCaller.spec.rules = [{ to: op({ paths: ['/api/*'] }) }];
    const both = grants('public-gw', op({ paths: ['/api/v1/*'] }));
    both.spec.rules.push(...anyCaller.spec.rules);
    expect(findings([anyCaller], [both])).toEqual([['payment-service AuthorizationPolicy: new caller ingress/public-gw any method /api/v1/*', false]]);
  });

  test('a DENY rule that still matches what it matched is no downgrade; one that matches less is', () => {
    const deny = (paths: string[]) => authorizationPolicy('payment-service', [['search-service', [], paths]], 'DENY', 'deny-admin');
    expect(findings([deny(['/admin/users'])], [deny(['/admin/*'])]).map(([, d]) => d)).toEqual([false]);
    expect(findings([deny(['/admin/*'])], [deny(['/admin/users'])]).map(([, d]) => d)).toEqual([true]);
  });

  test('callers in another namespace keep their namespace', () => {
    const p = authorizationPolicy('payment-service', []);
    p.spec.rules = [{ from: [{ source: { principals: ['cluster.local/ns/batch/sa/billing'], namespaces: ['ops'] } }] }];
    expect(findings([authorizationPolicy('payment-service', [order])], [p]).map(([m]) => m)).toEqual([
      'payment-service AuthorizationPolicy: new caller batch/billing any request',
      'payment-service AuthorizationPolicy: new caller namespace ops any request',
      'payment-service AuthorizationPolicy: removed caller order-service (was POST /api/payments/*, POST /api/refunds/*)',
    ]);
  });
});

describe('semanticDiff: other kinds', () => {
  test('Deployment leaves; pod hardening weakened is a downgrade', () => {
    const after = deployment('order-service', { securityContext: { runAsNonRoot: false } }, 5);
    after.spec.template.spec.containers[0].image = 'registry.example.com/order-service:1.1.0';
    expect(findings([deployment('order-service', { securityContext: { runAsNonRoot: true } })], [after])).toEqual([
      ['order-service Deployment spec.replicas: 3 → 5', false],
      ['order-service Deployment spec.template.spec.containers[name=app].image: registry.example.com/order-service:1.0.0 → registry.example.com/order-service:1.1.0', false],
      ['order-service Deployment spec.template.spec.securityContext.runAsNonRoot: true → false', true],
    ]);
  });

  test('Flagger Canary analysis, leaf by leaf', () => {
    expect(findings(
      [flaggerCanary('order-service', { stepWeight: 5, maxWeight: 50, threshold: 5 })],
      [flaggerCanary('order-service', { stepWeight: 10, maxWeight: 50 })],
    )).toEqual([
      ['order-service Canary spec.analysis.stepWeight: 5 → 10', false],
      ['order-service Canary spec.analysis.threshold: 5 → (none)', false],
    ]);
  });

  test('removing a NetworkPolicy is a downgrade; adding one is listed without findings', () => {
    const np = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: 'production' }, spec: { podSelector: {} } };
    expect(findings([np], [])).toEqual([['default-deny NetworkPolicy: removed, what it restricted is open', true]]);
    const diff = semanticDiff(tree({ production: [] }), tree({ production: [np] }));
    expect(diff.resources).toMatchObject([{ kind: 'NetworkPolicy', name: 'default-deny', status: 'added', findings: [], downgrade: false }]);
  });

  describe('NetworkPolicy rules are compared as sets of (peer, ports)', () => {
    const peer = (ns: string | undefined, labels: Record<string, string>) => ({
      ...(ns ? { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } } : {}), podSelector: { matchLabels: labels },
    });
    const rule = (from: Record<string, any>, ...ports: Record<string, any>[]) => ({ from: [from], ports });
    const prometheus = rule(peer('observability', { 'app.kubernetes.io/name': 'prometheus' }), { port: 15090, protocol: 'TCP' }, { port: 15020 });
    const np = (ingress: Record<string, any>[], extra: Record<string, any> = {}) => ({
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'inventory-api', namespace: 'production' },
      spec: { podSelector: { matchLabels: { app: 'inventory-api' } }, policyTypes: ['Ingress'], ingress, ...extra },
    });
    const events = rule(peer(undefined, { app: 'stock-events' }), { port: 8080, protocol: 'TCP' });
    const checkout = rule(peer('storefront-dev', { app: 'checkout' }), { port: 8080, protocol: 'TCP' });

    test('dropping one peer from the middle of the list is that peer removed, not the later rules re-pointed', () => {
      expect(findings([np([events, checkout, prometheus])], [np([events, prometheus])])).toEqual([
        ['inventory-api NetworkPolicy: ingress from storefront-dev app=checkout on 8080 removed', false],
      ]);
    });

    test('reordering rules or splitting one into two changes nothing', () => {
      const split = [rule(peer('observability', { 'app.kubernetes.io/name': 'prometheus' }), { port: 15020 }),
        rule(peer('observability', { 'app.kubernetes.io/name': 'prometheus' }), { port: 15090 })];
      expect(findings([np([events, checkout, prometheus])], [np([...split, checkout, events])])).toEqual([]);
    });

    test('a port moved, a new peer, every port, and a direction no longer restricted', () => {
      const moved = rule(peer(undefined, { app: 'stock-events' }), { port: 8081 });
      expect(findings([np([events])], [np([moved])])).toEqual([['inventory-api NetworkPolicy: ingress from app=stock-events on 8080 → 8081', false]]);
      expect(findings([np([events])], [np([events, { from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }], ports: [{ port: 53, protocol: 'UDP' }] }])]))
        .toEqual([['inventory-api NetworkPolicy: ingress from 0.0.0.0/0 except 10.0.0.0/8 on 53/UDP added', true]]);
      expect(findings([np([events])], [np([events, { ports: [{ port: 9090 }] }])]))
        .toEqual([['inventory-api NetworkPolicy: ingress from anywhere on 9090 added', true]]);
      expect(findings([np([events])], [np([{ from: events.from }])]))
        .toEqual([['inventory-api NetworkPolicy: ingress from app=stock-events on 8080 → every port', true]]);
      expect(findings([np([events])], [np([events], { policyTypes: ['Egress'] })])).toEqual([
        ['inventory-api NetworkPolicy: no longer restricts ingress', true],
        ['inventory-api NetworkPolicy: now restricts egress', false],
      ]);
    });
  });

  test('sidecar injection turned off is a downgrade', () => {
    const ns = (label: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'production', labels: { 'istio-injection': label } } });
    expect(findings([ns('enabled')], [ns('disabled')])).toEqual([['production Namespace metadata.labels.istio-injection: enabled → disabled', true]]);
  });
});

describe('semanticDiff: trees', () => {
  test('per environment, sorted; identical trees have no change; topology.md is not a file change', () => {
    const before = tree({ production: [service('a')], staging: [service('a')] }, { 'production/topology.md': 'old' });
    const after = tree({ production: [service('a'), service('b')], staging: [service('a')] }, { 'production/topology.md': 'new' });
    const diff = semanticDiff(before, after);
    expect(diff.environments).toEqual(['production']);
    expect(diff.resources.map((r) => [r.environment, r.kind, r.name, r.status])).toEqual([['production', 'Service', 'b', 'added']]);
    expect(diff.files.map((f) => [f.path, f.status])).toEqual([['production/service.b.yaml', 'added']]);
    expect(semanticDiff(before, before)).toEqual({ environments: [], resources: [], files: [], downgrades: 0, acknowledgements: [] });
  });

  test('a resource whose apiVersion moves from v1beta1 to v1 is one modified resource', () => {
    const old = { ...peerAuthentication('default', 'STRICT'), apiVersion: 'security.istio.io/v1beta1' };
    expect(findings([old], [peerAuthentication('default', 'STRICT')]))
      .toEqual([['default PeerAuthentication apiVersion: security.istio.io/v1beta1 → security.istio.io/v1', false]]);
  });

  test('a cluster-scoped resource that loses a stray namespace is one modified resource', () => {
    const ns = (namespace?: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'production', ...(namespace ? { namespace } : {}) } });
    expect(findings([ns('production')], [ns()])).toEqual([['production Namespace metadata.namespace: production → (none)', false]]);
  });

  test('counts downgrades over all environments', () => {
    const diff = semanticDiff(
      tree({ dev: [peerAuthentication('default', 'STRICT')], production: [peerAuthentication('default', 'STRICT')] }),
      tree({ dev: [peerAuthentication('default', 'PERMISSIVE')], production: [peerAuthentication('default', 'DISABLE')] }),
    );
    expect(diff.downgrades).toBe(2);
    expect(diff.environments).toEqual(['dev', 'production']);
  });
});

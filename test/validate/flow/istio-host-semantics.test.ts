// Where the flows' own index of the manifests disagreed with Istio, before the one model of the
// cluster (src/validate/model): the flows now read hosts, exportTo and DestinationRules as istiod
// does, and agree with the analysis. Each test names the Istio source that decides.
import { evaluateFlow, validateManifests } from '../../../src/validate';
import { app, call, destinationRule, peerAuthentication, virtualService } from './fixtures';

const base = [...app('a', 'shop'), ...app('b', 'shop'), ...app('c', 'other')];
const entry = (name: string, ns: string, spec: Record<string, unknown>) => ({
  apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name, namespace: ns }, spec,
});

describe('flows read hosts as istiod does', () => {
  test('a route destination names its Service as written: `B` is no Service (the flows lower-cased it; the analysis did not)', () => {
    // pilot/pkg/model/virtualservice.go resolves a destination with ResolveShortnameToFQDN and
    // route.go looks its service up by that exact name: the route points at a cluster that does not exist.
    const vs = virtualService('b', 'shop', { hosts: ['b'], http: [{ route: [{ destination: { host: 'B' } }] }] });
    const v = evaluateFlow([...base, vs], call('a', 'shop', 'b'));
    expect(v).toMatchObject({ allowed: false, decidedBy: { layer: 'routing', kind: 'VirtualService', name: 'b' } });
    expect(v.reason).toContain('route destination B.shop.svc.cluster.local has no Service (503)');
    // and the analysis says the same of the same host (istioctl analyze IST0101)
    const hostNotFound = validateManifests([...base, vs]).filter((f) => f.code === 'MESH100');
    expect(hostNotFound.map((f) => f.field)).toEqual(['spec.http[0].route[0].destination.host']);
  });

  test('a VirtualService host still selects its service in any case (httproute.go lower-cases both)', () => {
    const vs = virtualService('b', 'shop', { hosts: ['B'], http: [{ redirect: { uri: '/elsewhere' } }] });
    expect(evaluateFlow([...base, vs], call('a', 'shop', 'b'))).toMatchObject({ allowed: false, decidedBy: { kind: 'VirtualService', name: 'b' } });
  });

  test('a wildcard ServiceEntry host covers the name a client dials (it was looked up by exact name only)', () => {
    // Envoy matches the Host header against the virtual host's domains, `*.example.com` among them.
    const se = entry('example', 'shop', { hosts: ['*.example.com'], ports: [{ number: 80, name: 'http', protocol: 'HTTP' }], resolution: 'DNS' });
    const v = evaluateFlow([...base, se], { source: { workload: 'a', namespace: 'shop' }, host: 'api.example.com', port: 80 });
    expect(v).toMatchObject({ allowed: true, decidedBy: { layer: 'routing', kind: 'ServiceEntry', name: 'example' } });
  });

  test('the most specific DestinationRule applies, not the first one written (MostSpecificHostMatch)', () => {
    // GIVEN a namespace-wide rule written before the service's own, which defines the subset routed to
    const wide = destinationRule('all', 'shop', { host: '*.shop.svc.cluster.local' });
    const own = destinationRule('b', 'shop', { host: 'b', subsets: [{ name: 'v1', labels: { app: 'b' } }] });
    const vs = virtualService('b', 'shop', { hosts: ['b'], http: [{ route: [{ destination: { host: 'b', subset: 'v1' } }] }] });
    // THEN the request reaches subset v1 (the flows took the wildcard rule and found no subset)
    expect(evaluateFlow([...base, wide, own, vs], call('a', 'shop', 'b')).allowed).toBe(true);
  });

  test('a VirtualService exported to its own namespace only routes its own namespace\'s clients (exportTo was not read)', () => {
    // push_context.go: a sidecar sees the VirtualServices exported to its namespace.
    const vs = virtualService('b', 'shop', { hosts: ['b'], exportTo: ['.'], http: [{ redirect: { uri: '/elsewhere' } }] });
    expect(evaluateFlow([...base, vs], call('a', 'shop', 'b')).allowed).toBe(false);
    const v = evaluateFlow([...base, vs], call('c', 'other', 'b.shop'));
    expect(v.allowed).toBe(true);
    expect(v.hops.join(' | ')).not.toContain('VirtualService');
  });

  test('a DestinationRule not exported to the client\'s namespace does not apply to it', () => {
    // GIVEN a rule of the service's namespace, exported to it alone, that sends plaintext to a STRICT service
    const strict = peerAuthentication('default', 'shop', { mtls: { mode: 'STRICT' } });
    const plain = destinationRule('b', 'shop', { host: 'b', exportTo: ['.'], trafficPolicy: { tls: { mode: 'DISABLE' } } });
    // THEN it refuses the service's own namespace's client, and another namespace's client uses auto mTLS
    expect(evaluateFlow([...base, strict, plain], call('a', 'shop', 'b'))).toMatchObject({ allowed: false, decidedBy: { layer: 'mTLS' } });
    expect(evaluateFlow([...base, strict, plain], call('c', 'other', 'b.shop')).allowed).toBe(true);
  });
});

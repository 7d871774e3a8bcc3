// The model's indexes against naive scans of the same manifests, and its host lookups against
// istiod's rules (pilot/pkg/model/push_context.go destinationRule, httproute.go
// SelectVirtualServices, sidecar.go selectServices).
import * as fc from 'fast-check';
import { Manifest } from '../../../src/validate';
import { ClusterModel } from '../../../src/validate/model/cluster-model';
import { labelSelectorMatches, labelsSubsetOf } from '../../../src/validate/model/selectors';
import { deployment, destinationRule, service, virtualService } from '../flow/fixtures';

const NS = ['n1', 'n2'];
const labelMap = fc.dictionary(fc.constantFrom('app', 'tier'), fc.constantFrom('x', 'y'), { maxKeys: 2 });
const pods = fc.array(fc.record({ ns: fc.constantFrom(...NS), labels: labelMap }), { maxLength: 6 });

function podManifests(list: readonly { ns: string; labels: Record<string, string> }[]): Manifest[] {
  return list.map((p, i) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}`, namespace: p.ns, labels: p.labels }, spec: {} }));
}

describe('the model\'s indexes agree with a scan', () => {
  test('workloads matching a selector, in one namespace or any, in input order', () => {
    fc.assert(fc.property(pods, labelMap, fc.option(fc.constantFrom(...NS), { nil: undefined }), (list, sel, ns) => {
      const model = ClusterModel.of(podManifests(list));
      const naive = model.workloads.filter((w) => (ns === undefined || w.namespace === ns) && labelsSubsetOf(sel, w.labels));
      expect(model.workloadsMatching(ns, sel)).toEqual(naive);
    }));
  });

  test('the Services selecting a workload, in input order; a selector-less Service selects none', () => {
    const selectors = fc.array(fc.record({ ns: fc.constantFrom(...NS), selector: labelMap }), { maxLength: 4 });
    fc.assert(fc.property(pods, selectors, (list, svcs) => {
      const services = svcs.map((s, i) => ({
        apiVersion: 'v1', kind: 'Service', metadata: { name: `s${i}`, namespace: s.ns }, spec: { selector: s.selector },
      }));
      const model = ClusterModel.of([...podManifests(list), ...services]);
      for (const w of model.workloads) {
        const selects = (s: typeof services[number]) => Object.keys(s.spec.selector).length > 0 && labelsSubsetOf(s.spec.selector, w.labels);
        const naive = services.filter((s) => s.metadata.namespace === w.namespace && selects(s));
        expect(model.servicesSelecting(w).map((s) => s.manifest)).toEqual(naive);
      }
    }));
  });

  test('the policies selecting a set of labels, in input order, selector-less ones included', () => {
    const policies = fc.array(fc.record({ ns: fc.constantFrom(...NS), selector: fc.option(labelMap, { nil: undefined }) }), { maxLength: 5 });
    fc.assert(fc.property(policies, labelMap, fc.constantFrom(...NS), (list, labels, ns) => {
      const manifests = list.map((p, i) => ({
        apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: `a${i}`, namespace: p.ns },
        spec: p.selector ? { selector: { matchLabels: p.selector } } : {},
      }));
      const selectorOf = (m: Manifest) => m.spec?.selector;
      const naive = manifests.filter((m) => m.metadata.namespace === ns && labelSelectorMatches(selectorOf(m), labels));
      expect(ClusterModel.of(manifests).selecting('AuthorizationPolicy', ns, { ...labels }, selectorOf)).toEqual(naive);
    }));
  });

  test('the cluster after Flagger is the model itself without a Canary, and indexed once with one', () => {
    const model = ClusterModel.of([deployment('a', 'shop'), service('a', 'shop')]);
    expect(model.running()).toBe(model);
    const canary = {
      apiVersion: 'flagger.app/v1beta1', kind: 'Canary', metadata: { name: 'a', namespace: 'shop' },
      spec: { targetRef: { kind: 'Deployment', name: 'a' }, service: { port: 80 } },
    };
    const flagged = ClusterModel.of([deployment('a', 'shop'), service('a', 'shop'), canary]);
    expect(flagged.running()).toBe(flagged.running());
    // during an analysis the target runs the canary beside the primary Flagger created
    expect(flagged.running().workloadsNamed('a', 'shop').map((w) => w.manifest.metadata.name)).toEqual(['a', 'a-primary']);
  });
});

describe('host lookups as istiod makes them', () => {
  test('the DestinationRule of a host: the most specific of the client\'s namespace, not the first written', () => {
    // GIVEN a wildcard rule written before the service's own, both in the client's namespace
    const wild = destinationRule('all', 'shop', { host: '*.shop.svc.cluster.local' });
    const own = destinationRule('b', 'shop', { host: 'b' });
    const model = ClusterModel.of([wild, own]);
    // THEN MostSpecificHostMatch picks the exact host; another host gets the wildcard
    expect(model.hosts.destinationRuleFor('b.shop.svc.cluster.local', 'shop', 'shop', 'istio-system')).toBe(own);
    expect(model.hosts.destinationRuleFor('c.shop.svc.cluster.local', 'shop', 'shop', 'istio-system')).toBe(wild);
  });

  test('a DestinationRule of the service\'s namespace reaches another namespace\'s client only when exported to it', () => {
    const exported = destinationRule('b', 'shop', { host: 'b', exportTo: ['.', 'web'] });
    const model = ClusterModel.of([exported]);
    expect(model.hosts.destinationRuleFor('b.shop.svc.cluster.local', 'shop', 'web', 'istio-system')).toBe(exported);
    expect(model.hosts.destinationRuleFor('b.shop.svc.cluster.local', 'shop', 'other', 'istio-system')).toBeUndefined();
    // the client's own namespace's rule comes first, the root namespace's exported ones last
    const local = destinationRule('b-client', 'web', { host: 'b.shop.svc.cluster.local' });
    const root = destinationRule('mesh', 'istio-system', { host: '*.local' });
    const all = ClusterModel.of([root, exported, local]);
    expect(all.hosts.destinationRuleFor('b.shop.svc.cluster.local', 'shop', 'web', 'istio-system')).toBe(local);
    expect(all.hosts.destinationRuleFor('b.shop.svc.cluster.local', 'shop', 'other', 'istio-system')).toBe(root);
  });

  test('a DestinationRule host names its service as written: `B` is not `b`', () => {
    const upper = destinationRule('b', 'shop', { host: 'B' });
    expect(ClusterModel.of([upper]).hosts.destinationRuleFor('b.shop.svc.cluster.local', 'shop', 'shop', 'istio-system')).toBeUndefined();
  });

  test('the VirtualServices of a host: lower-cased, a wildcard on either side', () => {
    const upper = virtualService('b', 'shop', { hosts: ['B'] });
    const wild = virtualService('all', 'shop', { hosts: ['*.shop.svc.cluster.local'] });
    const model = ClusterModel.of([upper, wild]);
    expect(model.hosts.virtualServicesFor('b.shop.svc.cluster.local')).toEqual([upper, wild]);
    // a wildcard service host (a ServiceEntry's) overlaps the exact VirtualService host too
    expect(model.hosts.virtualServicesFor('*.svc.cluster.local')).toEqual([upper, wild]);
  });

  test('the ServiceEntry of a dialed name: a wildcard host covers it; the client\'s namespace\'s entry wins; exportTo counts', () => {
    const entry = (name: string, ns: string, spec: Manifest) => ({
      apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name, namespace: ns }, spec,
    });
    const wild = entry('wild', 'ext', { hosts: ['*.example.com'] });
    const mine = entry('mine', 'shop', { hosts: ['API.example.com'], exportTo: ['.'] });
    const model = ClusterModel.of([wild, mine]);
    expect(model.hosts.serviceEntryFor('api.example.com', 'shop')).toBe(mine);
    expect(model.hosts.serviceEntryFor('api.example.com', 'web')).toBe(wild);
    expect(model.hosts.serviceEntryFor('example.com', 'web')).toBeUndefined();
  });
});

describe('a name dialled from a pod, as its resolv.conf resolves it', () => {
  // A StatefulSet `db` of 2 pods behind the headless Service `db` in `shop`, and a Service `db-0` in a namespace `db`.
  const manifests: Manifest[] = [
    { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'shop' }, spec: { serviceName: 'db', replicas: 2 } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'shop' }, spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 5432 }] } },
    service('db-0', 'db'),
  ];
  const model = ClusterModel.of(manifests);

  test("`<pod>.<service>` is the caller's namespace's StatefulSet pod first: the search list comes before the name as written (ndots:5)", () => {
    expect(model.serviceForDialedHost('db-0.db', 'shop')?.fqdn).toBe('db.shop.svc.cluster.local');
    expect(model.serviceForDialedHost('DB-1.db', 'shop')?.fqdn).toBe('db.shop.svc.cluster.local');
  });

  test('elsewhere, or for a pod the StatefulSet does not run, it is the Service <name> of the namespace <service>', () => {
    expect(model.serviceForDialedHost('db-0.db', 'other')?.fqdn).toBe('db-0.db.svc.cluster.local');
    expect(model.serviceForDialedHost('db-2.db', 'shop')).toBeUndefined();
    expect(model.serviceForDialedHost('db-0.db.shop.svc.cluster.local', 'other')?.fqdn).toBe('db.shop.svc.cluster.local');
  });
});

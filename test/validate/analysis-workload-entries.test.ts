// MESH110 over a Service that selects WorkloadEntries: a subset only VMs match is no subset without endpoints, since istiod makes
// each WorkloadEntry a non-headless Service selects an endpoint of its host (istio/istio 1.24 pilot/pkg/serviceregistry/kube/
// controller/controller.go, serviceInstancesFromWorkloadInstances).
import { analyze } from '../../src/validate/analysis';
import { deployment, destinationRule, M, service, serviceAccount } from './fixtures';

function codes(manifests: M[]): string[] {
  return analyze(manifests).map((f) => `${f.code} ${f.resource.kind}/${f.resource.name} ${f.field}`).sort();
}

const vm = (ns = 'shop'): M => ({
  apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: { name: 'monolith-vm-a', namespace: ns },
  spec: { address: '10.30.0.5', labels: { app: 'monolith', version: 'vm' }, serviceAccount: 'monolith' },
});
const subsets = [{ name: 'stable', labels: { version: 'v1' } }, { name: 'vm', labels: { version: 'vm' } }];
const base = [service('monolith'), serviceAccount('monolith'), deployment('monolith'), destinationRule('monolith', subsets)];

describe('MESH110 and WorkloadEntries', () => {
  test('a subset only the VMs its Service selects match is not reported', () => {
    expect(codes([...base, vm()])).toEqual([]);
  });

  test('without the WorkloadEntry, in another namespace, or behind a headless Service, the subset matches nothing', () => {
    const finding = ['MESH110 DestinationRule/monolith spec.subsets[1].labels'];
    expect(codes(base)).toEqual(finding);
    expect(codes([...base, vm('other')])).toEqual(finding);
    const headless = { ...base[0], spec: { ...base[0].spec, clusterIP: 'None' } };
    expect(codes([headless, ...base.slice(1), vm()])).toEqual(finding);
  });
});

import { analyze } from '../../src/validate/analysis';
import { deployment, M, service } from './fixtures';

/**
 * MESH158: kube-proxy SNATs an outside client's connection to a pod on another node under externalTrafficPolicy Cluster
 * (https://kubernetes.io/docs/tutorials/services/source-ip/#source-ip-for-services-with-type-loadbalancer), so pods admitting
 * such clients by address alone see a node's address instead.
 */
function external(type: 'NodePort' | 'LoadBalancer', externalTrafficPolicy?: string, targetPort: number | string = 8080): M {
  const svc = service('web', [{ name: 'http', port: 80, targetPort }]);
  return { ...svc, spec: { ...svc.spec, type, ...(externalTrafficPolicy ? { externalTrafficPolicy } : {}) } };
}

function ingress(from: M[] | undefined, ports: M[] = [{ port: 8080, protocol: 'TCP' }]): M {
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'web', namespace: 'shop' },
    spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'], ingress: [{ ...(from ? { from } : {}), ports }] },
  };
}

const vpn = [{ ipBlock: { cidr: '10.200.0.0/16' } }];
const web = () => {
  const d = deployment('web');
  d.spec.template.spec.containers[0].ports = [{ name: 'http', containerPort: 8080 }];
  return d;
};
const found = (ms: M[]) => analyze(ms).filter((f) => f.code === 'MESH158').map((f) => `${f.resource.kind}/${f.resource.name} ${f.field} ${f.severity}`);

describe('MESH158: outside clients admitted by an address kube-proxy rewrites', () => {
  test('a LoadBalancer or NodePort Service without externalTrafficPolicy Local, its pods admitting clients by ipBlock only', () => {
    expect(found([web(), external('LoadBalancer'), ingress(vpn)])).toEqual(['Service/web spec.externalTrafficPolicy warning']);
    expect(found([web(), external('NodePort', 'Cluster'), ingress(vpn)])).toEqual(['Service/web spec.externalTrafficPolicy warning']);
    // A named target port is the container port of that name.
    expect(found([web(), external('LoadBalancer', undefined, 'http'), ingress(vpn, [{ port: 'http', protocol: 'TCP' }])]))
      .toEqual(['Service/web spec.externalTrafficPolicy warning']);
    const [f] = analyze([web(), external('LoadBalancer'), ingress(vpn)]).filter((x) => x.code === 'MESH158');
    expect(f.message).toMatch(/admit it from outside by address only \(10\.200\.0\.0\/16\), but externalTrafficPolicy is Cluster \(the default\)/);
  });

  test('Local keeps the address; pods open to every address, not isolated, or admitting no address: no finding', () => {
    expect(found([web(), external('LoadBalancer', 'Local'), ingress(vpn)])).toEqual([]);
    expect(found([web(), external('LoadBalancer'), ingress(undefined)])).toEqual([]);
    expect(found([web(), external('LoadBalancer'), ingress([{ ipBlock: { cidr: '0.0.0.0/0' } }])])).toEqual([]);
    expect(found([web(), external('LoadBalancer')])).toEqual([]);
    expect(found([web(), external('LoadBalancer'), ingress([{ podSelector: { matchLabels: { app: 'gw' } } }])])).toEqual([]);
    // Another port than the one the Service targets.
    expect(found([web(), external('LoadBalancer'), ingress(vpn, [{ port: 9090, protocol: 'TCP' }])])).toEqual([]);
    // A ClusterIP Service takes no traffic from outside.
    expect(found([web(), service('web'), ingress(vpn)])).toEqual([]);
  });
});

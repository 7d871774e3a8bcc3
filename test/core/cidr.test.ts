// The Cidr type stands for a peer's range wherever it is used (a load balancer's source ranges, an external service's addresses,
// the API server's endpoints), so its errors speak of any peer: https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/#IPBlock
import { Testing } from 'cdk8s';
import { Cidr, MeshApp, MeshChart, MeshService, ServiceType } from '../../src';

describe('Cidr', () => {
  test('a catch-all range is refused with a message for any peer, not only the API server', () => {
    const chart = new MeshChart(new MeshApp({ outdir: Testing.app().outdir }), 'test', { namespace: 'production' });
    const error = (() => {
      try {
        new MeshService(chart, 'web', { image: 'registry.example.com/web:1.0.0', service: { type: ServiceType.loadBalancer([Cidr.of('0.0.0.0/0')]) } });
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(error).toBe("'0.0.0.0/0' matches every address; name the peer's own range (a load balancer's clients, a provider's addresses, "
      + 'the API server\'s endpoints from kubectl get endpoints kubernetes) [MESH067]');
  });
});

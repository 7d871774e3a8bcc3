// MESH111 through VirtualService delegation: istiod merges a root rule that delegates with the delegate's rules
// (istio/istio pilot/pkg/model/virtualservice.go, mergeHTTPRoute: the delegate's retries win, the root's where it sets none), so
// a delegate's retries on 5xx behind a gateway route whose callers POST resend writes, though the delegate alone, a route of no
// gateway, serves no method a sidecar may send.
import { analyze } from '../../src/validate/analysis';
import { authorizationPolicy, deployment, M, service, serviceAccount } from './fixtures';

const GATEWAY = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';
const gateway: M = {
  apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'public', namespace: 'istio-system' },
  spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['shop/*'] }] },
};
const vs = (name: string, spec: M): M => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: 'shop' }, spec });
/** The gateway's route of /orders, delegating to orders-routes; `rootRetries` on the delegating rule. */
const root = (rootRetries?: M) => vs('shop', {
  hosts: ['shop.example.com'], gateways: ['istio-system/public'],
  http: [{ match: [{ uri: { prefix: '/orders' } }], ...(rootRetries ? { retries: rootRetries } : {}), delegate: { name: 'orders-routes' } }],
});
/** orders admits the gateway alone, with `methods`. */
const admits = (methods: string[]) => authorizationPolicy('orders', {
  selector: { matchLabels: { app: 'orders' } }, rules: [{ from: [{ source: { principals: [GATEWAY] } }], to: [{ operation: { methods } }] }],
});
const orders = [service('orders'), serviceAccount('orders'), deployment('orders'), gateway];
const retried = { attempts: 3, retryOn: '5xx,connect-failure' };
const found = (ms: M[]) => analyze(ms).filter((f) => f.code === 'MESH111').map((f) => `${f.resource.kind}/${f.resource.name} ${f.field}: ${f.message}`);

describe('MESH111 through a delegate VirtualService', () => {
  test("a hand-written delegate's retries on 5xx behind a gateway route serving POST, reported on the delegate's rule", () => {
    const delegate = vs('orders-routes', { http: [{ retries: retried, route: [{ destination: { host: 'orders' } }] }] });
    expect(found([...orders, admits(['GET', 'POST']), root(), delegate])).toEqual([
      'VirtualService/orders-routes spec.http[0].retries.retryOn: retries on 5xx for a route serving POST (shop/shop\'s spec.http[0] merged with '
        + "its delegate shop/orders-routes's spec.http[0]): a request the server acted on may be applied twice",
    ]);
    // The gateway's callers send GET alone: nothing resent twice.
    expect(found([...orders, admits(['GET']), root(), delegate])).toEqual([]);
    // Retries only of what never reached orders: nothing.
    const safe = vs('orders-routes', { http: [{ retries: { attempts: 3, retryOn: 'connect-failure,reset-before-request' }, route: [{ destination: { host: 'orders' } }] }] });
    expect(found([...orders, admits(['POST']), root(), safe])).toEqual([]);
  });

  test("the root rule's retries, which a delegate rule without its own takes, are reported on the root; the delegate's own win", () => {
    const plain = vs('orders-routes', { http: [{ route: [{ destination: { host: 'orders' } }] }] });
    expect(found([...orders, admits(['POST']), root(retried), plain]))
      .toEqual([expect.stringMatching(/^VirtualService\/shop spec\.http\[0\]\.retries\.retryOn: retries on 5xx for a route serving POST /)]);
    const own = vs('orders-routes', { http: [{ retries: { attempts: 2, retryOn: 'connect-failure' }, route: [{ destination: { host: 'orders' } }] }] });
    expect(found([...orders, admits(['POST']), root(retried), own])).toEqual([]);
  });

  test("Flagger's delegate (service.delegation) in the cluster it runs, reported on the Canary's service.retries", () => {
    const canary: M = {
      apiVersion: 'flagger.app/v1beta1', kind: 'Canary', metadata: { name: 'orders', namespace: 'shop' },
      spec: {
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'orders-v1' },
        service: { name: 'orders-routes', port: 80, targetPort: 8080, delegation: true, retries: retried },
        analysis: { interval: '1m', threshold: 5, stepWeight: 10, maxWeight: 50 },
      },
    };
    const manifests = [serviceAccount('orders'), deployment('orders'), gateway, admits(['POST']), root(), canary];
    expect(found(manifests)).toEqual([expect.stringMatching(
      /^Canary\/orders spec\.service\.retries\.retryOn: retries on 5xx for a route serving POST \(shop\/shop's spec\.http\[0\] merged with its delegate shop\/orders-routes's/)]);
    const unretried = { ...canary, spec: { ...canary.spec, service: { ...canary.spec.service, retries: undefined } } };
    expect(found([...manifests.filter((m) => m !== canary), unretried])).toEqual([]);
  });
});

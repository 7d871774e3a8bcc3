import { buildBookinfo } from '../../src/app/bookinfo/bookinfo';
import { BookinfoEnvironment, BOOKINFO_ENVIRONMENTS, RatingsFault, ReviewsRouting } from '../../src/app/bookinfo/environments';
import { MeshApp } from '../../src';
import { find, synth } from '../util';

/*
 * The expected values are those of Istio's samples/bookinfo/networking/*.yaml
 * (github.com/istio/istio, commit 86c9f01fd735fb01d8192f5bcaf0d424afb7f14c), written out here.
 */

function bookinfo(reviews: ReviewsRouting, ratingsFault: RatingsFault) {
  const app = new MeshApp();
  const env: BookinfoEnvironment = { name: 'bookinfo', namespace: 'bookinfo', host: 'bookinfo.example.com', reviews, ratingsFault };
  buildBookinfo(app, env);
  return synth(app);
}

/**
 * A VirtualService's spec as the samples write it: Istio sends all of a route's traffic
 * to a lone destination, so its `weight: 100` is the samples' absent weight
 * (https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRouteDestination).
 */
function asSample(spec: Record<string, any>): Record<string, any> {
  return {
    ...spec,
    http: spec.http.map((r: any) => ({
      ...r,
      route: r.route.length === 1 && r.route[0].weight === 100 ? [{ destination: r.route[0].destination }] : r.route,
    })),
  };
}

const v1 = (host: string) => ({ route: [{ destination: { host, subset: 'v1' } }] });
const jason = { headers: { 'end-user': { exact: 'jason' } } };

describe('Bookinfo against Istio\'s samples/bookinfo/networking', () => {
  test('virtual-service-all-v1.yaml: every service to v1', () => {
    const m = bookinfo('all-v1', 'none');
    for (const host of ['productpage', 'reviews', 'ratings', 'details']) {
      expect(asSample(find(m, 'VirtualService', host).spec)).toEqual({ hosts: [host], http: [v1(host)] });
    }
  });

  test('virtual-service-reviews-v2-v3.yaml: reviews v2 and v3 at 50 each', () => {
    expect(asSample(find(bookinfo('v2-v3', 'none'), 'VirtualService', 'reviews').spec)).toEqual({
      hosts: ['reviews'],
      http: [{ route: [{ destination: { host: 'reviews', subset: 'v2' }, weight: 50 }, { destination: { host: 'reviews', subset: 'v3' }, weight: 50 }] }],
    });
  });

  test('virtual-service-reviews-test-v2.yaml: end-user jason to v2, everyone else to v1', () => {
    expect(asSample(find(bookinfo('test-v2', 'none'), 'VirtualService', 'reviews').spec)).toEqual({
      hosts: ['reviews'],
      http: [{ match: [jason], route: [{ destination: { host: 'reviews', subset: 'v2' } }] }, v1('reviews')],
    });
  });

  test('virtual-service-ratings-test-delay.yaml: a 7s delay for jason only', () => {
    expect(asSample(find(bookinfo('test-v2', 'delay'), 'VirtualService', 'ratings').spec)).toEqual({
      hosts: ['ratings'],
      http: [
        { match: [jason], fault: { delay: { percentage: { value: 100 }, fixedDelay: '7s' } }, ...v1('ratings') },
        v1('ratings'),
      ],
    });
  });

  test('virtual-service-ratings-test-abort.yaml: HTTP 500 for jason only', () => {
    expect(asSample(find(bookinfo('test-v2', 'abort'), 'VirtualService', 'ratings').spec)).toEqual({
      hosts: ['ratings'],
      http: [
        { match: [jason], fault: { abort: { percentage: { value: 100 }, httpStatus: 500 } }, ...v1('ratings') },
        v1('ratings'),
      ],
    });
  });

  test('destination-rule-all-mtls.yaml: ISTIO_MUTUAL and a subset per deployed version', () => {
    const m = bookinfo('all-v1', 'none');
    const subsets = (...versions: string[]) => versions.map((v) => ({ name: v, labels: { version: v } }));
    // The sample also lists ratings v2, v2-mysql, v2-mysql-vm and details v2, which Bookinfo's
    // bookinfo.yaml does not deploy; a subset without pods is MESH110, so only deployed versions are subsets.
    for (const [host, versions] of [['productpage', ['v1']], ['reviews', ['v1', 'v2', 'v3']], ['ratings', ['v1']], ['details', ['v1']]] as const) {
      expect(find(m, 'DestinationRule', host).spec).toEqual({ host, trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } }, subsets: subsets(...versions) });
    }
  });

  test("bookinfo-gateway.yaml: the Gateway and its five uri matches to productpage:9080, under the environment's host", () => {
    // The sample's `*` becomes the environment's host: three environments share the one ingress gateway (MESH120).
    const m = bookinfo('all-v1', 'none');
    expect(find(m, 'Gateway', 'bookinfo-gateway').spec).toEqual({
      selector: { istio: 'ingressgateway' },
      servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['bookinfo.example.com'] }],
    });
    expect(find(m, 'VirtualService', 'bookinfo').spec).toEqual({
      hosts: ['bookinfo.example.com'],
      gateways: ['bookinfo-gateway'],
      http: [{
        match: [
          { uri: { exact: '/productpage' } },
          { uri: { prefix: '/static' } },
          { uri: { exact: '/login' } },
          { uri: { exact: '/logout' } },
          { uri: { prefix: '/api/v1/products' } },
        ],
        // Not in the sample: productpage's own default route (subset v1), which Istio does not apply at the gateway.
        route: [{ destination: { host: 'productpage', subset: 'v1', port: { number: 9080 } }, weight: 100 }],
        // Not in the sample: an edge route retries only what never reached productpage (Istio's default retries 503 too).
        retries: { attempts: 2, retryOn: 'reset-before-request,connect-failure' },
      }],
    });
  });
});

describe('Bookinfo workloads and security', () => {
  const m = bookinfo('v2-v3', 'none');

  test('reviews v1, v2 and v3 run as the open-liberty image needs: its user, and writable output and configDropins/defaults', () => {
    for (const [name, image] of [['reviews', 'reviews-v1'], ['reviews-v2', 'reviews-v2'], ['reviews-v3', 'reviews-v3']]) {
      const pod = find(m, 'Deployment', name).spec.template.spec;
      const c = pod.containers[0];
      expect(c.image).toBe(`registry.istio.io/release/examples-bookinfo-${image}:1.20.3`);
      // samples/bookinfo/src/reviews/Dockerfile: `USER 1001`; OpenLiberty/ci.docker's kernel-slim Dockerfile.ubuntu.openjdk17:
      // `useradd -u 1001 -r -g 0`, /opt/ol/wlp owned 1001:0 and group-writable.
      expect(pod.securityContext).toMatchObject({ runAsUser: 1001, runAsGroup: 0, fsGroup: 0, runAsNonRoot: true });
      expect(c.securityContext).toMatchObject({ runAsUser: 1001, runAsGroup: 0, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      // WLP_OUTPUT_DIR=/opt/ol/wlp/output takes Liberty's workarea and logs; the entrypoint (helpers/runtime/docker-server.sh,
      // set -e) writes configDropins/defaults/keystore.xml under /config = /opt/ol/wlp/usr/servers/defaultServer; RANDFILE=/tmp/.rnd.
      // bookinfo.yaml's /opt/ibm/wlp/output is the websphere-liberty image's path, which this image does not read.
      expect(c.volumeMounts).toEqual([
        { mountPath: '/tmp', name: 'tmp' },
        { mountPath: '/opt/ol/wlp/output', name: 'wlp-output', readOnly: false },
        { mountPath: '/opt/ol/wlp/usr/servers/defaultServer/configDropins/defaults', name: 'config-defaults', readOnly: false },
      ]);
      expect(pod.volumes).toEqual([{ emptyDir: {}, name: 'tmp' }, { emptyDir: {}, name: 'wlp-output' }, { emptyDir: {}, name: 'config-defaults' }]);
      expect(c.env).toContainEqual({ name: 'LOG_DIR', value: '/tmp/logs' });
      expect(c.env).toContainEqual({ name: 'RATINGS_HOSTNAME', value: 'ratings.bookinfo.svc.cluster.local' });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/health', port: 9080, scheme: 'HTTP' });
      // No loosening: nothing of the image needs one.
      expect(Object.keys(find(m, 'Deployment', name).spec.template.metadata.annotations ?? {})).toEqual([]);
    }
  });

  test('the ingress gateway reaches productpage on the gateway\'s paths only, as its principal, not all of istio-system; calls are declared edges', () => {
    const rules = find(m, 'AuthorizationPolicy', 'productpage-policy').spec.rules;
    expect(rules[0]).toEqual({
      from: [{ source: { principals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'] } }],
      to: [{ operation: { paths: ['/api/v1/products*', '/login', '/logout', '/productpage', '/static*'] } }],
    });
    expect(JSON.stringify(rules)).not.toContain('namespaces');
    expect(find(m, 'NetworkPolicy', 'productpage').spec.ingress[0].from[0]).toEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } },
      // The platform's gateway pods as their Service selects them.
      podSelector: { matchLabels: { app: 'istio-ingressgateway', istio: 'ingressgateway' } },
    });
    const ratingsRules = find(m, 'AuthorizationPolicy', 'ratings-policy').spec.rules;
    expect(ratingsRules[0]).toEqual({ from: [{ source: { principals: ['cluster.local/ns/bookinfo/sa/reviews'] } }], to: [{ operation: { methods: ['GET'] } }] });
  });

  test('each environment selects its routes', () => {
    expect(BOOKINFO_ENVIRONMENTS.map((e) => [e.name, e.reviews, e.ratingsFault])).toEqual([
      ['bookinfo-dev', 'test-v2', 'delay'], ['bookinfo-staging', 'test-v2', 'abort'], ['bookinfo', 'v2-v3', 'none'],
    ]);
  });
});

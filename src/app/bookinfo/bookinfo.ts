import { Duration, Size } from 'cdk8s';
import { Construct } from 'constructs';
import {
  EdgeGateway, EnvVarValue, GatewayRoute, HealthProbe, HttpMatchOptions, MeshChart, MeshService, MeshServiceProps,
  ObservabilityStack, Percentage, StringMatch, Tier, TierDefaults, Weight, WorkloadVolume,
} from '../../index';
import { BookinfoEnvironment } from './environments';

/** Istio's Bookinfo in one environment. */
export interface Bookinfo {
  readonly chart: MeshChart;
  readonly productpage: MeshService;
  readonly details: MeshService;
  readonly reviews: MeshService;
  readonly ratings: MeshService;
  readonly gateway: EdgeGateway;
  /** The gateway's route to productpage, under the sample's five paths. */
  readonly productpageRoute: GatewayRoute;
}

/** The images of Istio's samples/bookinfo/platform/kube/bookinfo.yaml. */
const IMAGE = (name: string) => `registry.istio.io/release/examples-bookinfo-${name}:1.20.3`;

/**
 * The tier Bookinfo's services use: no timeout, retries or circuit breaking of the
 * library's own, so that the VirtualServices and DestinationRules are exactly those
 * of Istio's samples/bookinfo/networking (which leave them to Istio's defaults).
 */
export const SAMPLE_TIER = Tier.named('istio-sample');

/**
 * The pod the reviews image needs. Istio's samples/bookinfo/src/reviews/Dockerfile builds it
 * `FROM open-liberty:24.0.0.12-kernel-slim-java17-openj9` and runs it as `USER 1001`. That
 * image (OpenLiberty/ci.docker releases/24.0.0.12/kernel-slim/Dockerfile.ubuntu.openjdk17)
 * makes UID 1001 with primary group 0 (`useradd -u 1001 -r -g 0`), owns /opt/ol/wlp 1001:0
 * group-writable, sets WLP_OUTPUT_DIR=/opt/ol/wlp/output (where Liberty writes its workarea,
 * logs and resources at run time) and RANDFILE=/tmp/.rnd; its entrypoint
 * (helpers/runtime/docker-server.sh, `set -e`) writes configDropins/defaults/keystore.xml
 * under /config, which is /opt/ol/wlp/usr/servers/defaultServer, on every start. Under a
 * read-only root those two directories are emptyDirs (the reviews server.xml sets its own
 * httpEndpoint, so the image's open-default-port.xml there is not missed); /tmp is the
 * library's. bookinfo.yaml's emptyDir at /opt/ibm/wlp/output is the older websphere-liberty
 * image's path, which this image no longer reads.
 */
export const OPEN_LIBERTY_POD: Pick<MeshServiceProps, 'podSecurity' | 'volumes' | 'mounts'> = {
  podSecurity: { runAsUser: 1001, runAsGroup: 0 },
  volumes: [WorkloadVolume.emptyDir('wlp-output'), WorkloadVolume.emptyDir('config-defaults')],
  mounts: [
    { volume: 'wlp-output', path: '/opt/ol/wlp/output' },
    { volume: 'config-defaults', path: '/opt/ol/wlp/usr/servers/defaultServer/configDropins/defaults' },
  ],
};

/** The user Istio's tasks route and fault by (`end-user: jason`, set by productpage after login). */
const JASON: HttpMatchOptions[] = [{ headers: { 'end-user': StringMatch.exact('jason') } }];

/**
 * Istio's Bookinfo (https://istio.io/latest/docs/examples/bookinfo/) written with the
 * library: productpage, details, reviews v1/v2/v3 and ratings on port 9080, the
 * bookinfo gateway with its five paths to productpage, and the routes of Istio's
 * samples/bookinfo/networking selected by `env`.
 */
export function buildBookinfo(scope: Construct, env: BookinfoEnvironment): Bookinfo {
  const chart = new MeshChart(scope, env.name, { namespace: env.namespace, environment: env.name, partOf: 'bookinfo' });
  new TierDefaults(chart, 'TierDefaults', { tiers: { [SAMPLE_TIER.name]: {} } });

  const common: Omit<MeshServiceProps, 'image'> = {
    tier: SAMPLE_TIER,
    version: 'v1',
    subset: 'v1',
    replicas: 1,
    ports: [{ port: 9080, protocol: 'http' }],
    imagePullPolicy: 'IfNotPresent',
    // Every Bookinfo service answers GET /health, with no /ready or /live below it.
    probes: { readiness: HealthProbe.http('/health'), liveness: HealthProbe.http('/health', { initialDelay: Duration.seconds(10) }) },
  };
  const details = new MeshService(chart, 'details', { ...common, image: IMAGE('details-v1') });
  const ratings = new MeshService(chart, 'ratings', { ...common, image: IMAGE('ratings-v1') });
  const reviews = new MeshService(chart, 'reviews', {
    ...common,
    image: IMAGE('reviews-v1'),
    ...OPEN_LIBERTY_POD,
    // bookinfo.yaml's: Liberty's logs in the writable /tmp.
    env: { LOG_DIR: EnvVarValue.of('/tmp/logs') },
    // Liberty's JVM needs more than the library's default 512Mi limit.
    resources: { memoryLimit: Size.mebibytes(1024) },
  });
  reviews.addVersion({ name: 'v2', image: IMAGE('reviews-v2') });
  reviews.addVersion({ name: 'v3', image: IMAGE('reviews-v3') });
  const productpage = new MeshService(chart, 'productpage', {
    ...common,
    image: IMAGE('productpage-v1'),
    // bookinfo.yaml's Prometheus annotations: productpage serves its own metrics at :9080/metrics.
    metrics: { port: 9080, path: '/metrics' },
  });

  // The calls, and the addresses the code reads (productpage.py and reviews' LibertyRestEndpoint).
  productpage.calls(details, { methods: ['GET'], addressEnv: { name: 'DETAILS_HOSTNAME', form: 'host' } });
  productpage.calls(reviews, { methods: ['GET'], addressEnv: { name: 'REVIEWS_HOSTNAME', form: 'host' } });
  reviews.calls(ratings, { methods: ['GET'], addressEnv: { name: 'RATINGS_HOSTNAME', form: 'host' } });

  sampleRoutes(env, reviews, ratings);
  const { gateway, productpageRoute } = bookinfoGateway(chart, env, productpage);
  // Scraped, alerted on and traced like the other apps: Istio's metrics and tracing tasks read
  // Bookinfo's telemetry, which kube-prometheus-stack collects only through a PodMonitor. No
  // PodDisruptionBudget or zone spread: the sample runs one pod per version.
  new ObservabilityStack(chart, 'observability');
  return { chart, productpage, details, reviews, ratings, gateway, productpageRoute };
}

/** The environment's routing tasks of Istio's samples: reviews' split or Jason's test route, ratings' fault for Jason. */
function sampleRoutes(env: BookinfoEnvironment, reviews: MeshService, ratings: MeshService): void {
  // samples/bookinfo/networking/virtual-service-reviews-*.yaml
  if (env.reviews === 'v2-v3') {
    reviews.setSplit([{ subset: 'v2', weight: Weight.percent(50) }, { subset: 'v3', weight: Weight.percent(50) }]);
  } else if (env.reviews === 'test-v2') {
    reviews.addRoute({ match: JASON, destinations: [{ subset: 'v2' }] });
  }
  // samples/bookinfo/networking/virtual-service-ratings-test-{delay,abort}.yaml
  if (env.ratingsFault !== 'none') {
    const all = Percentage.of(100);
    ratings.addRoute({
      match: JASON,
      destinations: [{ subset: 'v1' }],
      fault:
        env.ratingsFault === 'delay'
          ? { delay: { fixedDelay: Duration.seconds(7), percentage: all } }
          : { abort: { httpStatus: 500, percentage: all } },
    });
  }

}

/** The gateway and its routes to productpage, as the sample's bookinfo-gateway.yaml under the environment's host. */
function bookinfoGateway(
  chart: MeshChart, env: BookinfoEnvironment, productpage: MeshService,
): { gateway: EdgeGateway; productpageRoute: GatewayRoute } {
  // samples/bookinfo/networking/bookinfo-gateway.yaml, under the environment's own host (the
  // sample's `*` is fine for one Bookinfo on a gateway, not for three on the one gateway), on the
  // gateway pods' HTTP port: 8080 on istioctl's gateway (the sample's), 80 on the istio/gateway chart's.
  const gateway = new EdgeGateway(chart, 'bookinfo-gateway', {
    servers: [{ port: { number: chart.platform.ingressGateway.httpPort, name: 'http', protocol: 'HTTP' }, hosts: [env.host] }],
  });
  // The sample's VirtualService is named `bookinfo`, after the app rather than the gateway.
  const productpageRoute = gateway.route(productpage, {
    match: [
      { uri: StringMatch.exact('/productpage') },
      { uri: StringMatch.prefix('/static') },
      { uri: StringMatch.exact('/login') },
      { uri: StringMatch.exact('/logout') },
      { uri: StringMatch.prefix('/api/v1/products') },
    ],
    port: 9080,
    virtualServiceName: 'bookinfo',
  });
  // Istio's sample as it is: the gateway listens on the pods' HTTP port, which the platform's
  // gateway Service maps from 80 (synth's analysis knows that mapping). The sample routes to productpage
  // without a subset; the library's route writes productpage's own default route (subset v1) instead.
  return { gateway, productpageRoute };
}

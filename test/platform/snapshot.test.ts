import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import {
  Cidr, Codes, IngressGatewayInstall, MeshApp, MeshError, MeshPlatform, MeshPlatformProps, PrometheusInstall, TracingCollectorInstall,
} from '../../src';

/**
 * MeshPlatform.fromManifests over snapshots of each preset's install, as its chart or operator
 * creates it (test/fixtures/platform/, each citing its source): read back, they are the
 * preset's platform; and the bad input of issue 23 (not a snapshot, a component missing, a
 * preset contradicted) is a coded error naming the file, the component and both values.
 */
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'platform');
const fixture = (name: string) => path.join(FIXTURES, `${name}.yaml`);
const objects = (name: string): Record<string, any>[] => YAML.parse(fs.readFileSync(fixture(name), 'utf8')).items;

/** The files of the seeds' platform, each component's install swapped for `swap`. */
function files(swap: Partial<Record<'gateway' | 'tracing' | 'prometheus', string>> = {}): string[] {
  return ['istiod', swap.gateway ?? 'gateway-istioctl', swap.prometheus ?? 'kube-prometheus-stack', swap.tracing ?? 'jaeger-operator', 'flagger'].map(
    fixture,
  );
}

/**
 * `read` is `expected`: every field equal, but the pods' labels, where the snapshot may add
 * labels the preset does not name (the install's version, the Helm chart's), and the
 * description of what installed the component.
 */
function expectSame(read: MeshPlatform, expected: MeshPlatform): void {
  const strip = (p: MeshPlatform) => {
    const c = (x: object) => Object.fromEntries(Object.entries(x).filter(([k]) => k !== 'podLabels' && k !== 'istiodLabels' && k !== 'installedBy'));
    return {
      trustDomain: p.trustDomain, istio: c(p.istio), ingressGateway: c(p.ingressGateway), prometheus: c(p.prometheus), tracing: c(p.tracing),
      rateLimit: c(p.rateLimit), flagger: c(p.flagger),
    };
  };
  expect(strip(read)).toEqual(strip(expected));
  expect(read.istio.istiodLabels).toMatchObject(expected.istio.istiodLabels);
  expect(read.ingressGateway.podLabels).toMatchObject(expected.ingressGateway.podLabels);
  expect(read.prometheus.podLabels).toMatchObject(expected.prometheus.podLabels);
  expect(read.tracing.podLabels).toMatchObject(expected.tracing.podLabels);
  expect(read.flagger.podLabels).toMatchObject(expected.flagger.podLabels);
}

const error = (fn: () => unknown): MeshError => {
  try {
    fn();
  } catch (e) {
    return e as MeshError;
  }
  throw new Error('expected an error');
};

describe('a snapshot of each install reads back to its preset', () => {
  test("the seeds' platform: istioctl's istiod and gateway, kube-prometheus-stack, the Jaeger operator's collector, Flagger", () => {
    const read = MeshPlatform.fromManifests(files());
    expectSame(read, MeshPlatform.default());
    // What only the snapshot knows: the install's version labels, and Flagger's Prometheus from its -metrics-server argument.
    expect(read.ingressGateway.podLabels).toMatchObject({ 'app.kubernetes.io/version': '1.24.6', 'helm.sh/chart': 'istio-ingress-1.24.6' });
    expect(read.flagger.prometheusAddress).toBe('http://prometheus-operated.observability.svc.cluster.local:9090');
    expect(read.prometheus.selectorLabels).toEqual({ release: 'kube-prometheus-stack' });
  });

  const presets: [string, MeshPlatformProps, Parameters<typeof files>[0], MeshPlatformProps][] = [
    ['IngressGatewayInstall.istioctl()', { ingressGateway: IngressGatewayInstall.istioctl() }, {}, {}],
    [
      'IngressGatewayInstall.helmChart',
      { ingressGateway: IngressGatewayInstall.helmChart({ release: 'istio-ingress', namespace: 'istio-ingress' }) },
      { gateway: 'gateway-helm' },
      { ingressGateway: { name: 'istio-ingress', namespace: 'istio-ingress' } },
    ],
    ['TracingCollectorInstall.jaegerOperator()', { tracing: TracingCollectorInstall.jaegerOperator() }, {}, {}],
    [
      "TracingCollectorInstall.jaegerOperator({ strategy: 'allInOne' })",
      { tracing: TracingCollectorInstall.jaegerOperator({ strategy: 'allInOne' }) },
      { tracing: 'jaeger-operator-allinone' },
      {},
    ],
    [
      'TracingCollectorInstall.jaegerHelmChart',
      { tracing: TracingCollectorInstall.jaegerHelmChart({ release: 'jaeger', namespace: 'observability' }) },
      { tracing: 'jaeger-helm' },
      { tracing: { serviceName: 'jaeger' } },
    ],
    [
      'TracingCollectorInstall.istioJaegerAddon()',
      { tracing: TracingCollectorInstall.istioJaegerAddon() },
      { tracing: 'jaeger-addon' },
      { tracing: { serviceName: 'zipkin', namespace: 'istio-system' } },
    ],
    [
      "TracingCollectorInstall.istioJaegerAddon({ protocol: 'opentelemetry' })",
      { tracing: TracingCollectorInstall.istioJaegerAddon({ protocol: 'opentelemetry' }) },
      { tracing: 'jaeger-addon' },
      { tracing: { serviceName: 'jaeger-collector', namespace: 'istio-system', protocol: 'opentelemetry' } },
    ],
    [
      'TracingCollectorInstall.openTelemetryCollector',
      { tracing: TracingCollectorInstall.openTelemetryCollector({ release: 'otel', namespace: 'observability' }) },
      { tracing: 'otel-collector' },
      { tracing: { serviceName: 'otel-opentelemetry-collector', protocol: 'opentelemetry', providerName: 'otel-tracing' } },
    ],
    ['PrometheusInstall.kubePrometheusStack()', { prometheus: PrometheusInstall.kubePrometheusStack() }, {}, {}],
  ];

  test.each(presets)('%s: read with the preset, the snapshot agrees with it', (_name, preset, swap) => {
    expectSame(MeshPlatform.fromManifests(files(swap), { presets: preset }), MeshPlatform.of(preset));
  });

  test.each(presets)('%s: told only where it runs, the snapshot gives every value the preset has', (_name, preset, swap, where) => {
    expectSame(MeshPlatform.fromManifests(files(swap), { presets: where }), MeshPlatform.of(preset));
  });

  test("the platform's Gateways are the presets' (a snapshot of pods and Services holds none), on the gateway the snapshot shows", () => {
    const gateways = [{ name: 'public', servers: [{ port: 443, protocol: 'HTTPS' as const, hosts: ['*.example.com'], credentialName: 'wildcard' }] }];
    const read = MeshPlatform.fromManifests(files(), { presets: { gateways } });
    expect(read.gateways).toEqual([{ name: 'public', namespace: 'istio-system', selector: { istio: 'ingressgateway' }, servers: gateways[0].servers }]);
  });

  test("the API server's endpoints, from Endpoints or from EndpointSlices alone", () => {
    const read = MeshPlatform.fromManifests([...files(), fixture('api-server')]);
    expect(read.apiServer).toMatchObject({ endpoints: [Cidr.of('10.240.0.10/32'), Cidr.of('10.240.0.11/32')], ports: [6443] });
    const slicesOnly = objects('api-server').filter((o) => o.kind !== 'Endpoints');
    const fromSlices = MeshPlatform.fromManifests([...files().flatMap((f) => YAML.parse(fs.readFileSync(f, 'utf8')).items), ...slicesOnly]);
    expect(fromSlices.apiServer.endpoints.map(String)).toEqual(['10.240.0.10/32', '10.240.0.11/32']);
    // Without them, the platform's own (none known by default).
    expect(MeshPlatform.fromManifests(files()).apiServer.endpoints).toEqual([]);
  });

  test('the rate-limit service, where the platform gives it a namespace: its Service selector and gRPC port', () => {
    const ratelimit = [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'ratelimit', namespace: 'shared' },
        spec: {
          template: {
            metadata: { labels: { 'app.kubernetes.io/name': 'ratelimit', 'pod-template-hash': 'x' } },
            spec: { containers: [{ name: 'ratelimit' }] },
          },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'ratelimit', namespace: 'shared' },
        spec: {
          selector: { 'app.kubernetes.io/name': 'ratelimit' },
          ports: [
            { name: 'http', port: 8080 },
            { name: 'grpc-ratelimit', port: 8081 },
          ],
        },
      },
    ];
    const all = [...files().flatMap((f) => YAML.parse(fs.readFileSync(f, 'utf8')).items), ...ratelimit];
    const read = MeshPlatform.fromManifests(all, { presets: { rateLimit: { namespace: 'shared' } } });
    expect(read.rateLimit).toEqual({ name: 'ratelimit', namespace: 'shared', grpcPort: 8081, podLabels: { 'app.kubernetes.io/name': 'ratelimit' } });
  });

  test('pods selected by their Service, whatever other labels they carry: a peer from the snapshot cannot miss them', () => {
    // GIVEN the operator's collector whose pods carry one more label, and a sidecar-less query pod the Service does not select
    const collector = objects('jaeger-operator').map((o) =>
      o.kind === 'Deployment'
        ? {
            ...o,
            spec: {
              ...o.spec,
              template: { ...o.spec.template, metadata: { labels: { ...o.spec.template.metadata.labels, team: 'observability' } } },
            },
          }
        : o,
    );
    const all = [
      ...files()
        .filter((f) => !f.endsWith('jaeger-operator.yaml'))
        .flatMap((f) => YAML.parse(fs.readFileSync(f, 'utf8')).items),
      ...collector,
    ];
    const read = MeshPlatform.fromManifests(all);
    // THEN the peer is the Service's selector, and the flow workload carries every label of the pods
    expect(read.tracing.serviceSelector).toEqual(MeshPlatform.default().tracing.serviceSelector);
    expect(read.tracingWorkload().labels).toMatchObject({ team: 'observability' });
  });

  test('a Service whose port targets another pod port: NetworkPolicy egress and the flow use the pod port', () => {
    const collector = objects('jaeger-operator').map((o) => (o.kind === 'Service' && o.metadata.name === 'jaeger-collector'
      ? { ...o, spec: { ...o.spec, ports: [{ name: 'http-zipkin', port: 9411, targetPort: 'zipkin-alt' }] } }
      : o.kind === 'Deployment' ? { ...o, spec: { ...o.spec, template: { ...o.spec.template, spec: { ...o.spec.template.spec,
        containers: [{ name: 'jaeger-collector', ports: [{ name: 'zipkin-alt', containerPort: 19411 }] }] } } } } : o));
    const all = [
      ...files()
        .filter((f) => !f.endsWith('jaeger-operator.yaml'))
        .flatMap((f) => YAML.parse(fs.readFileSync(f, 'utf8')).items),
      ...collector,
    ];
    const read = MeshPlatform.fromManifests(all);
    expect(read.tracing).toMatchObject({ port: 9411, targetPort: 19411 });
    expect(read.tracingWorkload()).toMatchObject({ ports: { zipkin: 19411 }, targetPorts: { 9411: 19411 } });
  });
});

describe('bad input: a coded error naming the file, the component and both values', () => {
  test('a file that is not a snapshot (MESH080): a chart\'s output, or a map', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snapshot-'));
    const vs = path.join(dir, 'virtualservice.yaml');
    fs.writeFileSync(vs, 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: x, namespace: y }\nspec: { hosts: [x] }\n');
    const e = error(() => MeshPlatform.fromManifests([...files(), vs]));
    expect(e.code).toBe(Codes.PLATFORM_NOT_A_SNAPSHOT);
    expect(e.message).toContain(`${vs}: not a snapshot of the cluster: it holds no Deployment, StatefulSet, DaemonSet, Service`);
    expect(error(() => MeshPlatform.fromManifests([{ trustDomain: 'x' }])).message).toMatch(
      /^the manifests: not a snapshot of the cluster.*\[MESH080\]$/,
    );
    expect(error(() => MeshPlatform.fromManifests([])).code).toBe(Codes.PLATFORM_NOT_A_SNAPSHOT);
    // A file that is not YAML at all is the reader's MESH156, naming it.
    const binary = path.join(dir, 'binary.yaml');
    fs.writeFileSync(binary, Buffer.from([0, 1, 2, 3]));
    expect(error(() => MeshPlatform.fromManifests([binary]))).toMatchObject({
      code: Codes.UNPARSABLE_MANIFEST,
      message: expect.stringContaining(binary),
    });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test.each([
    ['Flagger', files().filter((f) => !f.endsWith('flagger.yaml')), {}, 'the snapshot lacks Flagger: no Deployment istio-system/flagger'],
    [
      'the collector',
      files().filter((f) => !f.endsWith('jaeger-operator.yaml')),
      {},
      'the snapshot lacks the tracing collector: no Service observability/jaeger-collector',
    ],
    [
      "the gateway where the default says (a Helm gateway's snapshot, its Service not named)",
      files({ gateway: 'gateway-helm' }),
      {},
      "the snapshot lacks the ingress gateway: no Service istio-system/istio-ingressgateway (the platform's ingressGateway.name and ingressGateway.namespace; Services in istio-system: istiod)",
    ],
    ['the API server, when required', files(), { components: ['apiServer'] }, "the snapshot lacks the API server's endpoints"],
  ] as const)('a component the snapshot lacks (MESH081): %s', (_name, given, options, message) => {
    const e = error(() => MeshPlatform.fromManifests(given, options));
    expect(e.code).toBe(Codes.PLATFORM_COMPONENT_MISSING);
    expect(e.message).toContain(message);
    expect(e.message).toContain(given[0]);
  });

  test('a component not required and not in the snapshot is the presets\' (components)', () => {
    const read = MeshPlatform.fromManifests([fixture('istiod')], {
      components: ['istiod'],
      presets: { tracing: TracingCollectorInstall.istioJaegerAddon() },
    });
    expect(read.tracing.serviceName).toBe('zipkin');
    expect(read.istio.istiodLabels).toMatchObject({ 'app.kubernetes.io/version': '1.24.6' });
  });

  /** The snapshot's objects, istiod's image tagged `tag` (the fixture's is docker.io/istio/pilot:1.24.6). */
  const withIstiod = (image: string) => JSON.parse(JSON.stringify(files().flatMap((f) => YAML.parse(fs.readFileSync(f, 'utf8')).items))
    .replaceAll('"docker.io/istio/pilot:1.24.6"', JSON.stringify(image)));

  test("the Istio release is the one istiod's image runs (the chart's <hub>/pilot:<release>)", () => {
    // A 1.30 cluster read from its snapshot is validated against 1.30's CRDs and webhook rules, its `helm upgrade` pinned to 1.30.3.
    const read = MeshPlatform.fromManifests(withIstiod('docker.io/istio/pilot:1.30.3'));
    expect([read.istio.version, read.istio.release]).toEqual(['1.30', '1.30.3']);
    expect(MeshPlatform.fromManifests(withIstiod('gcr.io/istio-release/pilot:1.30.3-distroless')).istio.release).toBe('1.30.3');
    expect(MeshPlatform.fromManifests(withIstiod('docker.io/istio/pilot:1.30.3'), { presets: { istio: { version: '1.30' } } }).istio.release)
      .toBe('1.30.3');
    expect([MeshPlatform.fromManifests(files()).istio.version, MeshPlatform.fromManifests(files()).istio.release]).toEqual(['1.24', '1.24.6']);
    // So the app's own istioVersion agrees with the platform (MESH189 otherwise).
    expect(new MeshApp({ platform: read, istioVersion: '1.30' }).istioVersion).toBe('1.30');
  });

  test("a preset release istiod's image contradicts (MESH082), and one the validation does not know unless the presets choose", () => {
    const stock = error(() => MeshPlatform.fromManifests(files(), { presets: { istio: { version: '1.30' } } }));
    expect(stock.code).toBe(Codes.PLATFORM_CONTRADICTED);
    expect(stock.message).toMatch(/istio\.version: the platform says 1\.30, the snapshot's istiod .* runs docker\.io\/istio\/pilot:1\.24\.6, release 1\.24/);
    const pinned = error(() => MeshPlatform.fromManifests(withIstiod('docker.io/istio/pilot:1.30.3'), { presets: { istio: { version: '1.30', release: '1.30.1' } } }));
    expect(pinned.message).toMatch(/istio\.release: the platform says 1\.30\.1, .* release 1\.30\.3/);
    const unknown = error(() => MeshPlatform.fromManifests(withIstiod('docker.io/istio/pilot:1.26.1')));
    expect(unknown.code).toBe(Codes.PLATFORM_CONTRADICTED);
    expect(unknown.message).toMatch(/runs docker\.io\/istio\/pilot:1\.26\.1, release 1\.26\.1, which the validation does not know \(1\.24, 1\.30\)/);
    expect(MeshPlatform.fromManifests(withIstiod('docker.io/istio/pilot:1.26.1'), { presets: { istio: { version: '1.30' } } }).istio.version)
      .toBe('1.30');
  });

  test('an image without a release tag says nothing: the presets\' release, else the default\'s', () => {
    const digest = `docker.io/istio/pilot@sha256:${'a'.repeat(64)}`;
    expect(MeshPlatform.fromManifests(withIstiod(digest)).istio.release).toBe('1.24.6');
    expect(MeshPlatform.fromManifests(withIstiod('registry.example.com/mesh/pilot:ours'), { presets: { istio: { version: '1.30' } } }).istio.release)
      .toBe('1.30.3');
  });

  test("a preset the snapshot contradicts (MESH082): istioctl's gateway says its ServiceAccount, the pods (the Helm chart's) use another", () => {
    // GIVEN the istio/gateway chart installed as release istio-ingressgateway in istio-system: the same Service and selector as istioctl's
    const helm = JSON.parse(
      JSON.stringify(objects('gateway-helm')).replaceAll('"istio-ingress"', '"istio-ingressgateway"').replaceAll('"ingress"', '"ingressgateway"'),
    ).map((o: Record<string, any>) => ({ ...o, metadata: { ...o.metadata, namespace: 'istio-system' } }));
    const others = [...files().filter((f) => !f.endsWith('gateway-istioctl.yaml')).flatMap((f) => YAML.parse(fs.readFileSync(f, 'utf8')).items)];
    // WHEN it is read as istioctl's
    const e = error(() => MeshPlatform.fromManifests([...others, ...helm], { presets: { ingressGateway: IngressGatewayInstall.istioctl() } }));
    // THEN both values are named
    expect(e.code).toBe(Codes.PLATFORM_CONTRADICTED);
    expect(e.message).toBe(
      "the manifests: ingressGateway.serviceAccount: the platform says istio-ingressgateway-service-account (istioctl's gateway)," +
        " the snapshot's pods (Deployment istio-system/istio-ingressgateway (the manifests)) use istio-ingressgateway [MESH082]",
    );
    // and read as the chart's, it is that
    expect(
      MeshPlatform.fromManifests([...others, ...helm], {
        presets: { ingressGateway: IngressGatewayInstall.helmChart({ release: 'istio-ingressgateway', namespace: 'istio-system' }) },
      }).ingressGatewayPrincipal.toString(),
    ).toBe('cluster.local/ns/istio-system/sa/istio-ingressgateway');
  });

  test.each([
    [
      "the pods' ports",
      { ingressGateway: { httpPort: 80 } },
      {},
      "ingressGateway.httpPort: the platform says 80, the snapshot's Service port 80 targets 8080",
    ],
    [
      "the gateway's other Service ports: 8883 is not among them (status-port 15021 is)",
      { ingressGateway: { otherPorts: [15021, 8883] } },
      {},
      'ingressGateway.otherPorts: the platform says [15021,8883], the snapshot\'s Service istio-ingressgateway has, besides HTTP and HTTPS, ports [15021]',
    ],
    [
      "the collector's pod labels",
      { tracing: { podLabels: { 'app.kubernetes.io/name': 'jaeger' } } },
      {},
      "tracing.podLabels.app.kubernetes.io/name: the platform says jaeger, the snapshot's pods (Deployment observability/jaeger-collector",
    ],
    [
      "the collector's port",
      { tracing: { port: 9412 } },
      {},
      "tracing.port: the platform says 9412, the snapshot's Service jaeger-collector has ports",
    ],
    [
      "Prometheus's selector labels",
      { prometheus: { selectorLabels: { release: 'prom' } } },
      {},
      'prometheus.selectorLabels: the platform says {"release":"prom"}, the snapshot\'s Prometheus observability/kube-prometheus-stack-prometheus',
    ],
    [
      "Flagger's Prometheus",
      { flagger: { prometheusAddress: 'http://prometheus:9090' } },
      {},
      "flagger.prometheusAddress: the platform says http://prometheus:9090, the snapshot's Deployment flagger queries http://prometheus-operated",
    ],
    [
      "the jaeger chart read as the operator's",
      { tracing: TracingCollectorInstall.jaegerOperator({ name: 'jaeger' }) },
      { tracing: 'jaeger-helm' },
      'no Service observability/jaeger-collector',
    ],
    [
      // A `Jaeger` without a strategy, or with memory storage, runs all-in-one (pkg/strategy/controller.go normalize).
      'an all-in-one Jaeger read as the production strategy',
      { tracing: TracingCollectorInstall.jaegerOperator() },
      { tracing: 'jaeger-operator-allinone' },
      'tracing.serviceSelector: the platform says {"app":"jaeger","app.kubernetes.io/component":"collector",'
        + '"app.kubernetes.io/instance":"jaeger","app.kubernetes.io/managed-by":"jaeger-operator","app.kubernetes.io/name":"jaeger-collector",'
        + '"app.kubernetes.io/part-of":"jaeger"} (the Jaeger operator, Jaeger jaeger), the snapshot\'s Service jaeger-collector selects'
        + ' {"app":"jaeger","app.kubernetes.io/component":"all-in-one"',
    ],
    [
      'a production Jaeger read as all-in-one',
      { tracing: TracingCollectorInstall.jaegerOperator({ strategy: 'allInOne' }) },
      {},
      'tracing.serviceSelector: the platform says {"app":"jaeger","app.kubernetes.io/component":"all-in-one"',
    ],
  ] as const)('contradicted: %s', (_name, presets, swap, message) => {
    const e = error(() => MeshPlatform.fromManifests(files(swap), { presets }));
    expect(e.message).toContain(message);
  });

  test("the gateway's other Service ports the platform states are checked and kept; those it does not state stay unassumed", () => {
    expect(MeshPlatform.fromManifests(files(), { presets: { ingressGateway: { otherPorts: [15021] } } }).ingressGateway.otherPorts).toEqual([15021]);
    expect(MeshPlatform.fromManifests(files()).ingressGateway.otherPorts).toEqual([]);
  });

  test('a component held without what the platform needs (MESH083)', () => {
    const base = files().filter((f) => !f.endsWith('jaeger-operator.yaml')).flatMap((f) => YAML.parse(fs.readFileSync(f, 'utf8')).items);
    const collector = objects('jaeger-operator');
    const withService = (spec: object) => [
      ...base,
      ...collector.map((o) => (o.kind === 'Service' && o.metadata.name === 'jaeger-collector' ? { ...o, spec } : o)),
    ];
    const cases: [Record<string, any>[], string][] = [
      [withService({ ports: [{ port: 9411 }] }), 'Service observability/jaeger-collector (the manifests) has no selector'],
      [withService({ selector: { app: 'elsewhere' }, ports: [{ port: 9411 }] }), 'selects no Deployment, StatefulSet or DaemonSet of the snapshot'],
      [
        withService({ selector: { app: 'jaeger' }, ports: [{ name: 'admin-http', port: 14269 }] }),
        "has no Zipkin port (9411, or one named '*zipkin*'): its ports are admin-http 14269",
      ],
      [
        withService({ selector: { app: 'jaeger' }, ports: [{ name: 'http-zipkin', port: 9411, targetPort: 'nope' }] }),
        "port 9411 targets container port 'nope'",
      ],
      [
        [
          ...withService({ selector: { app: 'jaeger' }, ports: [{ port: 9411 }] }),
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: { name: 'jaeger-query', namespace: 'observability' },
            spec: { template: { metadata: { labels: { app: 'jaeger' } }, spec: { serviceAccountName: 'jaeger-query' } } },
          },
        ],
        'which run as different ServiceAccounts (jaeger, jaeger-query)',
      ],
    ];
    for (const [manifests, message] of cases) {
      const e = error(() => MeshPlatform.fromManifests(manifests));
      expect(e.code).toBe(Codes.PLATFORM_COMPONENT_INCOMPLETE);
      expect(e.message).toContain(message);
    }
  });

  test('a component the snapshot cannot describe is left out of components and given by props', () => {
    // GIVEN a second gateway Deployment behind the gateway Service, under another ServiceAccount (a canary of the gateway)
    const others = files().flatMap((f) => YAML.parse(fs.readFileSync(f, 'utf8')).items);
    const canary = others
      .filter((o: Record<string, any>) => o.kind === 'Deployment' && o.metadata.name === 'istio-ingressgateway')
      .map((o: Record<string, any>) => ({
        ...o,
        metadata: { ...o.metadata, name: 'istio-ingressgateway-canary' },
        spec: { ...o.spec, template: { ...o.spec.template, spec: { ...o.spec.template.spec, serviceAccountName: 'istio-ingressgateway-canary' } } },
      }));
    // THEN reading it is MESH083, naming both; read without it, the gateway is the presets'
    expect(error(() => MeshPlatform.fromManifests([...others, ...canary]))).toMatchObject({
      code: Codes.PLATFORM_COMPONENT_INCOMPLETE,
      message: expect.stringContaining('run as different ServiceAccounts (istio-ingressgateway-service-account, istio-ingressgateway-canary)'),
    });
    const read = MeshPlatform.fromManifests([...others, ...canary], {
      components: ['istiod', 'prometheus', 'tracing', 'flagger'], presets: { ingressGateway: IngressGatewayInstall.istioctl() },
    });
    expect(read.ingressGateway).toEqual(MeshPlatform.default().ingressGateway);
    expect(read.apiServer.endpoints).toEqual([]);
  });

  test('an OTLP-only collector is read as OpenTelemetry when the platform does not say', () => {
    const base = files().filter((f) => !f.endsWith('jaeger-operator.yaml')).flatMap((f) => YAML.parse(fs.readFileSync(f, 'utf8')).items);
    const otlpOnly = objects('jaeger-operator').map((o) => (o.kind === 'Service' && o.metadata.name === 'jaeger-collector'
      ? { ...o, spec: { ...o.spec, ports: o.spec.ports.filter((p: any) => p.port !== 9411) } } : o));
    expect(MeshPlatform.fromManifests([...base, ...otlpOnly]).tracing).toMatchObject({ protocol: 'opentelemetry', port: 4317 });
  });
});

// A replicated StatefulSet's pods reach each other by name (Kafka's KRaft quorum on its broker port,
// a MongoDB replica set, RabbitMQ clustering): declaring `stateful.replication` with more than one
// replica opens the peer traffic (the service's call to itself), proven by flows over the manifests.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Size } from 'cdk8s';
import { MeshApp, MeshChart, MeshService, MeshServiceProps, ServiceType, VolumeClaim, WorkloadVolume } from '../../src';
import { main } from '../../src/validate/cli';
import { FlowEvaluator } from '../../src/validate';
import { find, meshChart, synth, synthError } from '../util';

const kafka = (props: Partial<MeshServiceProps> = {}): MeshServiceProps => ({
  image: 'apache/kafka:3.9.0', ports: [{ port: 9092, name: 'tcp-kafka', protocol: 'tcp' }, { port: 9093, name: 'tcp-controller', protocol: 'tcp' }],
  replicas: 3, stateful: { replication: 'KRaft', volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(10) })] },
  // Its image writes /opt/kafka/config and /opt/kafka/logs as it starts (MESH052), as its USER appuser, 1000.
  volumes: [WorkloadVolume.emptyDir('config'), WorkloadVolume.emptyDir('logs')],
  mounts: [{ volume: 'data', path: '/var/lib/kafka' }, { volume: 'config', path: '/opt/kafka/config' }, { volume: 'logs', path: '/opt/kafka/logs' }],
  podSecurity: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 }, ...props,
});

function peers(props: Partial<MeshServiceProps> = {}) {
  const { app, chart } = meshChart();
  const broker = new MeshService(chart, 'broker', kafka(props));
  const out = synth(app);
  const evaluator = new FlowEvaluator(out, {
    trustDomain: chart.platform.trustDomain, rootNamespace: chart.platform.istio.rootNamespace, platform: chart.platform.workloads(chart.namespace),
  });
  const toPeer = (port: number) => evaluator.evaluate({
    source: { workload: 'broker', namespace: chart.namespace }, host: `broker-1.broker-headless.${chart.namespace}.svc.cluster.local`, port, protocol: 'TCP',
  });
  return { app, out, broker, toPeer };
}

describe('a replicated StatefulSet', () => {
  test('broker-0 -> broker-1.broker-headless.<ns>.svc.cluster.local:9092 and :9093 are allowed: Sidecar, NetworkPolicy and ALLOW rule admit its own pods', () => {
    const { out, broker, toPeer } = peers();
    expect(broker.peerCall).toMatchObject({ source: broker, target: broker });
    expect(toPeer(9092)).toMatchObject({ allowed: true });
    expect(toPeer(9093)).toMatchObject({ allowed: true });
    expect(find(out, 'AuthorizationPolicy', 'broker-policy').spec.rules).toContainEqual({ from: [{ source: { principals: ['cluster.local/ns/production/sa/broker'] } }] });
    expect(find(out, 'NetworkPolicy', 'broker').spec.ingress[0].from).toContainEqual({ podSelector: { matchLabels: { app: 'broker' } } });
  });

  test("a pod's name in the short forms a resolver's search list completes is its headless Service too: <pod>.<service>.<namespace>[.svc]", () => {
    // A pod's resolv.conf searches <namespace>.svc.cluster.local, svc.cluster.local and cluster.local (ndots:5), so
    // broker-1.broker-headless.<ns> is broker-1.broker-headless.<ns>.svc.cluster.local, as NATS's --routes name their peers.
    // https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#pod-s-dns-policy
    const { app, chart } = meshChart();
    new MeshService(chart, 'broker', kafka());
    const evaluator = new FlowEvaluator(synth(app), {
      trustDomain: chart.platform.trustDomain, rootNamespace: chart.platform.istio.rootNamespace, platform: chart.platform.workloads(chart.namespace),
    });
    const to = (host: string) => evaluator.evaluate({ source: { workload: 'broker', namespace: chart.namespace }, host, port: 9093, protocol: 'TCP' });
    for (const host of [`broker-1.broker-headless.${chart.namespace}`, `broker-1.broker-headless.${chart.namespace}.svc`]) {
      expect([host, to(host).allowed]).toEqual([host, true]);
    }
    // a pod the StatefulSet does not have is no name
    expect(to(`broker-3.broker-headless.${chart.namespace}`).allowed).toBe(false);
  });

  test('its headless Service publishes the pods before they are ready: a quorum forms by pod name before any member is ready', () => {
    // ServiceSpec.publishNotReadyAddresses: "for a StatefulSet's Headless Service to propagate SRV DNS records for its Pods
    // for the purpose of peer discovery"; without it kafka-1.broker-headless... does not resolve until kafka-1 is ready, which it
    // becomes only once the KRaft quorum it is part of formed.
    const { out } = peers();
    expect(find(out, 'Service', 'broker-headless').spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    // The clients' Service sends only to ready members.
    expect(find(out, 'Service', 'broker').spec.publishNotReadyAddresses).toBeUndefined();
    for (const props of [{ stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(10) })] } }, { replicas: 1 }]) {
      const { app, chart } = meshChart();
      new MeshService(chart, 'broker', kafka(props));
      // A single database, or independent ones, keep readiness in DNS: clients reach only pods that serve.
      expect(find(synth(app), 'Service', 'broker-headless').spec.publishNotReadyAddresses).toBeUndefined();
    }
  });

  test('without replication (or with one replica) no peer traffic is opened: the pods stay refused to each other', () => {
    for (const props of [{ stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(10) })] } }, { replicas: 1 }]) {
      const { app, chart } = meshChart();
      const broker = new MeshService(chart, 'broker', kafka(props));
      expect(broker.peerCall).toBeUndefined();
      const out = synth(app);
      const v = new FlowEvaluator(out, { platform: chart.platform.workloads(chart.namespace) }).evaluate({
        source: { workload: 'broker', namespace: chart.namespace }, host: `broker.${chart.namespace}.svc.cluster.local`, port: 9092, protocol: 'TCP',
      });
      expect(v.allowed).toBe(false);
    }
  });

  test('peerPorts opens only the cluster ports to the replicas: the ports their clients use stay closed to them', () => {
    // EMQX: the devices' MQTT over TLS and the dashboard beside the cluster's own ports (ekka 4370, gen_rpc 5369).
    const emqx = (stateful: Record<string, unknown>) => kafka({
      image: 'emqx/emqx:5.8.4',
      ports: [
        { port: 8883, name: 'tls-mqtt', protocol: 'tls' }, { port: 18083, name: 'http-dashboard', protocol: 'http' },
        { port: 4370, name: 'tcp-ekka', protocol: 'tcp' }, { port: 5369, name: 'tcp-genrpc', protocol: 'tcp' },
      ],
      stateful: { replication: 'EMQX cluster', volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(1) })], ...stateful },
      volumes: [], mounts: [{ volume: 'data', path: '/opt/emqx/data' }],
    });
    const { app, chart } = meshChart();
    const broker = new MeshService(chart, 'broker', emqx({ peerPorts: [4370, 5369] }));
    expect(broker.peerCalls.map((c) => c.port)).toEqual([4370, 5369]);
    expect(broker.peerCall).toBe(broker.peerCalls[0]);
    const out = synth(app);
    expect(find(out, 'AuthorizationPolicy', 'broker-policy').spec.rules).toEqual([{
      from: [{ source: { principals: ['cluster.local/ns/production/sa/broker'] } }],
      to: [{ operation: { ports: ['4370'] } }, { operation: { ports: ['5369'] } }],
    }]);
    expect(find(out, 'NetworkPolicy', 'broker').spec.ingress[0]).toEqual({
      from: [{ podSelector: { matchLabels: { app: 'broker' } } }], ports: [{ port: 4370, protocol: 'TCP' }, { port: 5369, protocol: 'TCP' }],
    });
    const evaluator = new FlowEvaluator(out, { platform: chart.platform.workloads(chart.namespace) });
    const toPeer = (port: number) => evaluator.evaluate({
      source: { workload: 'broker', namespace: chart.namespace }, host: `broker-1.broker-headless.${chart.namespace}.svc.cluster.local`, port, protocol: 'TCP',
    }).allowed;
    expect([4370, 5369, 8883, 18083].map(toPeer)).toEqual([true, true, false, false]);
    // No peer call on the dashboard: its route serves no write, so the tier's retries on it are no MESH111.
    expect(app.warnings.filter((w) => /MESH111|MESH660/.test(w))).toEqual([]);
  });

  test('peerPorts without replication or with one replica, empty, twice the same, or a port the service lacks fail synth', () => {
    const problems = (props: Partial<MeshServiceProps>) => {
      const { app, chart } = meshChart();
      new MeshService(chart, 'broker', kafka(props));
      return synthError(app);
    };
    const claims = [VolumeClaim.of('data', { size: Size.gibibytes(10) })];
    expect(problems({ stateful: { volumeClaims: claims, peerPorts: [9093] } })).toMatch(
      /\[test\/broker\] stateful\.peerPorts: only replicas that replicate reach each other \(3 replicas, no replication\): .*\[MESH033\]/);
    expect(problems({ replicas: 1, stateful: { replication: 'KRaft', volumeClaims: claims, peerPorts: [9093] } })).toMatch(
      /stateful\.peerPorts: only replicas that replicate reach each other \(1 replica\).*\[MESH033\]/);
    expect(problems({ stateful: { replication: 'KRaft', volumeClaims: claims, peerPorts: [] } })).toMatch(
      /stateful\.peerPorts: give at least one port, or leave it out \[MESH033\]/);
    expect(problems({ stateful: { replication: 'KRaft', volumeClaims: claims, peerPorts: [9093, 9093] } })).toMatch(
      /stateful\.peerPorts: 9093 given twice \[MESH020\]/);
    expect(problems({ stateful: { replication: 'KRaft', volumeClaims: claims, peerPorts: [9094] } })).toMatch(/9094.*\[MESH042\]/);
  });

  test('--flows lists the pods\' traffic to each other', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'stateful-peers-'));
    try {
      const app = new MeshApp({ outdir });
      new MeshService(new MeshChart(app, 'production', { namespace: 'data' }), 'broker', kafka());
      app.synth();
      let out = '';
      const code = main(['--flows', 'production'], { stdout: (t) => { out += t; }, stderr: () => undefined, cwd: outdir });
      expect(code).toBe(0);
      expect(out).toMatch(/^OPEN {4}data\/broker -> data\/broker:9092 /m);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe("a replicated StatefulSet's governing Service", () => {
  test('a ClusterIP client Service (the default) beside a headless governing Service: the pods keep their names, the clients are load-balanced', () => {
    // GIVEN a KRaft quorum of 3 whose clients dial its ClusterIP Service, the default
    for (const props of [{}, { service: { type: ServiceType.clusterIp() } }]) {
      const { app, chart } = meshChart();
      const broker = new MeshService(chart, 'broker', kafka(props));
      const client = new MeshService(chart, 'client', { image: 'client:1' });
      client.calls(broker, { port: 9092 });
      const out = synth(app);
      // THEN the StatefulSet is governed by the headless Service, which gives each pod its name (StatefulSet limitations:
      // "StatefulSets currently require a Headless Service to be responsible for the network identity of the Pods")
      expect(find(out, 'StatefulSet', 'broker').spec.serviceName).toBe('broker-headless');
      expect(find(out, 'Service', 'broker-headless').spec).toMatchObject({ clusterIP: 'None', selector: { app: 'broker' } });
      expect(find(out, 'Service', 'broker').spec.clusterIP).toBeUndefined();
      expect(broker.podHostnames).toEqual([0, 1, 2].map((i) => `broker-${i}.broker-headless.${chart.namespace}.svc.cluster.local`));
      // AND a caller imports both hosts: the client Service's, and the headless one its pods' names sit under
      expect(find(out, 'Sidecar', 'client').spec.egress[0].hosts).toEqual(expect.arrayContaining([
        `./broker.${chart.namespace}.svc.cluster.local`, `./broker-headless.${chart.namespace}.svc.cluster.local`,
      ]));
      const evaluator = new FlowEvaluator(out, { platform: chart.platform.workloads(chart.namespace) });
      for (const host of [`broker.${chart.namespace}.svc.cluster.local`, `broker-2.broker-headless.${chart.namespace}.svc.cluster.local`]) {
        expect(evaluator.evaluate({ source: { workload: 'client', namespace: chart.namespace }, host, port: 9092, protocol: 'TCP' }).allowed).toBe(true);
      }
    }
  });

  test("the governing Service's ports are the pods' own: a client Service port that retargets is dialed by pod name on the container port", () => {
    const { app, chart } = meshChart();
    const db = new MeshService(chart, 'db', {
      image: 'registry.example.com/ledger:1', ports: [{ port: 5432, targetPort: 15432, protocol: 'tcp' }], stateful: {},
    });
    const client = new MeshService(chart, 'client', { image: 'client:1' });
    client.calls(db);
    const out = synth(app);
    expect(find(out, 'Service', 'db').spec.ports).toEqual([{ name: 'tcp', port: 5432, targetPort: 15432, protocol: 'TCP' }]);
    expect(find(out, 'Service', 'db-headless').spec.ports).toEqual([{ name: 'tcp', port: 15432, targetPort: 15432, protocol: 'TCP' }]);
    const evaluator = new FlowEvaluator(out, { platform: chart.platform.workloads(chart.namespace) });
    const dial = (host: string, port: number) => evaluator.evaluate({ source: { workload: 'client', namespace: chart.namespace }, host, port, protocol: 'TCP' }).allowed;
    expect(dial(`db.${chart.namespace}.svc.cluster.local`, 5432)).toBe(true);
    expect(dial(`db-0.db-headless.${chart.namespace}.svc.cluster.local`, 15432)).toBe(true);
    expect(db.podHostnames).toEqual([`db-0.db-headless.${chart.namespace}.svc.cluster.local`]);
  });

  test('ServiceType.headless() keeps one headless Service, which governs the StatefulSet and is the host its clients dial', () => {
    const { app, chart } = meshChart();
    const broker = new MeshService(chart, 'broker', kafka({ service: { type: ServiceType.headless() } }));
    const out = synth(app);
    expect(find(out, 'StatefulSet', 'broker').spec.serviceName).toBe('broker');
    expect(find(out, 'Service', 'broker').spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(out.filter((m) => m.kind === 'Service').map((m) => m.metadata.name)).not.toContain('broker-headless');
    expect(broker.podHostnames?.[0]).toBe(`broker-0.broker.${chart.namespace}.svc.cluster.local`);
  });

  test('one replica, or replicas that do not replicate, may have a ClusterIP Service: nobody dials a pod by name', () => {
    for (const props of [{ replicas: 1 }, { stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(10) })] } }]) {
      const { app, chart } = meshChart();
      new MeshService(chart, 'broker', kafka({ service: { type: ServiceType.clusterIp() }, ...props }));
      expect(() => synth(app)).not.toThrow();
    }
  });
});

// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App, Size } from 'cdk8s';
import { Cpu, EnvVarValue, HardeningException, HealthProbe, MeshChart, MeshService, Toleration } from 'cdk8s-mesh';

const chart = new MeshChart(new App(), 'production', { namespace: 'production' });
// The image's binary carries `setcap cap_net_bind_service=+ep` and listens on port 80 as UID 10001: it execs only with the
// capability in its bounding set and without no_new_privs (capabilities(7), "capability-dumb binaries").
new MeshService(chart, 'catalogue', {
  image: 'registry.example.com/catalogue:0.3.5',
  ports: [{ port: 80, protocol: 'http' }],
  security: {
    exceptions: [
      HardeningException.addCapabilities(['NET_BIND_SERVICE'], 'the binary carries cap_net_bind_service=+ep to bind port 80'),
      HardeningException.allowPrivilegeEscalation('file capabilities are granted on exec only without no_new_privs'),
    ],
  },
  tolerations: [Toleration.equal('dedicated', 'shop', { effect: 'NoSchedule' })],
  affinity: { podAntiAffinity: [{ topologyKey: 'kubernetes.io/hostname', weight: 100 }] },
  // A metrics exporter beside the server, as its own user, scraped through Istio's metrics merging (`metrics`).
  containers: [{
    name: 'exporter',
    image: 'registry.example.com/catalogue-exporter:1.0.0',
    env: { TARGET: EnvVarValue.of('http://localhost:80/metrics') },
    ports: [{ number: 9419, name: 'http-metrics' }],
    probes: { readiness: HealthProbe.http('/health') },
    security: { runAsUser: 65535, runAsGroup: 65535 },
    resources: { cpuRequest: Cpu.millis(20), cpuLimit: Cpu.millis(100), memoryRequest: Size.mebibytes(32), memoryLimit: Size.mebibytes(64) },
  }],
  metrics: { port: 9419 },
});
export {};

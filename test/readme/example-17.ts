// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { IngressGatewayInstall, MeshApp, MeshChart, MeshPlatform, TracingCollectorInstall } from 'cdk8s-mesh';

const platform = MeshPlatform.of({
  istio: { rootNamespace: 'service-mesh' },
  ingressGateway: IngressGatewayInstall.helmChart({ release: 'istio-ingress', namespace: 'istio-ingress' }),
  tracing: TracingCollectorInstall.openTelemetryCollector({ release: 'otel', namespace: 'observability' }),
});
const app = new MeshApp({ platform });
const chart = new MeshChart(app, 'production', { namespace: 'production', production: true });
console.log(chart.platform.ingressGatewayPrincipal.toString()); // cluster.local/ns/istio-ingress/sa/istio-ingress
export {};

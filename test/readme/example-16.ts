// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { EdgeGateway, IngressGatewayInstall, MeshApp, MeshChart, MeshPlatform, MeshService } from 'cdk8s-mesh';

const platform = MeshPlatform.of({
  ingressGateway: IngressGatewayInstall.helmChart({ release: 'istio-ingress', namespace: 'istio-ingress' }),
  gateways: [{
    name: 'public',
    servers: [
      { port: 80, protocol: 'HTTP', hosts: ['*.example.com'], httpsRedirect: true },
      { port: 443, protocol: 'HTTPS', hosts: ['*.example.com'], credentialName: 'wildcard-example-com' },
    ],
  }],
});
const app = new MeshApp({ platform });
for (const [env, host] of [['shop-staging', 'staging.shop.example.com'], ['shop', 'shop.example.com']]) {
  const chart = new MeshChart(app, env, { namespace: env });
  const web = new MeshService(chart, 'web', { image: 'registry.example.com/web:1.0.0' });
  EdgeGateway.fromPlatform(chart, 'public', 'public').route(web, { hosts: [host], subset: 'stable' }); // VirtualService <env>/public -> istio-ingress/public
}
export {};

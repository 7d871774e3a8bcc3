// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App } from 'cdk8s';
import { EgressGatewayInstall, EgressRoute, ExternalService, MeshChart, MeshPlatform, MeshService } from 'cdk8s-mesh';

const platform = MeshPlatform.of({ egressGateway: EgressGatewayInstall.istioctl() });
const chart = new MeshChart(new App(), 'pci', { namespace: 'pci', platform });
const payment = new MeshService(chart, 'payment-service', { image: 'registry.example.com/payment-service:1.0.0' });
const acquirer = new ExternalService(chart, 'acquirer', {
  hosts: ['api.acquirer.example'],
  ports: [{ number: 443, protocol: 'HTTPS' }],
  // the application's TLS, inside Istio mTLS to the egress gateway, which alone connects to the acquirer
  egress: EgressRoute.viaGateway(),
});
payment.calls(acquirer, { port: 443 });
export {};

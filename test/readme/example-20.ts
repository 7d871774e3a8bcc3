// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App } from 'cdk8s';
import { ExternalService, MeshChart, MeshService, TlsOrigination } from 'cdk8s-mesh';

const chart = new MeshChart(new App(), 'production', { namespace: 'production' });
const payment = new MeshService(chart, 'payment-service', { image: 'registry.example.com/payment-service:1.0.0' });
const provider = new ExternalService(chart, 'payment-provider', {
  hosts: ['api.payment-provider.example'],
  // the application sends plain HTTP to 80; its sidecar speaks TLS to the provider's 443
  ports: [{ number: 80, protocol: 'HTTP', targetPort: 443 }],
  tls: TlsOrigination.simple({ port: 80, caCertificates: '/etc/ssl/certs/ca-certificates.crt' }),
  // behind a CDN, it has no fixed addresses: payment-service's NetworkPolicy lets 443 out to any address, on purpose
  anyAddress: true,
});
payment.calls(provider, { port: 80, methods: ['POST'], paths: ['/v1/charges'] });
export {};

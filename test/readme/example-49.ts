// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App, Testing } from 'cdk8s';
import { checkIntendedFlows, evaluateFlow, undeclaredOpenPairs } from 'cdk8s-mesh/validate';
import { MeshChart, MeshService } from 'cdk8s-mesh';

const chart = new MeshChart(new App(), 'production', { namespace: 'production' });
const gateway = new MeshService(chart, 'api-gateway', { image: 'registry.example.com/api-gateway:1.0.0' });
const order = new MeshService(chart, 'order-service', { image: 'registry.example.com/order-service:1.0.0' });
gateway.calls(order, { methods: ['POST'], paths: ['/api/orders/*'] });
const manifests = Testing.synth(chart);

const verdict = evaluateFlow(manifests, {
  source: { workload: 'api-gateway', namespace: 'production' },
  host: 'order-service', port: 80, method: 'POST', path: '/api/orders/42',
});
console.log(verdict.allowed, verdict.decidedBy); // true, AuthorizationPolicy production/order-service-policy

const intended = [{
  source: { workload: 'api-gateway', namespace: 'production' } as const,
  host: 'order-service', port: 80, method: 'POST' as const, path: '/api/orders/42',
  expect: 'allow' as const, constructPath: 'production/api-gateway', description: 'api-gateway calls order-service POST /api/orders/*',
}];
const findings = [...checkIntendedFlows(manifests, intended), ...undeclaredOpenPairs(manifests, intended)];
findings.forEach((f) => console.log(`[${f.constructPath ?? ''}] ${f.message} [${f.code}]`));
export {};

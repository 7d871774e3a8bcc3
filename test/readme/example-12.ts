// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App } from 'cdk8s';
import { MeshChart, MeshPlatform, MtlsMode } from 'cdk8s-mesh';

const app = new App();
new MeshChart(app, 'production', {
  namespace: 'production',
  platform: MeshPlatform.of({ istio: { rootNamespace: 'service-mesh' } }),
  security: { allowMetricsScraping: true },
});
new MeshChart(app, 'legacy', {
  namespace: 'legacy-services',
  security: { namespaceMtls: MtlsMode.permissive() }, // an explicit opt-out, visible in review
});
export {};

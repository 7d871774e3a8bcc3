// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App } from 'cdk8s';
import { MeshChart, MtlsMode } from 'cdk8s-mesh';

const app = new App();
new MeshChart(app, 'production', {
  namespace: 'production',
  security: { rootNamespace: 'service-mesh', allowMetricsScraping: true },
});
new MeshChart(app, 'legacy', {
  namespace: 'legacy-services',
  security: { namespaceMtls: MtlsMode.permissive() }, // an explicit opt-out, visible in review
});
export {};

// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App } from 'cdk8s';
import { MeshChart, MeshPlatform, MeshWideMtls, MtlsMode } from 'cdk8s-mesh';

const app = new App();
// One cluster, one mesh: every chart of the app assumes the same platform (MESH632 otherwise).
const platform = MeshPlatform.of({ istio: { rootNamespace: 'service-mesh' } });
new MeshChart(app, 'production', {
  namespace: 'production',
  platform,
  security: {
    allowMetricsScraping: true,
    // Stage 2 of the mesh-wide opt-in, after 14 days of stage 1 (MeshWideMtls.permissive()):
    meshMtls: MeshWideMtls.strict({ plaintextClientsChecked: 'no connection_security_policy="none" reported for 14 days under PERMISSIVE' }),
  },
});
new MeshChart(app, 'legacy', {
  namespace: 'legacy-services',
  platform,
  security: { namespaceMtls: MtlsMode.permissive() }, // an explicit opt-out, visible in review
});
export {};

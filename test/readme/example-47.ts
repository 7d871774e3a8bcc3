// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { MeshApp } from 'cdk8s-mesh';
import { validateManifests, formatFinding } from 'cdk8s-mesh/validate';

// CRDs come from crdDirectory, else $CDK8S_MESH_CRDS, else the package's schemas/.
const app = new MeshApp({ crdDirectory: '/opt/crds' });
// Opt out (for example where no CRDs are at hand): new MeshApp({ schemaValidation: false })

const problems = validateManifests(app.manifests().map((f) => f.manifest), { schemaOnly: false });
problems.forEach((p) => console.log(formatFinding(p)));
export {};

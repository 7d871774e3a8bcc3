// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { addProblems, Codes, problem } from 'cdk8s-mesh';

class LegacySettings extends Construct {
  public constructor(scope: Construct, id: string, mode: 'legacy' | 'standard') {
    super(scope, id);
    new ApiObject(this, 'Resource', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { mode } });
    // Only the props show it: a warning, acknowledged with Warnings.of(settings).acknowledge('MESH115', '<reason>').
    addProblems(this, () => (mode === 'legacy' ? [problem(Codes.DEPRECATED_FIELD, 'mode', "'legacy' is deprecated", 'warning')] : []));
  }
}
export { LegacySettings };
export {};

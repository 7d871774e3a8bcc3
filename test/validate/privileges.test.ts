// MESH215 over manifests, hand-written ones included: root, ALL dropped, neither SETUID nor SETGID added.
import { analyze } from '../../src/validate/analysis';
import { deployment } from './flow/fixtures';

const root = (pod: Record<string, unknown>, ctx: Record<string, unknown>, init = false) => {
  const d = deployment('db', 'shop');
  d.spec.template.spec.securityContext = pod;
  const c = { name: 'app', image: 'postgres:17', securityContext: ctx };
  if (init) d.spec.template.spec.initContainers = [c];
  else d.spec.template.spec.containers = [c];
  return analyze([d]).filter((f) => f.code === 'MESH215').map((f) => `${f.field} ${f.severity}`);
};

describe('MESH215: root without the capabilities to drop privileges', () => {
  test('the container\'s user or the pod\'s, init containers too', () => {
    expect(root({}, { runAsUser: 0, capabilities: { drop: ['ALL'] } })).toEqual(['spec.template.spec.containers[0].securityContext warning']);
    expect(root({ runAsUser: 0 }, { capabilities: { drop: ['all'], add: ['CAP_CHOWN'] } }, true))
      .toEqual(['spec.template.spec.initContainers[0].securityContext warning']);
  });

  test('no warning with SETUID or SETGID added, with capabilities kept, or as another user', () => {
    expect(root({}, { runAsUser: 0, capabilities: { drop: ['ALL'], add: ['CAP_SETUID'] } })).toEqual([]);
    expect(root({}, { runAsUser: 0, capabilities: { drop: ['ALL'], add: ['SETGID'] } })).toEqual([]);
    expect(root({}, { runAsUser: 0, capabilities: { drop: ['NET_RAW'] } })).toEqual([]);
    expect(root({ runAsUser: 0 }, { runAsUser: 999, capabilities: { drop: ['ALL'] } })).toEqual([]);
  });
});

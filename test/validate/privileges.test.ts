// MESH215 and MESH260 over manifests, hand-written ones included: root, ALL dropped, neither SETUID nor SETGID added; runAsNonRoot over an image
// that starts as root or as a user by name.
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

describe('MESH260: runAsNonRoot with no runAsUser, under an image the checks know starts as root or as a user by name', () => {
  const run = (image: string, pod: Record<string, unknown>, ctx: Record<string, unknown> = {}, init = false) => {
    const d = deployment('web', 'shop');
    d.spec.template.spec.securityContext = pod;
    const c = { name: 'app', image, securityContext: ctx };
    if (init) d.spec.template.spec.initContainers = [c];
    else d.spec.template.spec.containers = [c];
    return analyze([d]).filter((f) => f.code === 'MESH260');
  };
  const fields = (found: { field: string; severity?: string }[]) => found.map((f) => `${f.field} ${f.severity ?? 'error'}`);

  test('nginx and postgres have no USER: the kubelet takes them for root; the message names the UID to set', () => {
    const found = run('nginx:1.27', { runAsNonRoot: true });
    expect(fields(found)).toEqual(['spec.template.spec.securityContext.runAsNonRoot error']);
    expect(found[0].message).toContain("container 'app' runs nginx:1.27 under runAsNonRoot with no runAsUser: it has no USER and starts as root");
    expect(found[0].message).toContain('refuses to create it (CreateContainerConfigError); set runAsUser: 101 (nginx)');
    expect(fields(run('postgres:17', {}, { runAsNonRoot: true }, true))).toEqual(['spec.template.spec.initContainers[0].securityContext.runAsNonRoot error']);
  });

  test('emqx and apache/kafka start as a user by name, which the kubelet cannot verify; a numeric USER passes', () => {
    const found = run('apache/kafka:3.9.0', { runAsNonRoot: true });
    expect(found[0]?.message).toContain('its USER is a name, appuser');
    expect(found[0]?.message).toContain('set runAsUser: 1000 (appuser)');
    expect(run('emqx/emqx:5.8.6', {}, { runAsNonRoot: true })).toHaveLength(1);
    expect(run('nginxinc/nginx-unprivileged:1.27', { runAsNonRoot: true })).toEqual([]);
    expect(run('bitnami/nginx:1.27', { runAsNonRoot: true })).toEqual([]);
    expect(run('bitnami/postgresql:17', { runAsNonRoot: true })).toEqual([]);
  });

  test('a runAsUser (the pod\'s or the container\'s), no runAsNonRoot, or an image the checks do not know: nothing', () => {
    expect(run('nginx:1.27', { runAsNonRoot: true, runAsUser: 101 })).toEqual([]);
    expect(run('nginx:1.27', { runAsNonRoot: true }, { runAsUser: 101 })).toEqual([]);
    expect(run('nginx:1.27', { runAsNonRoot: true }, { runAsNonRoot: false })).toEqual([]);
    expect(run('nginx:1.27', {})).toEqual([]);
    expect(run('registry.example.com/web:1', { runAsNonRoot: true })).toEqual([]);
  });
});

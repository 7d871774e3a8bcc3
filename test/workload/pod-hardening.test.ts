import { ApiObject, JsonPatch } from 'cdk8s';
import { ENVOY_UID, podHardeningProblems } from '../../src/workload/pod-hardening';
import { MeshService } from '../../src';
import { find, meshChart, synth, synthError } from '../util';

function service(automountServiceAccountToken?: boolean) {
  const { app, chart } = meshChart();
  const svc = new MeshService(chart, 'payment-service', { image: 'x', automountServiceAccountToken });
  return { app, deployment: svc.node.findChild('Deployment') };
}

describe('pod hardening', () => {
  test('a MeshService pod is hardened as scanners ask', () => {
    const { app } = service();
    const pod = find(synth(app), 'Deployment', 'payment-service').spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    expect(pod.containers[0].securityContext).toMatchObject({
      runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] },
    });
    expect(pod.containers[0].resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } });
    expect(podHardeningProblems(pod)).toEqual([]);
  });

  test('a token mounted on request is allowed', () => {
    const { app } = service(true);
    expect(find(synth(app), 'Deployment', 'payment-service').spec.template.spec.automountServiceAccountToken).toBe(true);
  });

  test.each([
    ['/spec/template/spec/securityContext/runAsUser', ENVOY_UID, /securityContext\.runAsUser: 1337 is reserved.*\[MESH209\]/],
    ['/spec/template/spec/containers/0/securityContext/runAsUser', ENVOY_UID, /containers\[app\]\.securityContext\.runAsUser: 1337 is reserved.*\[MESH209\]/],
    ['/spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem', false,
      /readOnlyRootFilesystem: must be true, or excused by mesh\.cdk8s\.io\/hardening\.app\.readOnlyRootFilesystem \[MESH208\]/],
    ['/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation', true, /allowPrivilegeEscalation: must be false, or excused by .* \[MESH208\]/],
    ['/spec/template/spec/containers/0/securityContext/capabilities/add', ['NET_RAW'], /capabilities\.add: NET_RAW must not be added, or excused by mesh\.cdk8s\.io\/hardening\.app\.capabilities\.NET_RAW \[MESH208\]/],
    ['/spec/template/spec/securityContext/seccompProfile', { type: 'Unconfined' }, /seccompProfile: must not be Unconfined, or excused by .*hardening\.app\.seccompProfile \[MESH208\]/],
    ['/spec/template/spec/automountServiceAccountToken', true, /automountServiceAccountToken: must be false.*\[MESH208\]/],
  ])('a JSON patch setting %s to %s fails synth', (path, value, message) => {
    const { app, deployment } = service();
    ApiObject.of(deployment).addJsonPatch(JsonPatch.replace(path, value));
    const err = synthError(app);
    expect(err).toMatch(/\[test\/payment-service\/Deployment\]/);
    expect(err).toMatch(message);
  });

  test('UIDs next to 1337 are fine; 0 is root', () => {
    const pod = (uid: number) => ({
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: uid, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'c', securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        resources: { requests: { cpu: '1', memory: '1Mi' }, limits: { cpu: '1', memory: '1Mi' } } }],
    });
    expect(podHardeningProblems(pod(1336))).toEqual([]);
    expect(podHardeningProblems(pod(1338))).toEqual([]);
    expect(podHardeningProblems(pod(1337)).join()).toMatch(/MESH209/);
    expect(podHardeningProblems(pod(0)).join()).toMatch(/containers\[c\]\.securityContext\.runAsNonRoot: must be true, with a non-zero runAsUser.*\[MESH208\]/);
  });

  test('missing limits and capabilities are reported per container', () => {
    const problems = podHardeningProblems({ automountServiceAccountToken: false, securityContext: { seccompProfile: { type: 'RuntimeDefault' } }, containers: [{ name: 'c', securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false } }] });
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/containers\[c\]\.securityContext\.capabilities\.drop: must include ALL/),
      expect.stringMatching(/containers\[c\]\.resources\.limits\.memory: must be set/),
    ]));
  });
});

describe('a seccomp profile, on the pod or the container (Pod Security "restricted")', () => {
  const container = (sc: Record<string, unknown> = {}) => ({
    name: 'c',
    securityContext: { runAsNonRoot: true, runAsUser: 1000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, ...sc },
    resources: { requests: { cpu: '1', memory: '1Mi' }, limits: { cpu: '1', memory: '1Mi' } },
  });
  const pod = (podSc: Record<string, unknown>, c = container()) => ({ automountServiceAccountToken: false, securityContext: podSc, containers: [c] });

  test('none at either level is an error naming the container and its excuse; RuntimeDefault or Localhost at either level is fine', () => {
    expect(podHardeningProblems(pod({}))).toEqual([
      'containers[c].securityContext.seccompProfile: must be RuntimeDefault (or Localhost), on the container or the pod; without it the container '
        + 'runs Unconfined and Pod Security "restricted" rejects the pod, or excused by mesh.cdk8s.io/hardening.c.seccompProfile [MESH208]',
    ]);
    expect(podHardeningProblems(pod({ seccompProfile: { type: 'RuntimeDefault' } }))).toEqual([]);
    expect(podHardeningProblems(pod({}, container({ seccompProfile: { type: 'RuntimeDefault' } })))).toEqual([]);
    expect(podHardeningProblems(pod({}, container({ seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/app.json' } })))).toEqual([]);
    // The container's own Unconfined wins over the pod's RuntimeDefault.
    expect(podHardeningProblems(pod({ seccompProfile: { type: 'RuntimeDefault' } }, container({ seccompProfile: { type: 'Unconfined' } }))).join())
      .toMatch(/must not be Unconfined/);
  });
});

describe('exceptions judged field by field', () => {
  /** A hardened container, with `sc` and `resources` over it. */
  const container = (name: string, sc: Record<string, unknown> = {}, limits: Record<string, string> = { cpu: '1', memory: '1Mi' }) => ({
    name,
    securityContext: { runAsNonRoot: true, runAsUser: 1000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, ...sc },
    resources: { requests: { cpu: '1', memory: '1Mi' }, limits },
  });
  const pod = (...containers: Record<string, unknown>[]) => ({ automountServiceAccountToken: false, securityContext: { seccompProfile: { type: 'RuntimeDefault' } }, containers });
  const key = (c: string, field: string) => `mesh.cdk8s.io/hardening.${c}.${field}`;

  test('each loosened field needs its own annotation, on the container it names', () => {
    const loose = container('app', {
      runAsNonRoot: false, runAsUser: 0, readOnlyRootFilesystem: false, allowPrivilegeEscalation: true,
      capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE', 'CHOWN'] }, seccompProfile: { type: 'Unconfined' },
    }, {});
    const all = {
      [key('app', 'runAsNonRoot')]: 'entrypoint chowns /data as root, then gosu drops to 999',
      [key('app', 'readOnlyRootFilesystem')]: 'writes its pid file under /var/run',
      [key('app', 'allowPrivilegeEscalation')]: 'file capabilities are granted only without no_new_privs',
      [key('app', 'capabilities.NET_BIND_SERVICE')]: 'binds port 80',
      [key('app', 'capabilities.CHOWN')]: 'chowns its data directory',
      [key('app', 'seccompProfile')]: 'uses io_uring',
      [key('app', 'resources.limits.cpu')]: 'a CPU quota stalls its GC',
      [key('app', 'resources.limits.memory')]: 'sizes its cache from the node',
    };
    expect(podHardeningProblems(pod(loose), { annotations: all })).toEqual([]);
    // Each annotation left out brings back exactly its field.
    for (const k of Object.keys(all)) {
      const fewer = Object.fromEntries(Object.entries(all).filter(([x]) => x !== k));
      const problems = podHardeningProblems(pod(loose), { annotations: fewer });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(`or excused by ${k} [MESH208]`);
    }
    // One container's exception does not excuse another's field.
    const two = pod(loose, container('exporter', { readOnlyRootFilesystem: false }));
    expect(podHardeningProblems(two, { annotations: all })).toEqual([
      expect.stringMatching(/^containers\[exporter\]\.securityContext\.readOnlyRootFilesystem: must be true, or excused by mesh\.cdk8s\.io\/hardening\.exporter\.readOnlyRootFilesystem \[MESH208\]$/),
    ]);
  });

  test('privileged, capabilities.drop and requests have no exception; ALL and unknown names are not capabilities', () => {
    const c = container('app', { privileged: true, capabilities: { drop: [], add: ['ALL', 'CAP_NET_BIND_SERVICE', 'NET_BIND', 'SYS_ADMIN'] } });
    const problems = podHardeningProblems(pod(c), { annotations: { [key('app', 'capabilities.NET_BIND_SERVICE')]: 'binds port 80' } });
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/privileged: must not be true \[MESH208\]/),
      expect.stringMatching(/capabilities\.drop: must include ALL \[MESH208\]/),
      expect.stringMatching(/capabilities\.add: 'ALL' is every capability \[MESH041\]/),
      expect.stringMatching(/capabilities\.add: 'NET_BIND' is not a Linux capability \[MESH041\]/),
      expect.stringMatching(/SYS_ADMIN must not be added, or excused by .*capabilities\.SYS_ADMIN \[MESH208\]/),
    ]));
    // CAP_NET_BIND_SERVICE is NET_BIND_SERVICE: containerd prefixes the names itself.
    expect(problems.join('\n')).not.toMatch(/NET_BIND_SERVICE must not be added/);
    expect(problems).toHaveLength(5);
  });

  test('an exception annotation without a reason, for no container, for nothing loosened, or for no field is reported', () => {
    const problems = podHardeningProblems(pod(container('app')), {
      annotations: {
        [key('app', 'readOnlyRootFilesystem')]: 'stale: the root filesystem is read-only',
        [key('sidecar', 'runAsNonRoot')]: 'names no container',
        [key('app', 'allowPrivilegeEscalation')]: ' ',
        [key('app', 'privileged')]: 'privileged is never excused',
        'mesh.cdk8s.io/hardening-exemption': 'the whole-pod exemption is not an exception annotation',
      },
    });
    expect(problems).toEqual([
      expect.stringMatching(/hardening\.app\.allowPrivilegeEscalation: give the reason the image needs it \[MESH040\]/),
      expect.stringMatching(/hardening\.app\.privileged: 'privileged' is not a field an exception can excuse.*\[MESH040\]/),
      expect.stringMatching(/hardening\.app\.readOnlyRootFilesystem: excuses a field that is not loosened; remove it \[MESH040\]/),
      expect.stringMatching(/hardening\.sidecar\.runAsNonRoot: names no container of the pod \(app\) \[MESH040\]/),
    ]);
  });
});

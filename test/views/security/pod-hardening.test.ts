import { ApiObject, JsonPatch } from 'cdk8s';
import { ENVOY_UID, podHardeningProblems } from '../../../src/views/security/pod-hardening';
import { MeshService } from '../../../src';
import { find, meshChart, synth, synthError } from '../../util';

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
    ['/spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem', false, /readOnlyRootFilesystem: must be true \[MESH208\]/],
    ['/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation', true, /allowPrivilegeEscalation: must be false \[MESH208\]/],
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
      securityContext: { runAsNonRoot: true, runAsUser: uid },
      containers: [{ name: 'c', securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        resources: { requests: { cpu: '1', memory: '1Mi' }, limits: { cpu: '1', memory: '1Mi' } } }],
    });
    expect(podHardeningProblems(pod(1336))).toEqual([]);
    expect(podHardeningProblems(pod(1338))).toEqual([]);
    expect(podHardeningProblems(pod(1337)).join()).toMatch(/MESH209/);
    expect(podHardeningProblems(pod(0)).join()).toMatch(/runAsUser: 0 is root/);
  });

  test('missing limits and capabilities are reported per container', () => {
    const problems = podHardeningProblems({ automountServiceAccountToken: false, containers: [{ name: 'c', securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false } }] });
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/containers\[c\]\.securityContext\.capabilities\.drop: must include ALL/),
      expect.stringMatching(/containers\[c\]\.resources\.limits\.memory: must be set/),
    ]));
  });
});

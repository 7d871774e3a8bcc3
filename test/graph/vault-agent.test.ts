// `vault` on a workload: HashiCorp Vault's agent injector as a typed option (hashicorp/vault-k8s agent-inject/agent/annotations.go:
// agent-inject, role, service, auth-path, agent-inject-secret-<name>, agent-inject-template-<name>, agent-pre-populate-only).
import { Cron } from 'cdk8s';
import * as YAML from 'yaml';
import { MeshCronJob, MeshJob, MeshPlatform, MeshService, RemoteService, VaultAgent } from '../../src';
import { analyze } from '../../src/validate/analysis';
import { find, meshChart, synth, synthError } from '../util';

const native = MeshPlatform.of({ kubernetesVersion: '1.30' });

function setup(platform: MeshPlatform = native) {
  const { app, chart } = meshChart({ namespace: 'payments', platform });
  const vault = new RemoteService(chart, 'vault', { namespace: 'vault', ports: [{ port: 8200, protocol: 'http' }], sidecar: false });
  const agent = (extra: Partial<Parameters<typeof VaultAgent.of>[0]> = {}) => VaultAgent.of({
    role: 'tokenizer', server: vault, secrets: [{ name: 'db', path: 'database/creds/tokenizer' }, { name: 'config', path: 'secret/data/tokenizer', template: '{{ with secret "secret/data/tokenizer" }}{{ .Data.data.key }}{{ end }}' }],
    ...extra,
  });
  return { app, chart, vault, agent };
}

/** The remote-calls record's entries: caller, callee, port, whether the callee runs a sidecar. */
const calls = (m: Record<string, any>[]) => (YAML.parse(find(m, 'ConfigMap', 'test-remote-calls').data['calls.yaml']) as any[])
  .map((c) => [c.source.workload, `${c.callee.namespace}/${c.callee.service}`, c.callee.port.port, c.callee.sidecar ?? true]);
const vaultCodes = (m: Record<string, any>[]) => analyze(m).filter((f) => ['MESH230', 'MESH231'].includes(f.code)).map((f) => `${f.code} ${f.resource.name}`);

describe("MeshService vault: the injector's annotations, the token, a native sidecar and the call to Vault", () => {
  test('writes the annotations vault-k8s reads, mounts the token and makes istio-proxy native; MESH230 and MESH231 do not fire', () => {
    const { app, chart, agent } = setup();
    new MeshService(chart, 'tokenizer', { image: 'registry.example.com/tokenizer:1.0.0', vault: agent() });
    const m = synth(app);
    const pod = find(m, 'Deployment', 'tokenizer').spec.template;
    expect(pod.metadata.annotations).toEqual({
      'sidecar.istio.io/nativeSidecar': 'true',
      'vault.hashicorp.com/agent-inject': 'true',
      'vault.hashicorp.com/role': 'tokenizer',
      'vault.hashicorp.com/service': 'http://vault.vault.svc:8200',
      'vault.hashicorp.com/agent-inject-secret-db': 'database/creds/tokenizer',
      'vault.hashicorp.com/agent-inject-secret-config': 'secret/data/tokenizer',
      'vault.hashicorp.com/agent-inject-template-config': '{{ with secret "secret/data/tokenizer" }}{{ .Data.data.key }}{{ end }}',
    });
    expect(pod.spec.automountServiceAccountToken).toBe(true);
    expect(vaultCodes(m)).toEqual([]);
    // The same annotations by hand, without the token and the native sidecar, are what MESH230 and MESH231 still catch
    const handWritten = m.map((o) => (o.kind === 'Deployment' && o.metadata.name === 'tokenizer' ? {
      ...o, spec: { ...o.spec, template: {
        metadata: { ...pod.metadata, annotations: { ...pod.metadata.annotations, 'sidecar.istio.io/nativeSidecar': 'false' } },
        spec: { ...pod.spec, automountServiceAccountToken: false },
      } },
    } : o));
    expect(vaultCodes(handWritten)).toEqual(['MESH230 tokenizer', 'MESH231 tokenizer']);
  });

  test("the agent's connections to Vault are the pod's call: Sidecar and NetworkPolicy egress, the remote-calls record", () => {
    const { app, chart, agent } = setup();
    new MeshService(chart, 'tokenizer', { image: 'registry.example.com/tokenizer:1.0.0', vault: agent() });
    const m = synth(app);
    expect(find(m, 'Sidecar', 'tokenizer').spec.egress[0].hosts).toContain('vault/vault.vault.svc.cluster.local');
    expect(find(m, 'NetworkPolicy', 'tokenizer').spec.egress).toContainEqual({
      ports: [{ port: 8200, protocol: 'TCP' }],
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'vault' } }, podSelector: { matchLabels: { app: 'vault' } } }],
    });
    // The call is recorded for the check over both teams' folders, as plaintext to a callee without a sidecar
    expect(calls(m)).toEqual([['tokenizer', 'vault/vault', 8200, false]]);
  });

  test('an https port gives an https address, another port may be named; without a sidecar no native annotation', () => {
    const { app, chart, vault } = setup();
    const tls = new RemoteService(chart, 'vault-tls', { name: 'vault', namespace: 'vault-ha', ports: [{ port: 8200, protocol: 'https' }, { port: 8201, protocol: 'tcp' }] });
    expect(VaultAgent.of({ role: 'r', server: tls, secrets: [{ name: 's', path: 'p' }] }).address).toBe('https://vault.vault-ha.svc:8200');
    expect(VaultAgent.of({ role: 'r', server: tls, port: 8201, secrets: [{ name: 's', path: 'p' }], authPath: 'auth/k8s-prod' }).annotations())
      .toMatchObject({ 'vault.hashicorp.com/service': 'http://vault.vault-ha.svc:8201', 'vault.hashicorp.com/auth-path': 'auth/k8s-prod' });
    new MeshService(chart, 'plain', {
      image: 'registry.example.com/plain:1.0.0', sidecar: { inject: false },
      vault: VaultAgent.of({ role: 'plain', server: vault, secrets: [{ name: 's', path: 'p' }] }),
    });
    expect(find(synth(app), 'Deployment', 'plain').spec.template.metadata.annotations['sidecar.istio.io/nativeSidecar']).toBeUndefined();
  });

  test('MESH242 where the platform does not say it runs native sidecars; MESH231 where the token is kept out on purpose', () => {
    const old = setup(MeshPlatform.of({ kubernetesVersion: '1.28' }));
    new MeshService(old.chart, 'tokenizer', { image: 'registry.example.com/tokenizer:1.0.0', vault: old.agent() });
    expect(synthError(old.app)).toMatch(/\[test\/tokenizer\] vault: init container vault-agent-init calls test\/vault before the pod's containers start.*\(kubernetesVersion 1\.28\).*\[MESH242\]/);
    const kept = setup();
    new MeshService(kept.chart, 'tokenizer', { image: 'registry.example.com/tokenizer:1.0.0', vault: kept.agent(), automountServiceAccountToken: false });
    expect(synthError(kept.app)).toMatch(/automountServiceAccountToken: .*\[MESH231\]/);
  });

  test('MESH248: options the injector cannot honour throw; annotations of its own beside vault fail synth', () => {
    const { app, chart, vault, agent } = setup();
    const of = (o: Partial<Parameters<typeof VaultAgent.of>[0]>) => () => VaultAgent.of({ role: 'r', server: vault, secrets: [{ name: 's', path: 'p' }], ...o });
    expect(of({ role: ' ' })).toThrow(/VaultAgent role: must be the name of a Vault role.*\[MESH248\]/);
    expect(of({ secrets: [] })).toThrow(/VaultAgent secrets: needs at least one secret.*\[MESH248\]/);
    expect(of({ secrets: [{ name: 'db/creds', path: 'p' }] })).toThrow(/secrets\[0\]\.name: 'db\/creds' must be letters.*\[MESH248\]/);
    expect(of({ secrets: [{ name: 'x'.repeat(42), path: 'p', template: 't' }] })).toThrow(/agent-inject-template-x+ \(its name at most 63/);
    expect(of({ secrets: [{ name: 'x'.repeat(43), path: 'p' }] })).not.toThrow();
    expect(of({ secrets: [{ name: 'a', path: 'p' }, { name: 'a', path: 'q' }] })).toThrow(/secrets\[1\]\.name: 'a' is given twice/);
    expect(of({ secrets: [{ name: 'a', path: '' }] })).toThrow(/secrets\[0\]\.path: must be a path in Vault/);
    expect(of({ port: 8300 })).toThrow(/VaultAgent port: vault\/vault has no port 8300 \(8200\).*\[MESH248\]/);
    new MeshService(chart, 'tokenizer', {
      image: 'registry.example.com/tokenizer:1.0.0', vault: agent(), podAnnotations: { 'vault.hashicorp.com/agent-init-first': 'true' },
    });
    expect(synthError(app)).toMatch(/podAnnotations: vault\.hashicorp\.com\/agent-init-first beside vault.*\[MESH248\]/);
  });
});

describe('MeshCronJob and MeshJob vault: the init container alone, so the pod completes', () => {
  test('pre-populate-only, the token mounted, the call to Vault; the hardening check and MESH230/231 pass', () => {
    const { app, chart, agent } = setup();
    new MeshCronJob(chart, 'rotate', { image: 'registry.example.com/rotate:1.0.0', schedule: Cron.schedule({ minute: '0' }), vault: agent() });
    new MeshJob(chart, 'migrate', { image: 'registry.example.com/migrate:1.0.0', vault: agent() });
    const m = synth(app);
    for (const pod of [find(m, 'CronJob', 'rotate').spec.jobTemplate.spec.template, find(m, 'Job', 'migrate').spec.template]) {
      expect(pod.metadata.annotations).toMatchObject({
        'sidecar.istio.io/nativeSidecar': 'true', 'vault.hashicorp.com/agent-inject': 'true', 'vault.hashicorp.com/agent-pre-populate-only': 'true',
        'vault.hashicorp.com/role': 'tokenizer', 'vault.hashicorp.com/agent-inject-secret-db': 'database/creds/tokenizer',
      });
      expect(pod.spec.automountServiceAccountToken).toBe(true);
    }
    expect(vaultCodes(m)).toEqual([]);
    expect(find(m, 'NetworkPolicy', 'migrate').spec.egress.some((r: any) => r.ports?.[0]?.port === 8200)).toBe(true);
    expect(calls(m).sort()).toEqual([['migrate', 'vault/vault', 8200, false], ['rotate', 'vault/vault', 8200, false]]);
    // Without vault a job still mounts no token
    const plain = setup();
    new MeshJob(plain.chart, 'migrate', { image: 'registry.example.com/migrate:1.0.0' });
    expect(find(synth(plain.app), 'Job', 'migrate').spec.template.spec.automountServiceAccountToken).toBe(false);
  });
});

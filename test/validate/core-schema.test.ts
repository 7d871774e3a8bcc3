// Core objects are validated against kubernetes-models' schemas as `new Model(data).validate()`
// does (a copy without undefined values): the object itself first, the copy only when it fails.
import { checkCoreObject } from '../../src/validate/core';
import { deployment } from './flow/fixtures';
import { checkSchema, schemaContext } from '../../src/validate/validate';

describe('core objects against their schemas', () => {
  test('an unknown field holding undefined is no error, as it is none on the model\'s copy', () => {
    const d = deployment('a', 'shop');
    d.spec.bogus = undefined;
    d.spec.template.spec.containers[0].imagePullPolicy = undefined;
    expect(checkCoreObject(d, [])).toEqual([]);
  });

  test('a wrong value is reported with the copy\'s errors, its refused values collected', () => {
    const d = deployment('a', 'shop');
    d.spec.replicas = 'three';
    d.spec.bogus = undefined;
    const refused: string[] = [];
    expect(checkCoreObject(d, refused)).toEqual([expect.objectContaining({ code: 'MESH153', field: 'spec.replicas', message: 'must be integer' })]);
    expect(refused).toEqual(['/spec/replicas']);
  });

  test('the verdict is the model\'s own, whatever the object holds', () => {
    // kubernetes-models' Deployment, as `new Deployment(data).validate()` judges it
    const { Deployment } = require('kubernetes-models/apps/v1/Deployment');
    const variants: ((d: any) => void)[] = [
      () => undefined, (d) => { d.spec.bogus = 1; }, (d) => { d.spec.template = undefined; }, (d) => { delete d.spec.selector; },
      (d) => { d.spec.template.spec.containers[0].ports = [{ containerPort: 'x', name: undefined }]; },
      (d) => { d.metadata.labels = { a: undefined }; },
    ];
    for (const change of variants) {
      const d = deployment('a', 'shop');
      change(d);
      let expected: string[] = [];
      try { new Deployment(d).validate(); } catch (e: any) { expected = e.errors.map((x: any) => x.message); }
      expect(checkCoreObject(d, [])!.map((f) => f.message)).toEqual(expected);
    }
  });
});

describe("a Service's ports as the API server validates them (pkg/apis/core/validation/validation.go, ValidateService)", () => {
  const svc = (ports: object[]) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { app: 'web' }, ports } });
  const problems = (ports: object[]) => (checkCoreObject(svc(ports)) ?? []).map((f) => `${f.field}: ${f.message}`);

  test('a named targetPort must be an IANA service name; names are required with several ports, unique, DNS labels; no port and protocol twice', () => {
    expect(problems([{ name: 'http', port: 80, targetPort: 'http_web_port_too_long' }])).toEqual([
      "spec.ports[0].targetPort: 'http_web_port_too_long' is not a port name (an IANA service name: 1 to 15 lowercase letters, digits and '-', with a letter)",
    ]);
    expect(problems([{ port: 80 }, { port: 9090, appProtocol: 'grpc' }])).toEqual([
      'spec.ports[0].name: is required when the Service has several ports', 'spec.ports[1].name: is required when the Service has several ports',
    ]);
    expect(problems([{ name: 'http', port: 80, targetPort: 8080 }, { name: 'http', port: 81, targetPort: 8080 }])).toEqual(["spec.ports[1].name: 'http' names two ports"]);
    expect(problems([{ name: 'http', port: 80 }, { name: 'http2', port: 80 }])).toEqual(['spec.ports[1].port: 80/TCP is the port and protocol of another port']);
  });

  test('what it accepts: one unnamed port, a named targetPort, one number on TCP and UDP', () => {
    expect(problems([{ port: 80 }])).toEqual([]);
    expect(problems([{ name: 'http', port: 80, targetPort: 'http-web' }])).toEqual([]);
    expect(problems([{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }])).toEqual([]);
  });
});

describe("a NetworkPolicy's peers as the API server validates them (pkg/apis/networking/validation/validation.go, ValidateNetworkPolicyPeer, ValidateIPBlock)", () => {
  const policy = (from: object[], to: object[] = []) => ({
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'legacy', namespace: 'shop' },
    spec: { podSelector: { matchLabels: { app: 'legacy' } }, policyTypes: ['Ingress', 'Egress'], ingress: [{ from }], egress: [{ to }] },
  });
  const problems = (from: object[], to: object[] = []) => (checkCoreObject(policy(from, to)) ?? []).map((f) => `${f.code} ${f.field}: ${f.message}`);

  test('an ipBlock of something that is no CIDR, or an except that is not a strict subset of it, is refused', () => {
    expect(problems([{ ipBlock: { cidr: 'not-a-cidr' } }, { ipBlock: { cidr: '10.50.0.1' } }], [{ ipBlock: { cidr: '10.50.0.0/33' } }])).toEqual([
      "MESH153 spec.ingress[0].from[0].ipBlock.cidr: 'not-a-cidr' must be a valid CIDR value (10.9.8.0/24 or 2001:db8::/64)",
      "MESH153 spec.ingress[0].from[1].ipBlock.cidr: '10.50.0.1' must be a valid CIDR value (10.9.8.0/24 or 2001:db8::/64)",
      "MESH153 spec.egress[0].to[0].ipBlock.cidr: '10.50.0.0/33' must be a valid CIDR value (10.9.8.0/24 or 2001:db8::/64)",
    ]);
    expect(problems([{ ipBlock: { cidr: '10.0.0.0/24', except: ['10.0.0.0/24', '192.168.0.0/25', '10.0.0.0/23', 'fd00::/64', 'x'] } }])).toEqual([
      "MESH153 spec.ingress[0].from[0].ipBlock.except[0]: '10.0.0.0/24' must be a strict subset of `cidr` (10.0.0.0/24)",
      "MESH153 spec.ingress[0].from[0].ipBlock.except[1]: '192.168.0.0/25' must be a strict subset of `cidr` (10.0.0.0/24)",
      "MESH153 spec.ingress[0].from[0].ipBlock.except[2]: '10.0.0.0/23' must be a strict subset of `cidr` (10.0.0.0/24)",
      "MESH153 spec.ingress[0].from[0].ipBlock.except[3]: 'fd00::/64' must be a strict subset of `cidr` (10.0.0.0/24)",
      "MESH153 spec.ingress[0].from[0].ipBlock.except[4]: 'x' must be a valid CIDR value (10.9.8.0/24 or 2001:db8::/64)",
    ]);
  });

  test('a peer names something, and an ipBlock nothing else', () => {
    expect(problems([{}, { ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }])).toEqual([
      'MESH153 spec.ingress[0].from[0]: must specify a peer',
      'MESH153 spec.ingress[0].from[1]: may not specify both ipBlock and another peer',
    ]);
  });

  test('what it accepts: IPv4 and IPv6 ranges, a catch-all, excepts inside them, selectors', () => {
    expect(problems(
      [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16', '10.2.3.4/32'] } }, { ipBlock: { cidr: 'fd00::/8', except: ['fd00:1::/32'] } }],
      [{ ipBlock: { cidr: '0.0.0.0/0' } }, { namespaceSelector: {}, podSelector: { matchLabels: { app: 'x' } } }],
    )).toEqual([]);
  });
});

describe('the kinds a platform component\'s Helm chart installs are the API server\'s own, validated, not unknown', () => {
  // cert-manager's chart (templates/webhook-validating-webhook.yaml) writes this webhook; its CRDs are apiextensions.k8s.io/v1.
  const webhook = (hook: Record<string, unknown>) => ({
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'cert-manager-webhook' },
    webhooks: [hook],
  });
  const hook = {
    name: 'webhook.cert-manager.io', admissionReviewVersions: ['v1'], sideEffects: 'None', failurePolicy: 'Fail', timeoutSeconds: 30,
    rules: [{ apiGroups: ['cert-manager.io'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['*/*'] }],
    clientConfig: { service: { name: 'cert-manager-webhook', namespace: 'cert-manager', path: '/validate' } },
  };
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'certificates.cert-manager.io' },
    spec: {
      group: 'cert-manager.io', scope: 'Namespaced', names: { kind: 'Certificate', plural: 'certificates', singular: 'certificate', listKind: 'CertificateList' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
  const strict = schemaContext({ strict: true });

  test('a webhook configuration and a CRD pass under --strict, with no MESH152', () => {
    expect(checkSchema(webhook(hook), strict)).toEqual([]);
    expect(checkSchema(crd, strict)).toEqual([]);
    const mutating = { ...webhook(hook), kind: 'MutatingWebhookConfiguration' };
    expect(checkSchema(mutating, strict)).toEqual([]);
    const claim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'argocd' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
    expect(checkSchema(claim, strict)).toEqual([]);
  });

  test('and are checked against their schemas: a webhook without sideEffects, a CRD version without a name', () => {
    const { sideEffects: _drop, ...noSideEffects } = hook;
    expect(checkSchema(webhook(noSideEffects), strict).map((f) => `${f.code} ${f.field}`)).toEqual(['MESH153 webhooks[0]']);
    const badCrd = { ...crd, spec: { ...crd.spec, versions: [{ served: true, storage: true }] } };
    expect(checkSchema(badCrd, strict).map((f) => `${f.code} ${f.field}`)).toEqual(['MESH153 spec.versions[0]']);
  });
});

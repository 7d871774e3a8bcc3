/**
 * istiod's webhook checks, the API server's list types and YAML reading, and what the
 * analysis must not flag because Istio accepts it.
 */
import { analyze } from '../../src/validate/analysis';
import { validateManifests } from '../../src/validate';
import { checkWebhook } from '../../src/validate/webhook';
import * as fc from 'fast-check';
import { parseYamlDocuments } from '../../src/private/yaml-reader';
import { listItems, mayDecodeDifferentlyAsYaml11, parseManifests } from '../../src/validate/yaml';
import { app, authorizationPolicy, M, service, virtualService } from './fixtures';

/** `<code> <field>` of every webhook finding of `m`. */
function webhook(m: M): string[] {
  return checkWebhook(m).map((f) => `${f.code} ${f.field}`).sort();
}

describe("istiod's webhook", () => {
  test('MESH203: a DENY AuthorizationPolicy without rules; an empty rule {} is accepted', () => {
    expect(webhook(authorizationPolicy('deny', { action: 'DENY' }))).toEqual(['MESH203 spec.rules']);
    expect(webhook(authorizationPolicy('deny', { action: 'DENY', rules: [{}] }))).toEqual([]);
    // ALLOW without rules is allow-nothing, which Istio accepts.
    expect(webhook(authorizationPolicy('allow-nothing', {}))).toEqual([]);
  });

  test('MESH307: fault percentages outside 0.0001-100 and abort statuses outside 200-599', () => {
    const fault = (f: M) => virtualService('orders', [{ route: [{ destination: { host: 'orders' } }], fault: f }]);
    expect(webhook(fault({ abort: { httpStatus: 503, percentage: { value: 100.5 } } }))).toEqual(['MESH307 spec.http[0].fault.abort.percentage.value']);
    expect(webhook(fault({ abort: { httpStatus: 503, percentage: { value: 100 } } }))).toEqual([]);
    expect(webhook(fault({ delay: { fixedDelay: '1s', percentage: { value: 0.00001 } } }))).toEqual(['MESH307 spec.http[0].fault.delay.percentage.value']);
    expect(webhook(fault({ abort: { httpStatus: 601 } }))).toEqual(['MESH307 spec.http[0].fault.abort.httpStatus']);
    // validateHTTPStatus refuses only over 600; Envoy's FaultAbort.http_status is 200-599 (fault.proto): MESH190.
    expect(webhook(fault({ abort: { httpStatus: 600, percentage: { value: 1 } } }))).toEqual(['MESH190 spec.http[0].fault.abort.httpStatus']);
    expect(webhook(fault({ abort: { httpStatus: 599, percentage: { value: 1 } } }))).toEqual([]);
    expect(webhook(fault({ abort: { grpcStatus: 'NOT_FOUND' } }))).toEqual([]);
    expect(webhook(fault({}))).toEqual(['MESH307 spec.http[0].fault']);
  });

  test('MESH201: a method that is not an HTTP method', () => {
    const ap = (methods: string[]) => authorizationPolicy('p', { rules: [{ to: [{ operation: { methods } }] }] });
    // istiod takes any method; one that matches no HTTP method never matches: a warning (MESH162)
    expect(webhook(ap(['GET', 'FETCH']))).toEqual(['MESH162 spec.rules[0].to[0].operation.methods[1]']);
    expect(webhook(ap(['GET', 'POST']))).toEqual([]);
  });

  test('MESH014: retry settings with attempts 0; unknown retryOn policies are MESH160', () => {
    const retries = (r: M) => virtualService('orders', [{ route: [{ destination: { host: 'orders' } }], retries: r }]);
    expect(webhook(retries({ attempts: 0, retryOn: '5xx' }))).toEqual(['MESH014 spec.http[0].retries']);
    expect(webhook(retries({ retryOn: '5xx' }))).toEqual(['MESH014 spec.http[0].retries']);
    expect(webhook(retries({ attempts: 3, retryOn: '5xx,503,reset' }))).toEqual([]);
    expect(webhook(retries({ attempts: 3, retryOn: '5xx,sometimes' }))).toEqual(['MESH160 spec.http[0].retries.retryOn']);
  });

  test('MESH160: route conflicts', () => {
    expect(webhook(virtualService('orders', [{ redirect: { uri: '/x' }, route: [{ destination: { host: 'orders' } }] }]))).toEqual(['MESH160 spec.http[0].route']);
    expect(webhook(virtualService('orders', [{ match: [{ uri: { prefix: '/' } }] }]))).toEqual(['MESH160 spec.http[0]']);
  });

  test('the webhook runs in validateManifests, so a rendered object gets the same verdict as at synth', () => {
    const findings = validateManifests([authorizationPolicy('deny', { action: 'DENY' })], { analysisOnly: true });
    expect(findings.map((f) => f.code)).toEqual(['MESH203']);
  });
});

describe('the API server', () => {
  test('MESH171: x-kubernetes-list-type map keys are unique (WasmPlugin env names)', () => {
    const wasm = (env: M[]) => ({
      apiVersion: 'extensions.istio.io/v1alpha1', kind: 'WasmPlugin', metadata: { name: 'w', namespace: 'shop' },
      spec: { url: 'oci://registry.example.com/filter:1', vmConfig: { env } },
    });
    const dup = validateManifests([wasm([{ name: 'A', value: '1' }, { name: 'A', value: '2' }])], { schemaOnly: true });
    expect(dup.filter((f) => f.code === 'MESH171').map((f) => f.field)).toContain('spec.vmConfig.env[1]');
    expect(validateManifests([wasm([{ name: 'A', value: '1' }, { name: 'B', value: '2' }])], { schemaOnly: true })).toEqual([]);
  });

  test('YAML is read as go-yaml v2 reads it: an unquoted IPv6 address in a flow list is a string', () => {
    const [se] = parseManifests('kind: ServiceEntry\nspec:\n  addresses: [001:db8::, 2001:db8::1/128]\n  hosts: [a.example.com]\n');
    expect(se.spec.addresses).toEqual(['001:db8::', '2001:db8::1/128']);
    // YAML 1.1 as go-yaml v2 resolves it: yes is a boolean, 010 octal; a date stays text.
    expect(parseManifests('a: yes\nb: 010\nc: 2026-11-22\nd: "yes"\n')[0]).toEqual({ a: true, b: 8, c: '2026-11-22', d: 'yes' });
  });

  test('the fast path: where the guard sees no YAML 1.1 difference, js-yaml decodes what go-yaml v2 does', () => {
    const js = (t: string) => parseYamlDocuments(t, 'x.yaml').flatMap((d) => listItems(d.value));
    // Each of these decodes differently under YAML 1.1, so the guard must send it to the slow path.
    for (const t of ['a: yes\n', 'a: off\n', 'a: [y, n]\n', 'a: 010\n', 'a: 1_000\n', 'a: 1:20\n', 'a: 2026-11-22\n', 'a: [001:db8::]\n']) {
      expect(mayDecodeDifferentlyAsYaml11(t)).toBe(true);
    }
    // Any scalar map the guard passes reads the same both ways.
    const scalar = fc.oneof(fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9 ._/-]{0,11}$/), fc.integer(), fc.boolean(),
      fc.constantFrom('yes', 'no', 'on', 'off', 'y', 'N', '0755', '0x1f', '1_000', '1:20', '2026-11-22', '001:db8::', '~', 'null', '.inf', '-0', '+12', 'e0', '1e3', '.5', '.'));
    fc.assert(fc.property(fc.dictionary(fc.oneof(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), fc.constantFrom('y', 'on', 'no', 'e0')), scalar, { maxKeys: 5 }), fc.boolean(), (map, flow) => {
      const text = flow
        ? `kind: ConfigMap\ndata: [${Object.values(map).map((v) => String(v)).join(', ')}]\n`
        : `kind: ConfigMap\n${Object.entries(map).map(([k, v]) => `${k}: ${String(v)}`).join('\n')}\n`;
      let slow: unknown;
      try { slow = parseManifests(text); } catch { return; }
      // Compared as JSON, the form kube-apiserver stores (so -0 and 0 are one value).
      if (!mayDecodeDifferentlyAsYaml11(text)) expect(JSON.stringify(js(text))).toEqual(JSON.stringify(slow));
    }), { numRuns: 300 });
  });

  test('unknown third-party kinds are a warning unless strict', () => {
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    expect(validateManifests([widget], { schemaOnly: true }).map((f) => `${f.code} ${f.severity}`)).toEqual(['MESH152 warning']);
    expect(validateManifests([widget], { schemaOnly: true, strict: true }).map((f) => `${f.code} ${f.severity}`)).toEqual(['MESH152 undefined']);
  });
});

describe('what Istio accepts is not flagged', () => {
  const se = (name: string, hosts: string[], extra: M = {}): M => ({
    apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name, namespace: 'shop' },
    spec: { hosts, addresses: ['240.0.0.1'], resolution: 'DNS', ports: [{ number: 443, name: 'https', protocol: 'HTTPS' }], ...extra },
  });
  const codes = (ms: M[]) => analyze(ms).filter((f) => (f.severity ?? 'error') === 'error').map((f) => `${f.code} ${f.resource.name}`);

  test('a wildcard ServiceEntry host resolves reviews.eu.bookinfo.com', () => {
    const vs = virtualService('reviews', [{ route: [{ destination: { host: 'reviews.eu.bookinfo.com' } }] }]);
    expect(codes([...app('orders'), se('eu', ['*.eu.bookinfo.com']), vs])).toEqual([]);
    expect(codes([...app('orders'), se('us', ['*.us.bookinfo.com']), vs])).toEqual(['MESH100 reviews']);
  });

  test('a host with a dot is never expanded into the cluster domain', () => {
    const vs = virtualService('google', [{ route: [{ destination: { host: 'google.com' } }] }]);
    expect(codes([...app('orders'), se('google', ['google.com']), vs])).toEqual([]);
  });

  test('exportTo: a ServiceEntry exported to its own namespace is not visible from another', () => {
    const other = { ...virtualService('api', [{ route: [{ destination: { host: 'api.example.com' } }] }]), metadata: { name: 'api', namespace: 'web' } };
    expect(codes([...app('orders'), se('api', ['api.example.com'], { exportTo: ['.'] }), other])).toEqual(['MESH100 api']);
    expect(codes([...app('orders'), se('api', ['api.example.com'], { exportTo: ['web'] }), other])).toEqual([]);
  });

  test('exportTo: two VirtualServices for one host in scopes that do not meet do not conflict', () => {
    const vs = (ns: string) => ({ ...virtualService('orders', [{ route: [{ destination: { host: 'orders.shop.svc.cluster.local' } }] }]), metadata: { name: 'orders', namespace: ns }, spec: { hosts: ['orders.shop.svc.cluster.local'], exportTo: ['.'], http: [{ route: [{ destination: { host: 'orders.shop.svc.cluster.local' } }] }] } });
    const [svc, sa, dep] = app('orders');
    expect(codes([svc, sa, dep, vs('a'), vs('b')])).toEqual([]);
  });

  test('node topology labels in a subset selector match any node, unless the pod is on a known node without them', () => {
    const [svc, sa, dep, , vs] = app('orders');
    const dr = { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'orders', namespace: 'shop' }, spec: { host: 'orders', subsets: [{ name: 'stable', labels: { version: 'v1', 'topology.kubernetes.io/zone': 'eu-1a' } }] } };
    expect(codes([svc, sa, dep, dr, vs])).toEqual([]);
  });

  test("a VirtualService bound to a Gateway in a namespace the set holds nothing of (the platform's) is not checked", () => {
    const [svc, sa, dep, dr] = app('orders');
    const vs = (gateways: string[]) => ({ ...virtualService('orders', [{ route: [{ destination: { host: 'orders', subset: 'stable' } }] }]), spec: { hosts: ['orders.example.com'], gateways, http: [{ route: [{ destination: { host: 'orders', subset: 'stable' } }] }] } });
    expect(codes([svc, sa, dep, dr, vs(['istio-system/public'])])).toEqual([]);
    expect(codes([svc, sa, dep, dr, vs(['public'])])).toEqual(['MESH123 orders']);
  });

  test('Services in system namespaces are not held to the port naming convention', () => {
    expect(analyze([service('dns', [{ name: 'dns', port: 53 }], 'kube-system')]).map((f) => f.code)).toEqual([]);
    expect(analyze([service('dns', [{ name: 'dns', port: 8053 }], 'shop')]).map((f) => f.code)).toEqual(['MESH105']);
    // Istio reads 25, 53, 3306 and 27017 as TCP when the name says nothing (pkg/config/kube/conversion.go ConvertProtocol, wellKnownPorts).
    expect(analyze([service('db', [{ name: 'misc', port: 3306 }, { name: 'dns', port: 53 }], 'shop')]).map((f) => f.code)).toEqual([]);
    expect(analyze([service('dns', [{ name: 'dns', port: 8053 }], 'shop')])[0].severity).toBe('warning');
    // An appProtocol is read as the name would be (an unknown one says nothing); only UDP is known by its protocol alone.
    expect(analyze([service('api', [{ name: 'api', port: 8080, appProtocol: 'foo' }], 'shop')]).map((f) => f.code)).toEqual(['MESH105']);
    expect(analyze([service('api', [{ name: 'api', port: 8080, appProtocol: 'http' }], 'shop')]).map((f) => f.code)).toEqual([]);
    // A Service a gateway controller manages (a waypoint) is skipped, as istioctl skips it (service/portname.go).
    const waypoint = service('w', [{ name: 'mesh', port: 15008, appProtocol: 'hbone' }], 'shop');
    expect(analyze([{ ...waypoint, metadata: { ...waypoint.metadata, labels: { 'gateway.istio.io/managed': 'istio.io-mesh-controller' } } }])).toEqual([]);
  });
});

/**
 * The misses issue 26 measured, as it measured them: dist/'s own Istio objects, each with one
 * mutation, through the validator with `--schema-only` (schema, CEL and istiod's webhook) at Istio
 * 1.24. Each row is what istiod (or the API server) does with the mutated object: refused with a
 * code, or admitted (maybe with a warning).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isError } from '../../src/validate/finding';
import { parseManifests, validateManifests } from '../../src/validate';

const DIST = path.join(__dirname, '..', '..', 'dist', 'production');
const read = (file: string) => parseManifests(fs.readFileSync(path.join(DIST, file), 'utf8'))[0];

/** `object` with `mutate` applied to a deep copy. */
function mutated(file: string, mutate: (m: any) => void): Record<string, any> {
  const m = structuredClone(read(file));
  mutate(m);
  return m;
}

/** The error codes of one object, schema-only (as the issue ran the validator), and its warning codes. */
function verdict(m: Record<string, any>): { errors: string[]; warnings: string[] } {
  const all = validateManifests([m], { schemaOnly: true });
  return { errors: [...new Set(all.filter(isError).map((f) => f.code))].sort(),
    warnings: [...new Set(all.filter((f) => !isError(f)).map((f) => f.code))].sort() };
}

const VS = 'virtualservice.order-service.yaml';
const DR = 'destinationrule.order-service.yaml';
const SE = 'serviceentry.payment-provider.yaml';
const SC = 'sidecar.order-service.yaml';
const GW = 'gateway.shop-gateway.yaml';
const AP = 'authorizationpolicy.order-service-policy.yaml';

describe("dist/'s objects, one mutation each: what istiod refuses is refused", () => {
  test('the objects themselves pass', () => {
    for (const f of [VS, DR, SE, SC, GW, AP]) expect([f, verdict(read(f)).errors]).toEqual([f, []]);
  });

  test.each([
    // invalid hosts everywhere a host is (agent.ValidateWildcardDomain, ValidateNamespaceSlashWildcardHostname)
    ...['', '*.*', 'a*b.example.com', '-bad.example.com', 'has space.example.com'].flatMap((h) => [
      [`VirtualService host ${JSON.stringify(h)}`, VS, (m: any) => { m.spec.hosts[0] = h; }, 'MESH179'],
      [`destination host ${JSON.stringify(h)}`, VS, (m: any) => { m.spec.http[0].route[0].destination.host = h; }, 'MESH179'],
      [`DestinationRule host ${JSON.stringify(h)}`, DR, (m: any) => { m.spec.host = h; }, 'MESH179'],
      [`ServiceEntry host ${JSON.stringify(h)}`, SE, (m: any) => { m.spec.hosts[0] = h; }, 'MESH179'],
      [`Sidecar egress host ${JSON.stringify(h)}`, SC, (m: any) => { m.spec.egress[0].hosts[0] = `./${h}`; }, 'MESH179'],
      [`Gateway host ${JSON.stringify(h)}`, GW, (m: any) => { m.spec.servers[0].hosts[0] = h; }, 'MESH179'],
    ] as const),
    ['duplicate VirtualService hosts', VS, (m: any) => { m.spec.hosts = [m.spec.hosts[0], m.spec.hosts[0]]; }, 'MESH179'],
    ['VirtualService host * without gateways', VS, (m: any) => { m.spec.hosts = ['*']; }, 'MESH179'],
    ['Gateway port 0', GW, (m: any) => { m.spec.servers[1].port.number = 0; }, 'MESH180'],
    ['Gateway port 70000', GW, (m: any) => { m.spec.servers[1].port.number = 70000; }, 'MESH180'],
    ['Gateway targetPort', GW, (m: any) => { m.spec.servers[1].port.targetPort = 8080; }, 'MESH504'],
    ['Sidecar egress port 0', SC, (m: any) => { m.spec.egress[0].port = { number: 0, protocol: 'HTTP', name: 'http' }; }, 'MESH164'],
    ['Sidecar egress port 70000', SC, (m: any) => { m.spec.egress[0].port = { number: 70000, protocol: 'HTTP', name: 'http' }; }, 'MESH180'],
    ['when destination.port "http"', AP, (m: any) => { m.spec.rules[0].when = [{ key: 'destination.port', values: ['http'] }]; }, 'MESH182'],
    ['when on an unknown key', AP, (m: any) => { m.spec.rules[0].when = [{ key: 'source.user', values: ['a'] }]; }, 'MESH182'],
    ['when source.ip not an IP', AP, (m: any) => { m.spec.rules[0].when = [{ key: 'source.ip', values: ['10.0.0.256'] }]; }, 'MESH182'],
    ['ipBlocks not a CIDR', AP, (m: any) => { m.spec.rules[0].from = [{ source: { ipBlocks: ['10.0.0.0/33'] } }]; }, 'MESH181'],
    ['a regex repeat over 1000', VS, (m: any) => { m.spec.http[0].match = [{ uri: { regex: '/a{1001}' } }]; }, 'MESH176'],
    ['ServiceEntry protocol FOO', SE, (m: any) => { m.spec.ports[0].protocol = 'FOO'; }, 'MESH185'],
    ['an invalid subset name', DR, (m: any) => { m.spec.subsets[0].name = 'Stable_1'; }, 'MESH183'],
    ['an invalid gateway name', VS, (m: any) => { m.spec.gateways = ['production/Shop_Gateway']; }, 'MESH183'],
    ['an invalid exportTo', DR, (m: any) => { m.spec.exportTo = ['*', '.']; }, 'MESH184'],
    ['an invalid header name', VS, (m: any) => { m.spec.http[0].match = [{ headers: { 'x user': { exact: 'a' } } }]; }, 'MESH175'],
    ['weights that total 0', VS, (m: any) => {
      m.spec.http[0].route = [{ ...m.spec.http[0].route[0], weight: 0 }, { ...m.spec.http[0].route[0],
        weight: 0 }];
    }, 'MESH187'],
  ] as const)('%s: refused (%s)', (_what, file, mutate, code) => {
    expect(verdict(mutated(file, mutate)).errors).toContain(code);
  });
});

describe("dist/'s objects, one mutation each: what istiod accepts is accepted", () => {
  test.each([
    ['a duplicated Sidecar egress host (a warning)', SC, (m: any) => { m.spec.egress[0].hosts.push(m.spec.egress[0].hosts[0]); }, ['MESH177']],
    ['AuthorizationPolicy port "0"', AP, (m: any) => { m.spec.rules[0].to = [{ operation: { ports: ['0'] } }]; }, []],
    ['to: []', AP, (m: any) => { m.spec.rules[0].to = []; }, []],
    ['from: []', AP, (m: any) => { m.spec.rules[0].from = []; }, []],
    ['a regex with an inline flag mid-pattern', VS, (m: any) => { m.spec.http[0].match = [{ uri: { regex: '/a(?i)b' } }]; }, []],
    ['a Unicode class', VS, (m: any) => { m.spec.http[0].match = [{ uri: { regex: '/\\p{Greek}+' } }]; }, []],
  ] as const)('%s', (_what, file, mutate, warnings) => {
    expect(verdict(mutated(file, mutate))).toEqual({ errors: [], warnings });
  });
});

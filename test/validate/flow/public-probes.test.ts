import { Testing } from 'cdk8s';
import { EdgeGateway, GatewayTls, MeshApp, MeshChart, MeshService, StringMatch } from '../../../src';
import { runFlowCommand } from '../../../src/validate/flow/cli-flow';

/**
 * `--flows` sends each public name a request its routes and their destinations' AuthorizationPolicies serve: a webhook receiver
 * that takes POST only is not reported refused for the GET / it is meant to refuse.
 */
function hooks(match?: NonNullable<Parameters<EdgeGateway['route']>[1]>['match'], tls: GatewayTls = GatewayTls.simple('hooks')) {
  const app = new MeshApp({ outdir: Testing.app().outdir, schemaValidation: false });
  const chart = new MeshChart(app, 'hooks', { namespace: 'hooks' });
  const receiver = new MeshService(chart, 'receiver', { image: 'registry.example.com/receiver:1.0.0' });
  new EdgeGateway(chart, 'edge', {
    servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['hooks.example.com'], tls }],
  }).route(receiver, { hosts: ['hooks.example.com'], ...(match ? { match } : {}) });
  return app.manifests().map((f) => f.manifest);
}

/** The lines `--flows` prints for the public name, with the line below each. */
function publicLines(manifests: readonly Record<string, any>[]): string[] {
  let out = '';
  expect(runFlowCommand(manifests, [], true, { stdout: (t) => { out += t; }, stderr: (t) => { out += t; } })).toBe(0);
  const lines = out.split('\n');
  return lines.flatMap((l, i) => {
    if (!/external -> hooks\.example\.com/.test(l)) return [];
    const below = lines.slice(i + 1, i + 3).find((x) => x.startsWith('  GET /'));
    return below ? [l, below] : [l];
  });
}

const postOnly = hooks([{ uri: StringMatch.prefix('/webhooks/'), method: 'POST' }]);

describe('--flows: a request the public name serves', () => {
  test('a POST-only route is probed with a POST on its path, GET / noted as refused', () => {
    const [line, note] = publicLines(postOnly);
    expect(line).toMatch(/^ALLOWED external -> hooks\.example\.com:443 POST \/webhooks\/x by AuthorizationPolicy hooks\/receiver-policy: /);
    expect(note).toMatch(/^ {2}GET \/ is refused: no http rule of VirtualService hooks\/edge matches GET \/ \(404 NR\)/);
  });

  test('a route for every request whose destination admits only POST on some paths is probed with one of them', () => {
    // The receiver's policy admits the gateway for POST /webhooks/* only (the route, written for every request, is not).
    const narrowed = hooks().map((m) => (m.kind === 'AuthorizationPolicy' && m.metadata.name === 'receiver-policy' ? {
      ...m, spec: { ...m.spec, rules: m.spec.rules.map((r: any) => ({ ...r, to: [{ operation: { methods: ['POST'], paths: ['/webhooks/*'] } }] })) },
    } : m));
    const [line, note] = publicLines(narrowed);
    expect(line).toMatch(/^ALLOWED external -> hooks\.example\.com:443 POST \/webhooks\/x by AuthorizationPolicy hooks\/receiver-policy: /);
    expect(note).toMatch(/^ {2}GET \/ is refused: no ALLOW policy of receiver matches GET \/ /);
  });

  test('a host that serves GET / is probed with it, as before', () => {
    expect(publicLines(hooks())).toEqual([expect.stringMatching(/^ALLOWED external -> hooks\.example\.com:443 GET \/ by /)]);
  });

  test('a POST-only host the manifests refuse is reported refused, for the POST it serves', () => {
    // The receiver's NetworkPolicy no longer lets the gateway in.
    const shut = postOnly.map((m) => (m.kind === 'NetworkPolicy' && m.metadata.name === 'receiver' ? {
      ...m, spec: { ...m.spec, ingress: m.spec.ingress.filter((r: any) => !(r.from ?? []).some((p: any) => p.podSelector?.matchLabels?.istio === 'ingressgateway')) },
    } : m));
    const [line] = publicLines(shut);
    expect(line).toMatch(/^REFUSED external -> hooks\.example\.com:443 POST \/webhooks\/x by NetworkPolicy /);
  });

  test('a route no request can be built for is "no probe", with the reason', () => {
    const unsampled = hooks([{ uri: StringMatch.regex('/h/\\p{Greek}+'), method: 'POST' }]);
    expect(publicLines(unsampled)).toEqual([expect.stringMatching(
      /^NO PROBE external -> hooks\.example\.com:443: its routes serve no request that can be built here, and GET \/ meets none of them \(no http rule/,
    )]);
  });
});

describe('--flows: a server that verifies clients\' certificates', () => {
  test("a MUTUAL server's probe presents the partner's certificate (its first subjectAltName); OPTIONAL_MUTUAL's none", () => {
    const [mutual] = publicLines(hooks(undefined, GatewayTls.mutual('hooks', { subjectAltNames: ['spiffe://partner-a/hooks'] })));
    expect(mutual).toMatch(/^ALLOWED external -> hooks\.example\.com:443 GET \/ cert=spiffe:\/\/partner-a\/hooks by /);
    const [plain] = publicLines(hooks(undefined, GatewayTls.mutual('hooks')));
    expect(plain).toMatch(/^ALLOWED external -> hooks\.example\.com:443 GET \/ cert= by /);
    const [optional] = publicLines(hooks(undefined, GatewayTls.mutual('hooks', { optional: true })));
    expect(optional).toMatch(/^ALLOWED external -> hooks\.example\.com:443 GET \/ by /);
  });
});

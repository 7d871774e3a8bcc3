import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, Chart, Duration } from 'cdk8s';
import { EdgeGateway, GatewayTls, IngressGateway, MeshService } from '../../../src';
import { find, meshChart, synth, synthError } from '../../util';

/**
 * A TLS Secret holding a real, currently valid certificate (the analysis parses it, as
 * istioctl analyze's gateway SecretAnalyzer does), made with openssl once per test file.
 */
const TLS_DATA = (() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=shop.example.com',
    '-keyout', path.join(dir, 'tls.key'), '-out', path.join(dir, 'tls.crt')], { stdio: 'ignore' });
  const read = (f: string) => fs.readFileSync(path.join(dir, f)).toString('base64');
  const data = { 'tls.crt': read('tls.crt'), 'tls.key': read('tls.key') };
  fs.rmSync(dir, { recursive: true, force: true });
  return data;
})();

const secret = (scope: Chart, namespace: string, name = 'shop-tls') =>
  new ApiObject(scope, `secret-${namespace}-${name}`, { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type: 'kubernetes.io/tls', data: TLS_DATA } as any);

describe('the ingress TLS Secret lives with the gateway pods (istio-system), not with the app', () => {
  test('MESH665: a Secret named by credentialName written in the app namespace fails synth', () => {
    const { app, chart } = meshChart();
    new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' });
    secret(chart, 'production');
    expect(synthError(app)).toMatch(
      /\[test\/shop\] tls\.credentialName: Secret 'shop-tls' is written in production, but the gateway pods read it in their own namespace, istio-system \[MESH665\]/);
  });

  test('the same Secret in istio-system is fine, as is no Secret in the output at all', () => {
    const { app, chart } = meshChart();
    new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' });
    secret(chart, 'istio-system');
    expect(() => synth(app)).not.toThrow();
    const none = meshChart();
    new IngressGateway(none.chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' });
    expect(() => synth(none.app)).not.toThrow();
  });

  test("a gateway on other pods than the platform's is not checked (their namespace is not known)", () => {
    const { app, chart } = meshChart();
    new EdgeGateway(chart, 'partner', {
      selector: { istio: 'partner-gateway' },
      servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, tls: GatewayTls.simple('shop-tls'), hosts: ['partner.example.com'] }],
    });
    secret(chart, 'production');
    expect(() => synth(app)).not.toThrow();
  });
});

describe('ingress routes wait for the service and never resend a request it received', () => {
  test("each route carries the service's own timeout and retries only on reset-before-request,connect-failure", () => {
    const { app, chart } = meshChart();
    const api = new MeshService(chart, 'api-gateway', { image: 'api:1', timeout: Duration.seconds(15) });
    const web = new MeshService(chart, 'web-frontend', { image: 'web:1' });
    const gw = new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' });
    gw.route(api, { pathPrefix: '/api/' });
    gw.route(web, { timeout: Duration.seconds(7) });
    const http = find(synth(app), 'VirtualService', 'shop').spec.http;
    expect(http.map((r: any) => [r.name, r.timeout, r.retries])).toEqual([
      ['api-gateway', '15s', { attempts: 2, retryOn: 'reset-before-request,connect-failure' }],
      ['web-frontend', '7s', { attempts: 2, retryOn: 'reset-before-request,connect-failure' }],
    ]);
  });
});

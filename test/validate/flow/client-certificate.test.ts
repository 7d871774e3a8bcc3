import { evaluateFlow, FlowEvaluator } from '../../../src/validate';
import { parseFlowSpec } from '../../../src/validate/flow/cli-flow';
import { app, gateway, INGRESS, virtualService } from './fixtures';

// A Gateway server in MUTUAL mode requires the client's certificate (Envoy's require_client_certificate);
// subjectAltNames narrows the certificates it accepts; OPTIONAL_MUTUAL admits a client without one.
// https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings
function manifests(mode: string, subjectAltNames?: string[]) {
  const gw = gateway('partner-gw', 'shop', { selector: { istio: 'ingressgateway' }, servers: [
    {
      port: { number: 443, name: 'https-partner', protocol: 'HTTPS' },
      hosts: ['partner.example.com'],
      tls: { mode, credentialName: 'partner-tls', ...(subjectAltNames ? { subjectAltNames } : {}) },
    },
  ] });
  const vs = virtualService('partner', 'shop', { hosts: ['partner.example.com'], gateways: ['partner-gw'], http: [{ route: [{ destination: { host: 'a' } }] }] });
  return [...app('a', 'shop'), gw, vs];
}
const opts = { platform: [INGRESS] };
const flow = (clientCertificate?: { subjectAltName?: string }) => ({
  source: { external: true as const, ...(clientCertificate ? { clientCertificate } : {}) },
  host: 'partner.example.com',
  port: 443,
  path: '/',
});
const SAN = 'spiffe://partner-a/ns/orders/sa/client';

test('a MUTUAL server refuses a client without a certificate, naming the server', () => {
  const v = evaluateFlow(manifests('MUTUAL'), flow(), opts);
  expect(v.allowed).toBe(false);
  expect(v.reason).toContain("Gateway shop/partner-gw's server https-partner (MUTUAL) requires a client certificate");
  expect(evaluateFlow(manifests('MUTUAL'), flow({ subjectAltName: SAN }), opts).allowed).toBe(true);
});

test('subjectAltNames admits only a certificate with a listed SAN', () => {
  const objs = manifests('MUTUAL', [SAN]);
  expect(evaluateFlow(objs, flow({ subjectAltName: SAN }), opts).allowed).toBe(true);
  const other = evaluateFlow(objs, flow({ subjectAltName: 'spiffe://partner-b/x' }), opts);
  expect(other.allowed).toBe(false);
  expect(other.reason).toContain(`subjectAltNames ${SAN}, not spiffe://partner-b/x`);
  expect(evaluateFlow(objs, flow({}), opts).allowed).toBe(false);
});

test('OPTIONAL_MUTUAL admits a client with or without a certificate; SIMPLE ignores it', () => {
  expect(evaluateFlow(manifests('OPTIONAL_MUTUAL'), flow(), opts).allowed).toBe(true);
  expect(evaluateFlow(manifests('OPTIONAL_MUTUAL'), flow({ subjectAltName: SAN }), opts).allowed).toBe(true);
  expect(evaluateFlow(manifests('SIMPLE'), flow(), opts).allowed).toBe(true);
});

test('--flow takes cert=<subjectAltName> for an external source only', () => {
  const evaluator = new FlowEvaluator(manifests('MUTUAL', [SAN]), opts);
  expect(parseFlowSpec(`external -> partner.example.com:443 / cert=${SAN}`, evaluator).source).toEqual({ external: true, clientCertificate: { subjectAltName: SAN } });
  expect(parseFlowSpec('external -> partner.example.com:443 / cert=', evaluator).source).toEqual({ external: true, clientCertificate: {} });
  expect(evaluator.evaluate(parseFlowSpec(`external -> partner.example.com:443 / cert=${SAN}`, evaluator)).allowed).toBe(true);
  expect(evaluator.evaluate(parseFlowSpec('external -> partner.example.com:443 /', evaluator)).allowed).toBe(false);
  expect(() => parseFlowSpec(`shop/a -> partner.example.com:443 / cert=${SAN}`, evaluator)).toThrow(/cert= is for an external source/);
});

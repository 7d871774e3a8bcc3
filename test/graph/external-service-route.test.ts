// An external host's timeout and retries: a VirtualService for the host on the ports the sidecar
// reads HTTP on, with MeshService's types (Duration, Retries); where no route can carry them, MESH219.
import { Duration } from 'cdk8s';
import { Codes, ExternalService, ExternalServiceProps, MeshService, Retries, TlsOrigination } from '../../src';
import { validateManifests } from '../../src/validate';
import { find, meshChart, synth, synthError } from '../util';

const PROVIDER: ExternalServiceProps = {
  hosts: ['api.payment-provider.example'],
  ports: [{ number: 80, protocol: 'HTTP', targetPort: 443 }],
  tls: TlsOrigination.simple({ port: 80 }),
};

function shop(props: Partial<ExternalServiceProps>) {
  const { app, chart } = meshChart();
  const payment = new MeshService(chart, 'payment-service', { image: 'payment:1' });
  const provider = new ExternalService(chart, 'payment-provider', { ...PROVIDER, ...props });
  payment.calls(provider, { port: 80, methods: ['POST'], paths: ['/v1/charges'] });
  return { app, provider };
}

describe('ExternalService timeout and retries', () => {
  test('a VirtualService for the host: the timeout and retries on its HTTP port, routed to the host itself; the call still works', () => {
    const { app } = shop({
      timeout: Duration.seconds(10),
      retries: Retries.of({ attempts: 1, perTryTimeout: Duration.seconds(5), retryOn: ['reset-before-request', 'connect-failure'] }),
    });
    const out = synth(app); // the intended flow payment-service -> the provider holds at synth
    expect(find(out, 'VirtualService', 'payment-provider').spec).toEqual({
      hosts: ['api.payment-provider.example'],
      http: [{
        route: [{ destination: { host: 'api.payment-provider.example', port: { number: 80 } } }],
        timeout: '10s',
        retries: { attempts: 1, perTryTimeout: '5s', retryOn: 'reset-before-request,connect-failure' },
      }],
    });
    expect(validateManifests(out).filter((f) => f.severity !== 'warning')).toEqual([]);
  });

  test('several HTTP ports: one route per port, matched by port', () => {
    const { app } = shop({ ports: [{ number: 80, protocol: 'HTTP', targetPort: 443 }, { number: 8080, protocol: 'HTTP' }], timeout: Duration.seconds(3) });
    const http = find(synth(app), 'VirtualService', 'payment-provider').spec.http;
    expect(http.map((r: any) => [r.match, r.route[0].destination.port.number, r.timeout])).toEqual([[[{ port: 80 }], 80, '3s'], [[{ port: 8080 }], 8080, '3s']]);
  });

  test('without timeout or retries there is no VirtualService', () => {
    expect(synth(shop({}).app).some((m) => m.kind === 'VirtualService' && m.metadata.name === 'payment-provider')).toBe(false);
  });

  test.each([
    [{ hosts: ['a.example', 'b.example'] }, /timeout: a VirtualService routes to one named host/],
    [{ ports: [{ number: 443, protocol: 'HTTPS' as const }], tls: undefined }, /timeout: no HTTP, HTTP2 or GRPC port: the sidecar reads no request on HTTPS 443/],
  ])('%o with a timeout fails synth (MESH219)', (props, message) => {
    const err = synthError(shop({ ...props, timeout: Duration.seconds(1) }).app);
    expect(err).toMatch(/\[test\/payment-provider\]/);
    expect(err).toMatch(message);
    expect(err).toContain(`[${Codes.INVALID_EXTERNAL_ROUTE}]`);
  });
});

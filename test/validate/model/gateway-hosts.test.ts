// How a VirtualService meets a Gateway: istio/istio pkg/config/host/names.go (Names.Intersection), gateway.go
// (sanitizeServerHostNamespace), resource.NewShortOrFullName; Envoy's virtual host domains (route_components.proto).
import { domainFor, gatewayReference, serverHostsFor, virtualHostName } from '../../../src/validate/model/gateway-hosts';

test('a gateway reference: mesh, a full name, or a name of the VirtualService\'s namespace', () => {
  expect(['mesh', 'istio-ingress/public', 'public'].map((g) => gatewayReference(g, 'shop'))).toEqual(['mesh', 'istio-ingress/public', 'shop/public']);
});

test('the server hosts a VirtualService of a namespace may bind for: `*/` or none for any, `./` the Gateway\'s, `ns/` that one', () => {
  const server = { hosts: ['a.example.com', '*/b.example.com', './c.example.com', 'shop/d.example.com', 'other/e.example.com'] };
  expect(serverHostsFor(server, 'istio-ingress', 'shop')).toEqual(['a.example.com', 'b.example.com', 'd.example.com']);
  expect(serverHostsFor(server, 'istio-ingress', 'istio-ingress')).toEqual(['a.example.com', 'b.example.com', 'c.example.com']);
});

test('the virtual host a VirtualService host and a server host give is the one that is a subset of the other', () => {
  expect(virtualHostName('shop.example.com', '*.example.com')).toBe('shop.example.com');
  expect(virtualHostName('*.example.com', 'Shop.Example.com')).toBe('shop.example.com');
  expect(virtualHostName('*.shop.example.com', '*.example.com')).toBe('*.shop.example.com');
  expect(virtualHostName('*', 'a.example.com')).toBe('a.example.com');
  expect(virtualHostName('a.example.com', 'b.example.com')).toBeUndefined();
  expect(virtualHostName('*.example.com', 'example.com')).toBeUndefined();
});

test('Envoy picks the domain equal to the host, else the longest wildcard covering it', () => {
  const domains = ['*.example.com', '*.shop.example.com', 'eu.shop.example.com', '*'];
  expect(domainFor(domains, 'EU.shop.example.com')).toBe('eu.shop.example.com');
  expect(domainFor(domains, 'us.shop.example.com')).toBe('*.shop.example.com');
  expect(domainFor(domains, 'www.example.com')).toBe('*.example.com');
  expect(domainFor(domains, 'example.org')).toBe('*');
  expect(domainFor(['a.example.com'], 'b.example.com')).toBeUndefined();
});

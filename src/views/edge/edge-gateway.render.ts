import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import { Gateway, GatewaySpec, GatewaySpecServersTls, GatewaySpecServersTlsMode as TlsMode } from '../../../imports/networking.istio.io';
import type { GatewayTlsMode, ServerTlsSettings } from './gateway-tls';
import { lazyWithoutUnset } from '../../private/defined';

/**
 * The Gateway of an `EdgeGateway` (and of the gateways built on it), its servers' TLS, built at synth.
 */

/**
 * An `EdgeGateway` (or a gateway built on one) as its Gateway reads it: the construct passes
 * itself (this module does not import it, so that no import goes in a circle).
 */
export interface EdgeGatewaySource {
  /** The labels of the gateway pods. */
  readonly selector: Readonly<Record<string, string>>;
  /** The servers, in order: port (number, name, protocol), hosts, and the TLS that renders its own settings. */
  readonly servers: readonly {
    readonly port: { readonly number: number; readonly name: string; readonly protocol: string };
    readonly hosts: readonly string[];
    readonly tls?: { render(): ServerTlsSettings };
  }[];
}

/**
 * The Gateway of `gateway` under `scope` (id `id`), its spec rendered at synth.
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/
 */
export function addGateway(scope: Construct, id: string, metadata: ApiObjectMetadata, gateway: EdgeGatewaySource): ApiObject {
  return new Gateway(scope, id, { metadata, spec: lazyWithoutUnset(() => renderGatewaySpec(gateway)) });
}

/** The spec of a Gateway. */
export function renderGatewaySpec(state: EdgeGatewaySource): GatewaySpec {
  return {
    selector: { ...state.selector },
    servers: state.servers.map((s) => ({
      port: { number: s.port.number, name: s.port.name, protocol: s.port.protocol },
      hosts: [...s.hosts],
      tls: s.tls ? renderServerTls(s.tls.render()) : undefined,
    })),
  };
}

/** ServerTLSSettings in the generated types: `httpsRedirect` alone, or a mode and its Secret. */
export function renderServerTls(tls: ServerTlsSettings): GatewaySpecServersTls {
  if ('httpsRedirect' in tls) return { httpsRedirect: true };
  return {
    mode: TLS_MODES[tls.mode], credentialName: tls.credentialName, subjectAltNames: tls.subjectAltNames && [...tls.subjectAltNames],
  };
}

const TLS_MODES: Record<GatewayTlsMode, TlsMode> = {
  SIMPLE: TlsMode.SIMPLE,
  MUTUAL: TlsMode.MUTUAL,
  OPTIONAL_MUTUAL: TlsMode.OPTIONAL_UNDERSCORE_MUTUAL,
  ISTIO_MUTUAL: TlsMode.ISTIO_UNDERSCORE_MUTUAL,
  PASSTHROUGH: TlsMode.PASSTHROUGH,
};

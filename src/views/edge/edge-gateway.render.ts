import { ApiObject, ApiObjectMetadata, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { Gateway, GatewaySpec, GatewaySpecServersTls, GatewaySpecServersTlsMode as TlsMode } from '../../../imports/networking.istio.io';
import type { GatewayTlsMode, ServerTlsSettings } from './gateway-tls';

/**
 * The Gateway of an `EdgeGateway` (and of the gateways built on it), its servers' TLS, built at synth.
 */

/** One server of a Gateway, as its construct holds it. */
export interface GatewayServerState {
  /** The port: number, name and protocol. */
  readonly port: { readonly number: number; readonly name: string; readonly protocol: string };
  /** The hosts served. */
  readonly hosts: readonly string[];
  /**
   * The server's TLS, which renders its own settings.
   * @default - none: the server has no `tls`
   */
  readonly tls?: { render(): ServerTlsSettings };
}

/** What a Gateway is rendered from: the gateway pods' labels and the servers. */
export interface GatewayState {
  /** The labels of the gateway pods. */
  readonly selector: Record<string, string>;
  /** The servers, in order. */
  readonly servers: readonly GatewayServerState[];
}

/**
 * A Gateway under `scope` (id `id`), its spec rendered at synth from `state()`.
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/
 */
export function addGateway(scope: Construct, id: string, metadata: ApiObjectMetadata, state: () => GatewayState): ApiObject {
  return new Gateway(scope, id, { metadata, spec: Lazy.any({ produce: () => renderGatewaySpec(state()) }) });
}

/** The spec of a Gateway. */
export function renderGatewaySpec(state: GatewayState): GatewaySpec {
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
  return { mode: TLS_MODES[tls.mode], credentialName: tls.credentialName };
}

const TLS_MODES: Record<GatewayTlsMode, TlsMode> = {
  SIMPLE: TlsMode.SIMPLE,
  MUTUAL: TlsMode.MUTUAL,
  ISTIO_MUTUAL: TlsMode.ISTIO_UNDERSCORE_MUTUAL,
  PASSTHROUGH: TlsMode.PASSTHROUGH,
};

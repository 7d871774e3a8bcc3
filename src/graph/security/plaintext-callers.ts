import { Codes } from '../../core/codes';
import { formatProblem } from '../../core/errors';
import { Labels } from '../../core/labels';
import type { Principal } from '../../core/principal';
import type { ServiceCall } from '../interfaces';
import { restrictedTargetPorts } from '../service-call';
import type { ServiceSecurity } from './service-security';
import { containerPortsOf } from './service-security.render';

/** A caller without a sidecar, as its calls' check reads it. */
export interface PlaintextCaller {
  readonly name: string;
  readonly namespace: string;
  readonly principal: Principal;
  /** The labels of its pods. */
  readonly podLabels: Readonly<Record<string, string>>;
}

/**
 * MESH293: the calls of a caller without a sidecar (`sidecar.inject: false`) to meshed services that admit no plaintext from
 * its pods on a port the call reaches. Its requests leave unproxied, in plaintext: no peer certificate, so no principal. The
 * ALLOW rule the callee writes for the caller's principal never matches them, since an AuthorizationPolicy source's
 * `principals` (and `namespaces`) "requires mTLS" (istio/api security/v1beta1 authorization.proto, Source); and a port whose
 * PeerAuthentication is STRICT refuses plaintext before any rule. What can admit them is `admitPlaintext`: their pods through the
 * NetworkPolicy, the ports PERMISSIVE, an ALLOW rule for requests without an identity (`notPrincipals: ["*"]`).
 * `security` is the meshed callee's ServiceSecurity (undefined for one without a sidecar, which refuses nothing, or another team's).
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/#PeerAuthentication-MutualTLS-Mode
 */
export function plaintextCallProblems(caller: PlaintextCaller, calls: readonly ServiceCall[],
  security: (call: ServiceCall) => ServiceSecurity | undefined): string[] {
  const out: string[] = [];
  const reported = new Set<string>();
  for (const call of calls) {
    const s = security(call);
    if (!s) continue;
    const ports = restrictedTargetPorts(call) ?? containerPortsOf(s.service);
    const missing = s._plaintextUnadmitted(caller.namespace, caller.podLabels, ports);
    const key = `${s.service.namespace}/${s.service.name}:${missing.map((p) => `${p.port}/${p.protocol}`).join(',')}`;
    if (missing.length === 0 || reported.has(key)) continue;
    reported.add(key);
    const target = s.service.name;
    const list = missing.map((p) => (p.protocol === 'TCP' ? `${p.port}` : `${p.port}/${p.protocol}`)).join(', ');
    const strict = missing.filter((p) => s.mtlsModeOn(p.port) === 'STRICT').map((p) => p.port);
    const peer = `{ namespace: '${caller.namespace}', podLabels: { ${Labels.APP}: '${caller.podLabels[Labels.APP] ?? caller.name}' } }`;
    const portList = missing.map((p) => `{ port: ${p.port}, protocol: '${p.protocol}' }`).join(', ');
    const admission = `ServiceSecurity.of(${target}).admitPlaintext({ peer: ${peer}, ports: [${portList}] })`;
    out.push(formatProblem(Codes.PLAINTEXT_CALLER_NOT_ADMITTED,
      `${caller.name} has no sidecar (sidecar.inject: false) and calls ${target} on container port${missing.length > 1 ? 's' : ''} ${list}, `
      + `where ${target} admits no plaintext from its pods: its requests carry no mTLS identity, so the rule ${target} writes for `
      + `${caller.principal.toString()} never matches them (an AuthorizationPolicy principal requires mTLS)`
      + (strict.length > 0 ? `, and ${target}'s STRICT mTLS on ${strict.join(', ')} refuses them before any rule` : '')
      + `; give ${caller.name} a sidecar (drop sidecar.inject: false), or admit its plaintext on ${target}: ${admission} `
      + `(peer: { cidr } for its addresses), which makes ${missing.length > 1 ? 'those ports' : 'that port'} PERMISSIVE`));
  }
  return out;
}

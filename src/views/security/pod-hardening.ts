import { Codes } from '../../core/codes';
import { formatProblem } from '../../core/errors';

/** The UID of the Envoy sidecar; Istio's traffic capture exempts it, so no workload may use it. */
export const ENVOY_UID = 1337;

/**
 * Problems with a pod spec (plain Kubernetes JSON), as hardening scanners
 * (kube-score, Polaris, Pod Security "restricted") report them: every container
 * must run as non-root, with a read-only root filesystem, no privilege escalation,
 * all capabilities dropped and CPU and memory requests and limits; the pod must not
 * mount a ServiceAccount token unless `allowToken`; and nothing may run as UID 1337.
 */
export function podHardeningProblems(pod: Record<string, any> | undefined, options: { allowToken?: boolean } = {}): string[] {
  if (!pod) return [formatProblem(Codes.POD_NOT_HARDENED, 'spec.template.spec: no pod spec')];
  const out: string[] = [];
  const podCtx = pod.securityContext ?? {};
  for (const key of ['runAsUser', 'runAsGroup'] as const) {
    if (podCtx[key] === ENVOY_UID) {
      out.push(formatProblem(Codes.RESERVED_UID, `securityContext.${key}: ${ENVOY_UID} is reserved for the Envoy proxy; its traffic would bypass the sidecar`));
    }
  }
  if (podCtx.runAsUser === 0) out.push(formatProblem(Codes.POD_NOT_HARDENED, 'securityContext.runAsUser: 0 is root'));
  if (pod.automountServiceAccountToken !== false && !options.allowToken) {
    out.push(formatProblem(Codes.POD_NOT_HARDENED, 'automountServiceAccountToken: must be false unless the service asks for its token'));
  }
  const containers: Record<string, any>[] = [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
  for (const c of containers) {
    const at = `containers[${c.name}]`;
    const sc = c.securityContext ?? {};
    const user = sc.runAsUser ?? podCtx.runAsUser;
    for (const key of ['runAsUser', 'runAsGroup'] as const) {
      if (sc[key] === ENVOY_UID) {
        out.push(formatProblem(Codes.RESERVED_UID, `${at}.securityContext.${key}: ${ENVOY_UID} is reserved for the Envoy proxy; its traffic would bypass the sidecar`));
      }
    }
    if ((sc.runAsNonRoot ?? podCtx.runAsNonRoot) !== true || user === 0) {
      out.push(formatProblem(Codes.POD_NOT_HARDENED, `${at}.securityContext.runAsNonRoot: must be true, with a non-zero runAsUser`));
    }
    if (sc.readOnlyRootFilesystem !== true) out.push(formatProblem(Codes.POD_NOT_HARDENED, `${at}.securityContext.readOnlyRootFilesystem: must be true`));
    if (sc.allowPrivilegeEscalation !== false) out.push(formatProblem(Codes.POD_NOT_HARDENED, `${at}.securityContext.allowPrivilegeEscalation: must be false`));
    if (sc.privileged === true) out.push(formatProblem(Codes.POD_NOT_HARDENED, `${at}.securityContext.privileged: must not be true`));
    const drop: string[] = sc.capabilities?.drop ?? [];
    if (!drop.includes('ALL')) out.push(formatProblem(Codes.POD_NOT_HARDENED, `${at}.securityContext.capabilities.drop: must include ALL`));
    if ((sc.capabilities?.add ?? []).length > 0) {
      out.push(formatProblem(Codes.POD_NOT_HARDENED, `${at}.securityContext.capabilities.add: must be empty, got ${sc.capabilities.add.join(', ')}`));
    }
    for (const kind of ['requests', 'limits'] as const) {
      for (const r of ['cpu', 'memory']) {
        if (c.resources?.[kind]?.[r] === undefined) out.push(formatProblem(Codes.POD_NOT_HARDENED, `${at}.resources.${kind}.${r}: must be set`));
      }
    }
  }
  return out;
}
